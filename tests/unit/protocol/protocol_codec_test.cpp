// The table-driven codec (common/protocol/codec_core.hpp) on the messages that carry trials,
// `results` and `batch`: values survive, a peer's key order does not matter, other writers'
// encodings are read, and every malformed input gets its code and its field's path.
#include <gtest/gtest.h>

#include <cmath>

#include "sweep/protocol/protocol.hpp"

namespace sweep::protocol {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

TrialResult completed_result(uint64_t index) {
  TrialResult r;
  r.job = "j0123456789abcdef";
  r.index = index;
  r.attempt = 2;
  r.status = TrialState::kCompleted;
  r.metrics = Metrics::Zero();
  for (int i = 0; i < kMetricCount; ++i) r.metrics.values[i] = 1.5 * i - 7.25 + double(index);
  r.metrics[Metric::kSharpe] = NAN;                  // undefined -> nil
  r.metrics[Metric::kProfitFactor] = 1e300 * 1e300;  // infinite -> nil as well
  r.trades = 66;
  r.equity = {10000, 10000.5, NAN, 51422.99};
  r.started_at = 1'700'000'000'000;
  r.finished_at = 1'700'000'000'123;
  r.bars = 2148;
  r.duration_us = 65 + index;
  return r;
}

TrialResults sample_results() {
  TrialResults m;
  m.credit = 300;
  m.results.push_back(completed_result(0));
  m.results.push_back(completed_result(1'000'000'000'000));
  TrialResult failed;
  failed.job = "j0123456789abcdef";
  failed.index = 7;
  failed.status = TrialState::kFailed;
  failed.metrics = Metrics::Zero();
  failed.error_message = "boom at bar 3";
  failed.error_stack_trace = "#0 f()\n#1 g()";
  failed.started_at = -5;  // a clock before 1970 still encodes
  m.results.push_back(failed);
  TrialResult with_trades = completed_result(3);
  with_trades.trade_list =
      std::vector<TradeRecord>{{10, 3, 9, "2020-01-02", "2020-01-10", 100.5, 101, -1.5, 0.5, 0.25},
                               {-3, 12, 40, "2020-02-03", "2020-03-01", 99, 98.75, 2.25, 0.125, 0}};
  TrialResult no_trades = completed_result(4);
  no_trades.trade_list = std::vector<TradeRecord>{};  // asked for, none made: [] and not nil
  m.results.push_back(no_trades);
  m.results.push_back(with_trades);
  return m;
}

TrialsBatch sample_batch(bool with_objective) {
  TrialsBatch b;
  b.job = "jabc";
  b.dataset.hash = std::string(64, 'f');
  b.dataset.source = {{"synthetic", {{"bars", 1000}, {"seed", 7}}}};
  b.strategy = "sma_cross";
  b.cash = 10000;
  b.commission = 0.002;
  b.trial_timeout_s = 600;
  for (uint64_t i = 0; i < 5; ++i) {
    BatchTrial t;
    t.index = i * 1000;
    t.attempt = 1 + static_cast<uint32_t>(i % 2);
    // Inserted out of name order: the wire order is sorted.
    t.params.set("slow", int64_t(30 + int64_t(i)));
    t.params.set("fast", int64_t(-10));
    t.params.set("mode", std::string("long_short"));
    t.params.set("k", 0.5 * double(i));
    b.trials.push_back(std::move(t));
  }
  if (with_objective) {
    b.objective = Objective{Metric::kReturnPct, false};
    b.top_k = 10;
  } else {
    b.trades = true;
  }
  return b;
}

template <class T>
std::string bytes_of(const T& j) {
  auto v = T::to_msgpack(j);
  return {v.begin(), v.end()};
}

// The same value with every map's keys in reverse order.
ordered_json reversed(const json& j) {
  if (j.is_array()) {
    ordered_json a = ordered_json::array();
    for (const auto& e : j) a.push_back(reversed(e));
    return a;
  }
  if (!j.is_object()) return ordered_json(j);
  ordered_json o = ordered_json::object();
  for (auto it = j.rbegin(); it != j.rend(); ++it) o[it.key()] = reversed(*it);
  return o;
}

// nlohmann's own msgpack writer shrinks floats (1.0 as float 32 or an integer): not for frames
// whose floats must survive. This one reads what our encoder wrote and keeps float 64.
json json_of(const std::string& bytes) {
  return json::from_msgpack(bytes);
}

TEST(ProtocolCodec, ResultsRoundTrip) {
  const TrialResults m = sample_results();
  const std::string bytes = encode(WorkerMessage(m));
  auto back = decode_worker_message(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const auto& r = std::get<TrialResults>(*back);
  ASSERT_EQ(r.results.size(), m.results.size());
  EXPECT_EQ(r.credit, 300u);
  // NaN != NaN: compare the encodings, which hold every field, and the typed trades.
  EXPECT_EQ(encode(*back), bytes);
  for (size_t i = 0; i < m.results.size(); ++i)
    EXPECT_EQ(r.results[i].trade_list, m.results[i].trade_list) << i;
  EXPECT_TRUE(std::isnan(r.results[0].equity[2]));
  EXPECT_EQ(r.results[2].error_stack_trace, "#0 f()\n#1 g()");
  EXPECT_FALSE(r.results[0].trade_list.has_value());
  EXPECT_EQ(r.results[4].trade_list->at(1).exit_price, 98.75);
  EXPECT_TRUE(r.results[3].trade_list.has_value() && r.results[3].trade_list->empty());
}

TEST(ProtocolCodec, BatchRoundTrip) {
  for (bool objective : {true, false}) {
    const TrialsBatch b = sample_batch(objective);
    const std::string bytes = encode(BrokerMessage(b));
    auto back = decode_broker_message(bytes);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    TrialsBatch want = b;
    for (auto& t : want.trials) {  // decoded in name order
      ParamSet sorted;
      for (const char* k : {"fast", "k", "mode", "slow"}) sorted.set(k, *t.params.find(k));
      t.params = sorted;
    }
    EXPECT_EQ(std::get<TrialsBatch>(*back), want);
    EXPECT_EQ(encode(*back), bytes);
  }
}

// docs/PROTOCOL.md §1: map key order is not significant. Every map written backwards decodes to
// the same message (and so encodes to the same, sorted, bytes).
TEST(ProtocolCodec, KeyOrderDoesNotMatter) {
  const std::vector<std::string> frames = {
      encode(WorkerMessage(sample_results())), encode(BrokerMessage(sample_batch(true))),
      encode(BrokerMessage(sample_batch(false))),
      encode(FrontendRequest(TrialsRequest{"r", "j", "sharpe", SortOrder::kAsc, 5, 6}))};
  for (const auto& f : frames) {
    const std::string backwards = bytes_of(reversed(json_of(f)));
    ASSERT_NE(backwards, f);
    auto a = decode_worker_message(backwards);
    auto b = decode_broker_message(backwards);
    auto c = decode_frontend_request(backwards);
    ASSERT_TRUE(a.ok() || b.ok() || c.ok()) << a.status().ToString() << b.status().ToString();
    EXPECT_EQ(a.ok() ? encode(*a) : b.ok() ? encode(*b) : encode(*c), f);
  }
}

// Other writers' choices: unknown keys, smaller number encodings, missing optional fields.
TEST(ProtocolCodec, OtherEncodingsDecode) {
  json r = {{"job", "j1"},
            {"index", 3},
            {"attempt", 1},
            {"status", "completed"},
            {"metrics", {{"sharpe", 2}, {"sortino", nullptr}, {"not_a_metric", "x"}}},
            {"trades", 0},
            {"equity", {1, 2.5, nullptr}},
            {"started_at", 1},
            {"finished_at", 2},
            {"bars", 10},
            {"from_the_future", {1, 2, 3}}};
  json m = {{"v", 1}, {"type", "results"}, {"results", {r}}};
  auto d = decode_worker_message(bytes_of(m));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const TrialResult& got = std::get<TrialResults>(*d).results.at(0);
  EXPECT_EQ(got.metrics[Metric::kSharpe], 2.0);
  EXPECT_TRUE(std::isnan(got.metrics[Metric::kSortino]));
  EXPECT_EQ(got.equity.size(), 3u);
  EXPECT_EQ(got.duration_us, 0u);
  EXPECT_FALSE(got.trade_list.has_value());
}

void expect_error(const Status& s, Code code, const std::string& message) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_EQ(s.message(), message);
}

TEST(ProtocolCodec, ResultsErrorsNameTheirField) {
  const json results = json_of(encode(WorkerMessage(sample_results())));
  auto err = [&](auto change) {
    json j = results;
    change(j);
    return decode_worker_message(bytes_of(j)).status();
  };
  expect_error(err([](json& j) { j["results"][0].erase("job"); }), Code::kBadRequest,
               "results.results[0].job: required field missing");
  expect_error(err([](json& j) { j["results"][1]["index"] = -1; }), Code::kBadRequest,
               "results.results[1].index: expected an unsigned integer");
  expect_error(err([](json& j) { j["results"][0]["equity"] = json::array({"x"}); }),
               Code::kBadRequest, "results.results[0].equity[0]: expected a number");
  expect_error(err([](json& j) { j["results"] = json::array({1}); }), Code::kBadRequest,
               "results.results[0]: expected a map");
  expect_error(err([](json& j) { j["results"][4]["trade_list"][1]["pnl"] = "x"; }),
               Code::kBadRequest, "results.results[4].trade_list[1].pnl: expected a number");
  expect_error(err([](json& j) { j["results"][4]["trade_list"][0].erase("exit_time"); }),
               Code::kBadRequest,
               "results.results[4].trade_list[0].exit_time: required field missing");
  expect_error(err([](json& j) { j["results"][4]["trade_list"][0]["pnl"] = NAN; }),
               Code::kBadRequest, "results.results[4].trade_list[0].pnl: expected a finite number");
  expect_error(err([](json& j) { j["results"][4]["trade_list"][0]["size"] = 1.5; }),
               Code::kBadRequest, "results.results[4].trade_list[0].size: expected an integer");
  expect_error(err([](json& j) { j["results"][4]["trade_list"] = "many"; }), Code::kBadRequest,
               "results.results[4].trade_list: expected an array");
  EXPECT_EQ(err([](json& j) { j["v"] = 2; }).code(), Code::kUnsupportedVersion);
  EXPECT_EQ(decode_worker_message("\x81\xa1v").status().code(), Code::kBadRequest);
}

TEST(ProtocolCodec, BatchErrorsNameTheirField) {
  const json batch = json_of(encode(BrokerMessage(sample_batch(true))));
  auto err = [&](auto change) {
    json j = batch;
    change(j);
    return decode_broker_message(bytes_of(j)).status();
  };
  expect_error(err([](json& j) { j["objective"]["goal"] = "sideways"; }), Code::kBadRequest,
               "batch.objective.goal: expected 'maximize' or 'minimize'");
  expect_error(err([](json& j) { j["trials"][0]["params"]["fast"] = json::array(); }),
               Code::kBadRequest,
               "batch.trials[0].params.fast: expected an integer, a float or a string");
  expect_error(err([](json& j) { j["dataset"].erase("source"); }), Code::kBadRequest,
               "batch.dataset.source: required field missing");
  expect_error(err([](json& j) { j["strategy"] = std::string(1000, 's'); }), Code::kTooLarge,
               "batch.strategy: longer than 256 bytes");
  expect_error(err([](json& j) {
                 j["trials"] = json::array({1, 2});
               }),
               Code::kBadRequest, "batch.trials[0]: expected a map");
}

// Found by fuzz_protocol_event: a NaN or infinite float where a number is required used to be
// accepted and then re-encoded as nil, which no longer decoded. Now it is refused.
TEST(ProtocolCodec, NonFiniteFloatsAreRefused) {
  json progress = {{"v", 1},      {"type", "progress"}, {"job", "j1"},     {"status", "running"},
                   {"total", 1},  {"completed", 0},     {"failed", 0},     {"running", 0},
                   {"queued", 1}, {"progress", 0.0},    {"elapsed_s", NAN}};
  auto e = decode_event(bytes_of(progress));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "progress.elapsed_s: expected a finite number");

