// The wire protocol (docs/PROTOCOL.md): a round trip for every message, malformed input with the
// code each gets, and the worked example of the document byte for byte.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "sweep/base/limits.hpp"
#include "sweep/protocol/endpoints.hpp"
#include "sweep/protocol/protocol.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::protocol {
namespace {

using nlohmann::json;

std::string hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}
std::string unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}
// A frame built from JSON (msgpack via nlohmann), for malformed-input tests.
std::string frame(const json& j) {
  auto v = json::to_msgpack(j);
  return {v.begin(), v.end()};
}

Metrics some_metrics() {
  Metrics m;  // NaN everywhere: nil on the wire
  m[Metric::kTrades] = 12;
  m[Metric::kSharpe] = 1.25;
  m[Metric::kMaxDrawdownPct] = -0.1;
  m[Metric::kFinalEquity] = 10523.5;
  return m;
}
ParamSet some_params() {
  ParamSet p;  // key order as decoded: sorted by name
  p.set("fast", int64_t{10});
  p.set("mode", std::string("long_short"));
  p.set("ratio", 0.5);
  p.set("slow", int64_t{-30});
  return p;
}
TrialRecord some_trial() {
  TrialRecord t;
  t.index = 7;
  t.attempt = 2;
  t.status = TrialState::kFailed;
  t.params = some_params();
  t.metrics = some_metrics();
  t.trades = 3;
  t.error_message = "fast must be < slow";
  t.error_stack_trace = "#0 foo\n#1 bar";
  t.worker = "w-1";
  t.started_at = 1700000000000;
  t.finished_at = 1700000001234;
  return t;
}
json some_spec() {
  return json::parse(R"({"dataset": {"synthetic": {"bars": 1000, "seed": 7}},
    "strategy": "sma_cross", "space": {"fast": {"start": 5, "stop": 25, "step": 5},
    "slow": [20, 30, 40]}, "constraint": "fast < slow", "method": {"random": {"n": 20, "seed": 1}},
    "commission": 0.001, "cash": 10000})");
}

template <class V, class M, class Decode>
void expect_round_trip(const M& m, Decode decode) {
  const std::string bytes = encode(V(m));
  auto back = decode(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_TRUE(std::holds_alternative<M>(*back)) << "decoded as another type";
  EXPECT_EQ(std::get<M>(*back), m);
  EXPECT_EQ(encode(*back), bytes) << "re-encoding changes the bytes";
}
template <class M>
void req_rt(const M& m) {
  expect_round_trip<FrontendRequest>(m,
                                     [](std::string_view b) { return decode_frontend_request(b); });
}
template <class M>
void rep_rt(const M& m) {
  expect_round_trip<FrontendReply>(m, [](std::string_view b) { return decode_frontend_reply(b); });
}
template <class M>
void wrk_rt(const M& m) {
  expect_round_trip<WorkerMessage>(m, [](std::string_view b) { return decode_worker_message(b); });
}
template <class M>
void brk_rt(const M& m) {
  expect_round_trip<BrokerMessage>(m, [](std::string_view b) { return decode_broker_message(b); });
}
template <class M>
void evt_rt(const M& m) {
  expect_round_trip<Event>(m, [](std::string_view b) { return decode_event(b); });
}

TEST(ProtocolRoundTrip, FrontendRequests) {
  req_rt(SubmitRequest{"r1", JobKind::kBacktest,
                       json::parse(R"({"dataset":{"path":"GOOG.csv"},"strategy":"sma_cross",
                                   "params":{"fast":10,"slow":30}})"),
                       ""});
  req_rt(SubmitRequest{"r2", JobKind::kOptimization, some_spec(), "key-42"});
  req_rt(StatusRequest{"r3", "job-1"});
  req_rt(CancelRequest{"r4", "job-1"});
  req_rt(GetRequest{"r5", "job-1"});
  req_rt(TrialsRequest{"r6", "job-1", "sharpe", SortOrder::kDesc, 50, 100});
  req_rt(TrialsRequest{"r7", "job-1", "index", SortOrder::kAsc, 100, 0});
  req_rt(ListRequest{"r8", JobKind::kOptimization, JobState::kCancelling, 10, 20});
  req_rt(ListRequest{"r9", std::nullopt, std::nullopt, 100, 0});
  req_rt(HealthRequest{"r10"});
  req_rt(StrategiesRequest{"r11"});
  req_rt(DatasetsRequest{"r12"});
}