  auto batch = json_of(encode(BrokerMessage(sample_batch(false))));
  batch["cash"] = INFINITY;
  auto b = decode_broker_message(bytes_of(batch));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "batch.cash: expected a finite number");

  // Found by fuzz_protocol_broker_message (tests/fuzz/findings/): a NaN parameter value.
  batch = json_of(encode(BrokerMessage(sample_batch(false))));
  batch["trials"][0]["params"]["ratio"] = NAN;
  b = decode_broker_message(bytes_of(batch));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "batch.trials[0].params.ratio: expected a finite number");
}

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

// What the hand-written structure check refused, msgpack-c under unpack_limit refuses too.
TEST(ProtocolCodec, MalformedFramesAreRefused) {
  struct Bad {
    std::string frame, why;
  };
  const std::vector<Bad> bad = {
      {"", "not a valid msgpack value"},
      {bytes({0xc1}), "not a valid msgpack value"},
      {bytes({0xa3, 'a'}), "not a valid msgpack value"},   // string cut short
      {bytes({0x92, 0x01}), "not a valid msgpack value"},  // array cut short
      {bytes({0x01, 0x02}), "bytes after its msgpack value"},
      {bytes({0x81, 0x01, 0x02}), "map keys must be strings"},
      {bytes({0x81, 0xc4, 1, 'k', 0x02}), "map keys must be strings"},       // bin key
      {bytes({0xdd, 0xff, 0xff, 0xff, 0xff}), "not a valid msgpack value"},  // 4G elements
      {bytes({0xdf, 0x7f, 0xff, 0xff, 0xff}), "not a valid msgpack value"},  // 2G pairs
  };
  for (const auto& b : bad) {
    auto r = decode_frontend_request(b.frame);
    ASSERT_FALSE(r.ok()) << ::testing::PrintToString(b.frame);
    EXPECT_EQ(r.status().code(), Code::kBadRequest);
    EXPECT_NE(r.status().message().find(b.why), std::string::npos) << r.status().ToString();
  }
  // 32 levels of maps and arrays are fine, 33 are not.
  auto nested = [](int depth) {
    json v = 1;
    for (int i = 1; i < depth; ++i) v = json::array({v});
    return bytes_of(json{{"v", 1}, {"type", "health"}, {"req", "r"}, {"x", v}});
  };
  EXPECT_TRUE(decode_frontend_request(nested(31)).ok());
  expect_error(decode_frontend_request(nested(33)).status(), Code::kBadRequest,
               "frame nests maps and arrays deeper than 32");
}