TEST(ProtocolRoundTrip, FrontendReplies) {
  rep_rt(AcceptedReply{"r1", "job-1", 120, JobState::kQueued});
  StatusReply st;
  st.req = "r2";
  st.id = "job-1";
  st.kind = JobKind::kOptimization;
  st.status = JobState::kRunning;
  st.total = 120;
  st.completed = 30;
  st.failed = 2;
  st.progress = 32.0 / 120;
  st.running = 4;
  st.queued = 84;
  st.elapsed_s = 12.5;
  st.eta_s = 37.5;
  st.best = some_trial();
  rep_rt(st);
  st.status = JobState::kCompleted;
  st.eta_s.reset();
  st.best.reset();
  st.result = json{{"best", {{"index", 3}}}, {"top", json::array()}};
  rep_rt(st);

  JobReply jr;
  jr.req = "r3";
  jr.job.id = "job-1";
  jr.job.kind = JobKind::kOptimization;
  jr.job.status = JobState::kFailed;
  jr.job.spec = some_spec();
  jr.job.total = 9;
  jr.job.created_at = 1;
  jr.job.started_at = 2;
  jr.job.error_message = "dataset vanished";
  jr.job.best = some_trial();
  rep_rt(jr);

  TrialsPage tp{"r4", "job-1", 500, 100, {some_trial(), TrialRecord{}}};
  rep_rt(tp);
  JobsPage jp{
      "r5",
      2,
      0,
      {JobSummary{"a", JobKind::kBacktest, JobState::kCompleted, 1000, 1000, 0, 5, 6},
       JobSummary{"b", JobKind::kOptimization, JobState::kQueued, 9, 0, 0, 7, std::nullopt}}};
  rep_rt(jp);
  HealthReply h{"r6",
                "0.1.0",
                Endpoints{"tcp://127.0.0.1:5555", "tcp://127.0.0.1:5556", "tcp://127.0.0.1:5557",
                          "tcp://127.0.0.1:5558"},
                {WorkerInfo{"w-1", 1234, "hostA", 4, 3}},
                77,
                2};
  rep_rt(h);
  rep_rt(ErrorReply{"r7", Code::kNotFound, "no job 'x'", ""});
  rep_rt(
      ErrorReply{"r8", Code::kBadRequest, "spec.space.slow[2]: duplicate", "spec.space.slow[2]"});
  rep_rt(StrategiesReply{
      "r9", json::parse(R"([{"name":"sma_cross","description":"d","params":[{"name":"fast",
                  "type":"int","default":10,"min":1,"max":100000,"description":"f"}]}])"),
      json::parse(R"(["trades","sharpe"])")});
  rep_rt(DatasetsReply{
      "r10", json::parse(R"([{"path":"GOOG.csv","bytes":97833,"source":{"path":"GOOG.csv"}}])"),
      json::array()});
}

// The catalog replies carry arrays: anything else names the field.
TEST(ProtocolMalformed, CatalogRepliesNeedArrays) {
  const std::string bad =
      encode(FrontendReply{StrategiesReply{"r", json::object(), json::array()}});
  auto back = decode_frontend_reply(bad);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("strategies.strategies: expected an array"),
            std::string::npos)
      << back.status().ToString();
}

// `store_error` is written only when set: a health reply without it is the frame it always was
// (golden_frames.txt pins those bytes), one with it reads back whole.
TEST(ProtocolRoundTrip, HealthStoreErrorIsOmittedUnlessSet) {
  HealthReply h;
  h.req = "h";
  h.version = "0.1.0";
  const std::string plain = encode(FrontendReply{h});
  EXPECT_EQ(plain.find("store_error"), std::string::npos);
  h.store_error = "database file /x/sweep.db was deleted while the broker ran";
  const std::string marked = encode(FrontendReply{h});
  EXPECT_NE(marked.find("store_error"), std::string::npos);
  auto back = decode_frontend_reply(marked);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::get<HealthReply>(*back), h);
  auto old = decode_frontend_reply(plain);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(std::get<HealthReply>(*old).store_error, "");
}

// `waiting_for` and `health.waiting` are written only when set, like `store_error`.
TEST(ProtocolRoundTrip, WaitingReasonsAreOmittedUnlessSet) {
  StatusReply s;
  s.req = "s";
  s.id = "job-1";
  const std::string plain = encode(FrontendReply{s});
  EXPECT_EQ(plain.find("waiting_for"), std::string::npos);
  s.waiting_for = "no worker is connected";
  auto back = decode_frontend_reply(encode(FrontendReply{s}));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::get<StatusReply>(*back), s);
  EXPECT_EQ(std::get<StatusReply>(*decode_frontend_reply(plain)).waiting_for, "");

  HealthReply h;
  h.req = "h";
  h.version = "0.1.0";
  const std::string none = encode(FrontendReply{h});
  EXPECT_EQ(none.find("waiting"), std::string::npos);
  h.waiting = {{"job-1", "no worker is connected"}, {"job-2", "no connected worker runs x"}};
  auto hb = decode_frontend_reply(encode(FrontendReply{h}));
  ASSERT_TRUE(hb.ok()) << hb.status().ToString();
  EXPECT_EQ(std::get<HealthReply>(*hb), h);
  EXPECT_TRUE(std::get<HealthReply>(*decode_frontend_reply(none)).waiting.empty());
}

// The autoscaling fields (running, trials_per_s, live_jobs, workers[].draining) are written only
// when set, like store_error: the pinned frames stay valid; set, they read back whole.
TEST(ProtocolRoundTrip, HealthAutoscalingFieldsAreOmittedUnlessSet) {
  HealthReply h;
  h.req = "h";
  h.version = "0.1.0";
  h.workers = {WorkerInfo{"w1", 7, "host", 2, 1}};
  const std::string plain = encode(FrontendReply{h});
  for (const char* key : {"running", "trials_per_s", "live_jobs", "draining"})
    EXPECT_EQ(plain.find(key), std::string::npos) << key;
  h.workers[0].draining = true;
  h.running = 3;
  h.trials_per_s = 12.5;
  h.live_jobs = {LiveJobInfo{"j1", 10, 3, 5, 1, 12.5}};
  auto back = decode_frontend_reply(encode(FrontendReply{h}));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::get<HealthReply>(*back), h);
  auto old = decode_frontend_reply(plain);
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(std::get<HealthReply>(*old).running.has_value());
  EXPECT_FALSE(std::get<HealthReply>(*old).workers[0].draining);
}

TEST(ProtocolRoundTrip, WorkerMessages) {
  wrk_rt(Hello{"w-1", "hostA", "0.1.0", 4242, 8, {"sma_cross", "ema_cross"}});
  wrk_rt(Heartbeat{});
  wrk_rt(Credit{3});
  TrialResult r;
  r.job = "job-1";
  r.index = 9;
  r.attempt = 1;
  r.status = TrialState::kCompleted;
  r.metrics = some_metrics();
  r.trades = 12;
  r.equity = {10000, 10010.5, 9990.25};
  r.started_at = 1700000000000;
  r.finished_at = 1700000000500;
  r.bars = 1000;
  wrk_rt(r);
  r.status = TrialState::kFailed;
  r.metrics = Metrics::Zero();
  r.equity.clear();
  r.error_message = "boom";
  r.error_stack_trace = "#0 x";
  wrk_rt(r);
  r.status = TrialState::kCancelled;
  wrk_rt(r);
  wrk_rt(DatasetRequest{"abcdef"});
  wrk_rt(Draining{});
  wrk_rt(Draining{{TrialRef{"job-1", 4, 1}, TrialRef{"job-2", 0, 3}}});
  wrk_rt(Bye{"shutdown"});
  wrk_rt(Bye{});
  wrk_rt(Crashed{11, "SIGSEGV", "Segmentation fault", TrialRef{"job-1", 7, 2}});
  wrk_rt(Crashed{6, "SIGABRT", "Aborted", std::nullopt});
}

TEST(ProtocolMalformed, CrashedNamesItsBadField) {
  json j = {{"v", 1},
            {"type", "crashed"},
            {"signal", 11},
            {"signal_name", "SIGSEGV"},
            {"description", "Segmentation fault"},
            {"trial", {{"job", "j"}, {"index", "x"}}}};
  std::vector<uint8_t> bytes = json::to_msgpack(j);
  auto m = decode_worker_message(std::string(bytes.begin(), bytes.end()));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), Code::kBadRequest);
  EXPECT_NE(m.status().message().find("crashed.trial.index"), std::string::npos)
      << m.status().message();
}