TEST(ProtocolCodec, AMegabyteStringIsReadWhole) {
  const Dataset d{"h", std::string(1'000'000, 'x')};
  auto back = decode_broker_message(encode(BrokerMessage(d)));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::get<Dataset>(*back), d);
}

// JSON content travels as msgpack directly: positive integers unsigned, negative signed, floats
// float 64; bin and ext are no JSON.
TEST(ProtocolCodec, JsonContentKeepsItsNumbers) {
  SubmitRequest s{"r", JobKind::kBacktest,
                  json{{"a", 1}, {"b", -2}, {"c", 2.0}, {"d", {true, nullptr, "x"}}}, ""};
  const std::string bytes = encode(FrontendRequest(s));
  EXPECT_NE(bytes.find(std::string("\xa1\x63\xcb\x40\x00", 5)), std::string::npos);  // "c": 2.0
  auto back = decode_frontend_request(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const json& spec = std::get<SubmitRequest>(*back).spec;
  EXPECT_TRUE(spec["a"].is_number_unsigned());
  EXPECT_TRUE(spec["b"].is_number_integer() && !spec["b"].is_number_unsigned());
  EXPECT_TRUE(spec["c"].is_number_float());
  EXPECT_EQ(std::get<SubmitRequest>(*back), s);
  json with_bin = json_of(bytes);
  with_bin["spec"]["e"] = json::binary({1, 2});
  expect_error(decode_frontend_request(bytes_of(with_bin)).status(), Code::kBadRequest,
               "submit_backtest.spec.e: expected JSON content (a map, array, string, number, "
               "bool or nil)");
}

}  // namespace
}  // namespace sweep::protocol