// A completed trial's ReturnStats travel with its result when the batch asks for them
// (return_blocks); neither key is written otherwise, so the pinned frames stay valid.
TEST(ProtocolRoundTrip, ReturnStatisticsAreOmittedUnlessAskedFor) {
  TrialsBatch b;
  b.job = "job-1";
  b.strategy = "sma_cross";
  const std::string plain_batch = encode(BrokerMessage(b));
  EXPECT_EQ(plain_batch.find("return_blocks"), std::string::npos);
  b.return_blocks = 16;
  brk_rt(b);
  TrialResult r;
  r.job = "job-1";
  r.status = TrialState::kCompleted;
  r.metrics = some_metrics();
  const std::string plain = encode(WorkerMessage(r));
  EXPECT_EQ(plain.find("return_stats"), std::string::npos);
  // Extreme values keep every bit: 0 as an unsigned count, subnormals, negative means.
  r.return_stats = ReturnStats{250, -1.25e-4, 3.5e-4, -1e-310, 7.0 / 3, {}};
  for (uint32_t i = 0; i < 16; ++i)
    r.return_stats->blocks.push_back({i == 3 ? 0 : 15 + i, -0.01 * i, 4.9e-324 * i});
  wrk_rt(r);
}

TEST(ProtocolMalformed, ReturnStatisticsNameTheirBadField) {
  auto result_with = [](json blocks) {
    json j = {{"v", 1},
              {"type", "result"},
              {"job", "j"},
              {"index", 0},
              {"attempt", 1},
              {"status", "completed"},
              {"metrics", json::object()},
              {"trades", 0},
              {"equity", json::array()},
              {"started_at", 1},
              {"finished_at", 2},
              {"bars", 10},
              {"return_stats",
               {{"days", 2}, {"mean", 0.1}, {"m2", 0}, {"m3", 0}, {"m4", 0}, {"blocks", blocks}}}};
    std::vector<uint8_t> bytes = json::to_msgpack(j);
    return decode_worker_message(std::string(bytes.begin(), bytes.end()));
  };
  ASSERT_TRUE(result_with(json::array({1, 0.1, 0.01, 1, 0.1, 0.01})).ok());
  auto short_block = result_with(json::array({1, 0.1}));
  ASSERT_FALSE(short_block.ok());
  EXPECT_NE(short_block.status().message().find(
                "result.return_stats.blocks: expected count, sum, sum of squares per block"),
            std::string::npos)
      << short_block.status().message();
  auto bad_count = result_with(json::array({-1, 0.1, 0.01}));
  ASSERT_FALSE(bad_count.ok());
  EXPECT_NE(bad_count.status().message().find("result.return_stats.blocks[0]"), std::string::npos)
      << bad_count.status().message();
  json many = json::array();
  for (int i = 0; i < 3 * 25; ++i) many.push_back(1);
  auto too_many = result_with(many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), Code::kTooLarge);
  EXPECT_NE(too_many.status().message().find("more than 24 blocks"), std::string::npos)
      << too_many.status().message();
}

TEST(ProtocolRoundTrip, ABatchTrialsBarsAreOmittedForTheWholeDataset) {
  TrialsBatch b;
  b.job = "job-1";
  b.strategy = "sma_cross";
  b.trials.push_back({0, 1, {}, std::nullopt});
  EXPECT_EQ(encode(BrokerMessage(b)).find("bars"), std::string::npos);
  b.trials.push_back({7, 2, {}, BarSpan{250, 750}});
  b.trials.push_back({8, 1, {}, BarSpan{0, 1}});
  brk_rt(b);
}

TEST(ProtocolMalformed, ABatchTrialsBarsNameTheirBadField) {
  auto batch_with = [](json bars) {
    json trial = {{"index", 3}, {"attempt", 1}, {"params", json::object()}, {"bars", bars}};
    json j = {{"v", 1},
              {"type", "batch"},
              {"job", "j"},
              {"dataset", {{"hash", "h"}, {"source", json::object()}}},
              {"strategy", "sma_cross"},
              {"cash", 10000},
              {"commission", 0},
              {"trial_timeout_s", 600},
              {"trials", json::array({trial})}};
    std::vector<uint8_t> bytes = json::to_msgpack(j);
    return decode_broker_message(std::string(bytes.begin(), bytes.end()));
  };
  auto good = batch_with({{"begin", 10}, {"end", 20}});
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(std::get<TrialsBatch>(*good).trials[0].bars, (BarSpan{10, 20}));
  auto empty = batch_with({{"begin", 20}, {"end", 20}});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("batch.trials[0].bars.end: must be above begin"),
            std::string::npos)
      << empty.status().message();
  auto missing = batch_with({{"begin", 20}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("batch.trials[0].bars.end"), std::string::npos)
      << missing.status().message();
  auto negative = batch_with({{"begin", -1}, {"end", 20}});
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find("batch.trials[0].bars.begin"), std::string::npos)
      << negative.status().message();
}

TEST(ProtocolRoundTrip, BrokerMessages) {
  brk_rt(Welcome{"tcp://127.0.0.1:5557", "tcp://127.0.0.1:5558", 1000, 3});
  brk_rt(Heartbeat{});
  TrialsBatch b;
  b.job = "job-1";
  b.dataset = DatasetRef{"ab12", json{{"path", "GOOG.csv"}}};
  b.strategy = "sma_cross";
  b.cash = 10000;
  b.commission = 0.002;
  b.trial_timeout_s = 600;
  b.trials = {BatchTrial{0, 1, some_params()}, BatchTrial{5, 3, ParamSet{}}};
  brk_rt(b);
  brk_rt(Dataset{"ab12", "Date,Open,High,Low,Close\n2020-01-01,1,2,0.5,1.5\n"});
  brk_rt(CrashAck{});
}

TEST(ProtocolRoundTrip, EventsAndTicks) {
  evt_rt(ProgressEvent{"job-1", JobState::kRunning, 10, 4, 1, 2, 3, 0.5, 1.5, 2.0});
  evt_rt(ProgressEvent{"job-1", JobState::kCancelling, 10, 4, 1, 2, 3, 0.5, 1.5, std::nullopt});
  evt_rt(TrialEvent{"job-1", some_trial()});
  evt_rt(StateEvent{"job-1", JobState::kFailed, "dataset vanished"});
  evt_rt(StateEvent{"job-1", JobState::kCompleted, ""});
  evt_rt(CancelEvent{"job-1"});
  Tick t{"job-1", 4, 2, 500, 1000};
  auto back = decode_tick(encode(t));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, t);
}

TEST(ProtocolRoundTrip, MetricsAreFloat64OrNil) {
  Metrics m;
  m[Metric::kSharpe] = 0.5;  // fits a float 32: still written as float 64
  TrialResult r;
  r.job = "j";
  r.metrics = m;
  const std::string bytes = encode(WorkerMessage(r));
  EXPECT_NE(bytes.find(std::string("\xa6sharpe\xcb\x3f\xe0\0\0\0\0\0\0", 16)), std::string::npos);
  EXPECT_NE(bytes.find(std::string("\xa6sortino\xc0", 9).replace(0, 1, "\xa7")), std::string::npos);
}

TEST(ProtocolRoundTrip, SubmittedSpecParsesAsAJobSpec) {
  auto back = decode_frontend_request(
      encode(FrontendRequest(SubmitRequest{"r", JobKind::kOptimization, some_spec(), ""})));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const auto& sub = std::get<SubmitRequest>(*back);
  auto spec = parse_job_spec(sub.spec, sub.kind);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->strategy, "sma_cross");
  EXPECT_EQ(spec->commission, 0.001);
}

TEST(ProtocolTopics, BuiltInOnePlace) {
  EXPECT_EQ(job_topic("abc"), "job.abc");
  EXPECT_EQ(cancel_topic("abc"), "cancel.abc");
  EXPECT_TRUE(cancel_topic("x").starts_with(kCancelPrefix));
  EXPECT_EQ(kTickTopic, "tick");
  EXPECT_EQ(kDefaultFrontend, "tcp://127.0.0.1:5555");
  EXPECT_EQ(kDefaultTelemetry, "tcp://127.0.0.1:5558");
}

TEST(ProtocolTypeName, MatchesWire) {
  EXPECT_EQ(type_name(FrontendRequest(SubmitRequest{"r", JobKind::kOptimization, {}, ""})),
            "submit_optimization");
  EXPECT_EQ(type_name(FrontendReply(JobsPage{})), "jobs_page");
  EXPECT_EQ(type_name(FrontendRequest(StrategiesRequest{})), "strategies");
  EXPECT_EQ(type_name(FrontendRequest(DatasetsRequest{})), "datasets");
  EXPECT_EQ(type_name(FrontendReply(StrategiesReply{})), "strategies");
  EXPECT_EQ(type_name(FrontendReply(DatasetsReply{})), "datasets");
  EXPECT_EQ(type_name(WorkerMessage(DatasetRequest{})), "dataset_request");
  EXPECT_EQ(type_name(BrokerMessage(TrialsBatch{})), "batch");
  EXPECT_EQ(type_name(Event(TrialEvent{})), "trial_event");
}

// ---- malformed input ----

void expect_code(const Status& s, Code code, std::string_view message_part = "") {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_NE(s.message().find(message_part), std::string::npos) << s.ToString();
}
Status req_status(std::string_view bytes) {
  return decode_frontend_request(bytes).status();
}

TEST(ProtocolMalformed, RandomBytesNeverCrash) {
  std::mt19937_64 rng(42);
  const std::string valid =
      encode(FrontendRequest(SubmitRequest{"r", JobKind::kOptimization, some_spec(), "k"}));
  for (int i = 0; i < 3000; ++i) {
    std::string b;
    if (i % 2 == 0) {
      b.resize(rng() % 64);
      for (auto& c : b) c = static_cast<char>(rng());
    } else {  // a valid frame with a few bytes flipped: reaches the field checks
      b = valid;
      for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    }
    auto r = decode_frontend_request(b);
    if (!r.ok()) {
      EXPECT_NE(r.status().code(), Code::kInternal);
    }
    (void)decode_frontend_reply(b);
    (void)decode_worker_message(b);
    (void)decode_broker_message(b);
    (void)decode_event(b);
    (void)decode_tick(b);
  }
}

TEST(ProtocolMalformed, NotMsgpackTruncatedNotAMap) {
  expect_code(req_status(""), Code::kBadRequest, "not a valid msgpack");
  expect_code(req_status("\xc1"), Code::kBadRequest, "not a valid msgpack");
  const std::string ok = encode(FrontendRequest(StatusRequest{"r", "job-1"}));
  for (size_t n = 0; n < ok.size(); ++n)
    expect_code(req_status(ok.substr(0, n)), Code::kBadRequest, "msgpack");
  expect_code(req_status(ok + "x"), Code::kBadRequest, "bytes after");
  expect_code(req_status(frame(json::array({1, 2}))), Code::kBadRequest, "not a msgpack map");
  expect_code(req_status(frame("hello")), Code::kBadRequest, "not a msgpack map");
  // A huge declared length with no bytes behind it.
  expect_code(req_status(std::string("\xdf\xff\xff\xff\xff", 5)), Code::kBadRequest, "msgpack");
  expect_code(req_status(std::string("\xdb\xff\xff\xff\xff", 5)), Code::kBadRequest, "msgpack");
  // Non-string map keys.
  expect_code(req_status(std::string("\x81\x01\x02", 3)), Code::kBadRequest, "msgpack");
}

TEST(ProtocolMalformed, DeepNestingIsRejectedNotRecursed) {
  std::string deep(100000, '\x91');
  deep.push_back('\xc0');
  expect_code(req_status(deep), Code::kBadRequest, "deeper");
}

TEST(ProtocolMalformed, Envelope) {
  expect_code(req_status(frame({{"type", "health"}, {"req", "r"}})), Code::kBadRequest,
              "v: required field missing");
  expect_code(req_status(frame({{"v", "1"}, {"type", "health"}, {"req", "r"}})), Code::kBadRequest,
              "v: expected");
  expect_code(req_status(frame({{"v", 2}, {"type", "health"}, {"req", "r"}})),
              Code::kUnsupportedVersion, "version 2");
  expect_code(req_status(frame({{"v", 0}, {"type", "health"}, {"req", "r"}})),
              Code::kUnsupportedVersion);
  expect_code(req_status(frame({{"v", 1}, {"type", nullptr}, {"req", "r"}})), Code::kBadRequest,
              "type: required field missing");
  expect_code(req_status(frame({{"v", 1}, {"type", 5}, {"req", "r"}})), Code::kBadRequest,
              "type: expected a string");
  expect_code(req_status(frame({{"v", 1}, {"type", "x"}, {"req", "r"}})), Code::kBadRequest,
              "unknown message type 'x'");
  // A reply type is unknown on the request direction.
  expect_code(req_status(frame({{"v", 1}, {"type", "accepted"}, {"req", "r"}})), Code::kBadRequest,
              "unknown message type 'accepted'");
}

TEST(ProtocolMalformed, RequiredFieldsMissingOrMistyped) {
  const json base = {{"v", 1}, {"type", "status"}, {"req", "r"}, {"id", "job-1"}};
  auto without = [&](const char* key) {
    json j = base;
    j.erase(key);
    return frame(j);
  };
  auto with = [&](const char* key, json v) {
    json j = base;
    j[key] = std::move(v);
    return frame(j);
  };
  expect_code(req_status(without("id")), Code::kBadRequest, "status.id: required field missing");
  expect_code(req_status(with("id", 5)), Code::kBadRequest, "status.id: expected a string");
  expect_code(req_status(without("req")), Code::kBadRequest, "status.req: required");
  expect_code(req_status(with("req", json::array())), Code::kBadRequest, "status.req: expected");
  expect_code(req_status(with("id", std::string(kMaxIdLength + 1, 'x'))), Code::kTooLarge,
              "status.id: longer than");

  expect_code(req_status(frame({{"v", 1}, {"type", "submit_backtest"}, {"req", "r"}})),
              Code::kBadRequest, "submit_backtest.spec: required field missing");
  expect_code(
      req_status(frame({{"v", 1}, {"type", "submit_optimization"}, {"req", "r"}, {"spec", "x"}})),
      Code::kBadRequest, "submit_optimization.spec: expected a map");
  const json trials = {{"v", 1}, {"type", "trials"}, {"req", "r"}, {"id", "j"}};
  auto t = [&](const char* k, json v) {
    json j = trials;
    j[k] = std::move(v);
    return frame(j);
  };
  expect_code(req_status(t("sort", "sharp")), Code::kBadRequest, "trials.sort: unknown sort key");
  expect_code(req_status(t("order", "up")), Code::kBadRequest, "trials.order");
  expect_code(req_status(t("limit", -1)), Code::kBadRequest, "trials.limit: expected an unsigned");
  expect_code(req_status(t("limit", 1.5)), Code::kBadRequest, "trials.limit");
  expect_code(req_status(t("limit", kMaxPageLimit + 1)), Code::kBadRequest, "trials.limit");
  expect_code(req_status(frame({{"v", 1}, {"type", "list"}, {"req", "r"}, {"status", "done"}})),
              Code::kBadRequest, "list.status: unknown job state 'done'");

  // Backend and nested fields name their path.
  auto w = decode_worker_message(frame({{"v", 1},
                                        {"type", "result"},
                                        {"job", "j"},
                                        {"index", 1},
                                        {"attempt", 1},
                                        {"status", "completed"},
                                        {"metrics", {{"sharpe", "high"}}},
                                        {"trades", 0},
                                        {"equity", json::array()},
                                        {"started_at", 0},
                                        {"finished_at", 0},
                                        {"bars", 0}}));
  expect_code(w.status(), Code::kBadRequest, "result.metrics.sharpe: expected a number or nil");
  TrialsBatch b;
  b.job = "j";
  b.trials = {BatchTrial{}};
  json bj = json::from_msgpack(encode(BrokerMessage(b)));
  bj["trials"][0]["params"]["fast"] = json::array();
  expect_code(decode_broker_message(frame(bj)).status(), Code::kBadRequest,
              "batch.trials[0].params.fast: expected an integer, a float or a string");
}

TEST(ProtocolMalformed, OversizedInput) {
  std::string big = encode(FrontendRequest(SubmitRequest{
      "r", JobKind::kBacktest, json{{"pad", std::string(kMaxRequestBytes, 'x')}}, ""}));
  expect_code(req_status(big), Code::kTooLarge, "over the limit");
  expect_code(decode_frontend_request(encode(FrontendRequest(HealthRequest{"r"})), 4).status(),
              Code::kTooLarge);
}

TEST(ProtocolMalformed, UnknownKeysAreIgnored) {
  json j = {{"v", 1},        {"type", "status"}, {"req", "r"},
            {"id", "job-1"}, {"future", {1, 2}}, {"x", nullptr}};
  auto r = decode_frontend_request(frame(j));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(std::get<StatusRequest>(*r), (StatusRequest{"r", "job-1"}));
}

TEST(ProtocolMalformed, NilOptionalsAndIntegerFloats) {
  // nlohmann's own encoder writes 1.0 as float 32 and small ints compactly: both accepted.
  json j = {{"v", 1},      {"type", "progress"}, {"job", "j"},       {"status", "running"},
            {"total", 10}, {"completed", 1},     {"failed", 0},      {"running", 1},
            {"queued", 8}, {"progress", 1},      {"elapsed_s", 0.5}, {"eta_s", nullptr}};
  auto e = decode_event(frame(j));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(std::get<ProgressEvent>(*e).progress, 1.0);
  EXPECT_FALSE(std::get<ProgressEvent>(*e).eta_s.has_value());
}

TEST(ProtocolErrors, RequestIdSurvives) {
  // The broker answers a request it cannot decode with the req it could read.
  const std::string bad = frame({{"v", 1}, {"type", "status"}, {"req", "abc"}, {"id", 5}});
  auto r = decode_frontend_request(bad);
  ASSERT_FALSE(r.ok());
  ErrorReply e = make_error(recover_req(bad), r.status());
  EXPECT_EQ(e.req, "abc");
  EXPECT_EQ(e.code, Code::kBadRequest);
  EXPECT_EQ(e.field, "status.id");
  auto back = decode_frontend_reply(encode(FrontendReply(e)));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::get<ErrorReply>(*back).req, "abc");
  EXPECT_EQ(std::get<ErrorReply>(*back), e);
  EXPECT_EQ(recover_req("garbage"), "");
  // An error to an unreadable request has a nil req; a code from a newer peer reads as internal.
  auto nil_req = decode_frontend_reply(frame({{"v", 1},
                                              {"type", "error"},
                                              {"req", nullptr},
                                              {"code", "rate_limited"},
                                              {"message", "slow down"}}));
  ASSERT_TRUE(nil_req.ok()) << nil_req.status().ToString();
  EXPECT_EQ(std::get<ErrorReply>(*nil_req).req, "");
  EXPECT_EQ(std::get<ErrorReply>(*nil_req).code, Code::kInternal);
}

// ---- the worked example of docs/PROTOCOL.md §9 ----

constexpr std::string_view kExampleRequestHex =
    "84a26964a56a6f622d31a3726571a27237a474797065a3676574a17601";
constexpr std::string_view kExampleReplyHex =
    "86a4636f6465a96e6f745f666f756e64a56669656c64c0a76d657373616765ae6e6f206a6f6220276a6f622d3127a3"
    "726571a27237a474797065a56572726f72a17601";

TEST(ProtocolDocExample, BytesMatchTheEncoder) {
  const std::string req = encode(FrontendRequest(GetRequest{"r7", "job-1"}));
  EXPECT_EQ(hex(req), kExampleRequestHex);
  const std::string rep =
      encode(FrontendReply(ErrorReply{"r7", Code::kNotFound, "no job 'job-1'", ""}));
  EXPECT_EQ(hex(rep), kExampleReplyHex);
  auto back = decode_frontend_request(unhex(kExampleRequestHex));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::get<GetRequest>(*back), (GetRequest{"r7", "job-1"}));
}

TEST(ProtocolDocExample, DocumentShowsTheSameBytes) {
  std::ifstream in(std::string(SWEEP_DATA_DIR) + "/../docs/PROTOCOL.md");
  ASSERT_TRUE(in) << "docs/PROTOCOL.md not found";
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(doc.find(kExampleRequestHex), std::string::npos);
  EXPECT_NE(doc.find(kExampleReplyHex), std::string::npos);
}

}  // namespace
}  // namespace sweep::protocol
