// The client library against a fake broker (a ROUTER on an ephemeral loopback port answered from
// a thread, plus a PUB for events), and the CLI's flag -> job spec translation.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "job_args.hpp"
#include "sweep/client.hpp"
#include "sweep/client_json.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep {
namespace {

namespace pr = protocol;
using client::Client;
using client::ClientOptions;
using std::chrono::milliseconds;

struct Received {
  pr::FrontendRequest request;
  std::string identity;
};

// Answers each request with handler(request, n) (n counts requests from 0); nullopt drops it.
// A health reply without an events endpoint gets the fake's own.
class FakeBroker {
 public:
  using Handler = std::function<std::optional<pr::FrontendReply>(const pr::FrontendRequest&, int)>;

  explicit FakeBroker(Handler handler)
      : handler_(std::move(handler)),
        router_(context_, zmq::socket_type::router),
        pub_(context_, zmq::socket_type::pub) {
    router_.set(zmq::sockopt::linger, 0);
    pub_.set(zmq::sockopt::linger, 0);
    router_.bind("tcp://127.0.0.1:*");
    pub_.bind("tcp://127.0.0.1:*");
    endpoint_ = router_.get(zmq::sockopt::last_endpoint);
    events_ = pub_.get(zmq::sockopt::last_endpoint);
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeBroker() {
    stop_ = true;
    thread_.join();
  }

  const std::string& endpoint() const { return endpoint_; }
  const std::string& events() const { return events_; }
  std::vector<Received> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  // Called on the broker thread every loop turn (about every 10 ms): publish from here.
  void set_ticker(std::function<void(zmq::socket_t&)> t) {
    std::lock_guard lock(mu_);
    ticker_ = std::move(t);
  }

 private:
  void loop() {
    while (!stop_) {
      {
        std::lock_guard lock(mu_);
        if (ticker_) ticker_(pub_);
      }
      zmq::pollitem_t item{router_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, milliseconds(10)) <= 0) continue;
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(router_, std::back_inserter(frames))) continue;
      if (frames.size() != 2) continue;
      Result<pr::FrontendRequest> req = pr::decode_frontend_request(frames[1].to_string_view());
      if (!req.ok()) continue;
      int n = 0;
      {
        std::lock_guard lock(mu_);
        n = static_cast<int>(received_.size());
        received_.push_back({*req, frames[0].to_string()});
      }
      std::optional<pr::FrontendReply> reply = handler_(*req, n);
      if (!reply) continue;
      if (auto* h = std::get_if<pr::HealthReply>(&*reply); h && h->endpoints.events.empty())
        h->endpoints.events = events_;
      (void)router_.send(frames[0], zmq::send_flags::sndmore);
      (void)router_.send(zmq::buffer(pr::encode(*reply)), zmq::send_flags::none);
    }
  }

  Handler handler_;
  zmq::context_t context_;
  zmq::socket_t router_, pub_;
  std::string endpoint_, events_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Received> received_;
  std::function<void(zmq::socket_t&)> ticker_;
  std::thread thread_;
};

std::string req_of(const pr::FrontendRequest& r) {
  return std::visit([](const auto& x) { return x.req; }, r);
}

pr::StatusReply running_status(const std::string& req, const std::string& id,
                               JobState st = JobState::kRunning) {
  pr::StatusReply s;
  s.req = req;
  s.id = id;
  s.kind = JobKind::kOptimization;
  s.status = st;
  s.total = 10;
  s.completed = 4;
  s.failed = 1;
  s.progress = 0.5;
  s.running = 2;
  s.queued = 3;
  s.elapsed_s = 1.5;
  s.eta_s = 2.0;
  return s;
}

ClientOptions fast_options(int retries = 2) {
  ClientOptions o;
  o.timeout = milliseconds(2000);
  o.retries = retries;
  o.backoff = milliseconds(1);
  return o;
}

TEST(Client, SubmitSendsSpecKindAndAGeneratedIdempotencyKey) {
  FakeBroker broker([](const pr::FrontendRequest& r, int) -> std::optional<pr::FrontendReply> {
    const auto& s = std::get<pr::SubmitRequest>(r);
    return pr::AcceptedReply{s.req, "job-7", 42, JobState::kQueued};
  });
  Client c(broker.endpoint(), fast_options());
  const nlohmann::json spec = {{"strategy", "sma_cross"}, {"cash", 5000}};
  Result<pr::AcceptedReply> a = c.submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->id, "job-7");
  EXPECT_EQ(a->total, 42u);
  EXPECT_EQ(a->status, JobState::kQueued);
  EXPECT_EQ(client::json_of(*a),
            (nlohmann::json{{"id", "job-7"}, {"total", 42}, {"status", "queued"}}));

  ASSERT_TRUE(c.submit(JobKind::kBacktest, spec, "my-key").ok());
  const auto got = broker.received();
  ASSERT_EQ(got.size(), 2u);
  const auto& first = std::get<pr::SubmitRequest>(got[0].request);
  const auto& second = std::get<pr::SubmitRequest>(got[1].request);
  EXPECT_EQ(first.kind, JobKind::kOptimization);
  EXPECT_EQ(first.spec, spec);
  EXPECT_EQ(first.idempotency_key.size(), 32u);
  EXPECT_FALSE(first.req.empty());
  EXPECT_EQ(second.kind, JobKind::kBacktest);
  EXPECT_EQ(second.idempotency_key, "my-key");
  EXPECT_NE(first.req, second.req);
}

TEST(Client, StatusCancelAndGetDecodeTheirReplies) {
  FakeBroker broker([](const pr::FrontendRequest& r, int) -> std::optional<pr::FrontendReply> {
    if (const auto* s = std::get_if<pr::StatusRequest>(&r)) {
      pr::StatusReply reply = running_status(s->req, s->id);
      pr::TrialRecord best;
      best.index = 3;
      best.status = TrialState::kCompleted;
      best.params.set("fast", int64_t{10});
      best.metrics = Metrics::Zero();
      reply.best = best;
      return reply;
    }
    if (const auto* s = std::get_if<pr::CancelRequest>(&r))
      return running_status(s->req, s->id, JobState::kCancelling);
    if (const auto* s = std::get_if<pr::GetRequest>(&r)) {
      pr::JobReply j;
      j.req = s->req;
      j.job.id = s->id;
      j.job.kind = JobKind::kBacktest;
      j.job.status = JobState::kCompleted;
      j.job.spec = {{"strategy", "sma_cross"}};
      j.job.created_at = 1000;
      j.job.result = {{"metrics", {{"trades", 3.0}}}};
      return j;
    }
    return std::nullopt;
  });
  Client c(broker.endpoint(), fast_options());
  Result<pr::StatusReply> s = c.status("job-1");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->id, "job-1");
  EXPECT_EQ(s->status, JobState::kRunning);
  EXPECT_EQ(s->completed, 4u);
  EXPECT_EQ(s->eta_s, 2.0);
  ASSERT_TRUE(s->best.has_value());
  EXPECT_EQ(s->best->index, 3u);
  EXPECT_EQ(client::json_of(*s)["best"]["params"]["fast"], 10);

  Result<pr::StatusReply> x = c.cancel("job-2");
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->status, JobState::kCancelling);
  Result<pr::JobRecord> g = c.get("job-3");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->id, "job-3");
  EXPECT_EQ(g->created_at, 1000);
  EXPECT_EQ(g->result["metrics"]["trades"], 3.0);

  const auto got = broker.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(std::get<pr::StatusRequest>(got[0].request).id, "job-1");
  EXPECT_EQ(std::get<pr::CancelRequest>(got[1].request).id, "job-2");
  EXPECT_EQ(std::get<pr::GetRequest>(got[2].request).id, "job-3");
}

TEST(Client, TrialsListAndHealthSendTheirQueries) {
  FakeBroker broker([](const pr::FrontendRequest& r, int) -> std::optional<pr::FrontendReply> {
    if (const auto* t = std::get_if<pr::TrialsRequest>(&r)) {
      pr::TrialsPage p;
      p.req = t->req;
      p.id = t->id;
      p.total = 7;
      p.offset = t->offset;
      p.trials.resize(2);
      return p;
    }
    if (const auto* l = std::get_if<pr::ListRequest>(&r)) {
      pr::JobsPage p;
      p.req = l->req;
      p.total = 1;
      p.jobs.push_back({"job-1", JobKind::kBacktest, JobState::kQueued, 5, 0, 0, 1, std::nullopt});
      return p;
    }
    if (const auto* h = std::get_if<pr::HealthRequest>(&r)) {
      pr::HealthReply reply;
      reply.req = h->req;
      reply.version = "0.1.0";
      reply.endpoints = {"tcp://a:1", "tcp://a:2", "tcp://a:3", "tcp://a:4"};
      reply.workers.push_back({"w1", 123, "host", 4, 1});
      reply.queue = 9;
      return reply;
    }
    return std::nullopt;
  });
  Client c(broker.endpoint(), fast_options());
  client::TrialsQuery q;
  q.sort = "sharpe";
  q.limit = 5;
  q.offset = 10;
  Result<pr::TrialsPage> t = c.trials("job-9", q);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->total, 7u);
  EXPECT_EQ(t->trials.size(), 2u);
  ASSERT_TRUE(c.trials("job-9").ok());

  client::ListQuery lq;
  lq.kind = JobKind::kOptimization;
  lq.status = JobState::kRunning;
  Result<pr::JobsPage> l = c.list(lq);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->jobs.size(), 1u);
  EXPECT_EQ(l->jobs[0].id, "job-1");

  Result<pr::HealthReply> h = c.health();
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->endpoints.events, "tcp://a:3");
  ASSERT_EQ(h->workers.size(), 1u);
  EXPECT_EQ(h->workers[0].pid, 123);
  EXPECT_EQ(client::json_of(*h)["workers"][0]["slots"], 4);

  const auto got = broker.received();
  ASSERT_EQ(got.size(), 4u);
  const auto& tr = std::get<pr::TrialsRequest>(got[0].request);
  EXPECT_EQ(tr.sort, "sharpe");
  EXPECT_EQ(tr.order, pr::SortOrder::kDesc);  // a metric sorts best first by default
  EXPECT_EQ(tr.limit, 5u);
  EXPECT_EQ(tr.offset, 10u);
  const auto& tr2 = std::get<pr::TrialsRequest>(got[1].request);
  EXPECT_EQ(tr2.sort, "index");
  EXPECT_EQ(tr2.order, pr::SortOrder::kAsc);
  const auto& lr = std::get<pr::ListRequest>(got[2].request);
  EXPECT_EQ(lr.kind, JobKind::kOptimization);
  EXPECT_EQ(lr.status, JobState::kRunning);
  EXPECT_TRUE(std::holds_alternative<pr::HealthRequest>(got[3].request));
}

TEST(Client, ErrorRepliesBecomeStatusesWithTheirCodeAndField) {
  FakeBroker broker([](const pr::FrontendRequest& r, int n) -> std::optional<pr::FrontendReply> {
    if (n == 0) return pr::ErrorReply{req_of(r), Code::kNotFound, "no job 'job-1'", ""};
    if (n == 1)
      return pr::ErrorReply{req_of(r), Code::kBadRequest, "spec.space.slow[2]: duplicate value 30",
                            "spec.space.slow[2]"};
    return pr::ErrorReply{req_of(r), Code::kConflict, "job 'job-1' is already completed", ""};
  });
  Client c(broker.endpoint(), fast_options());
  Result<pr::StatusReply> s = c.status("job-1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kNotFound);
  EXPECT_EQ(s.status().message(), "no job 'job-1'");
  EXPECT_EQ(c.last_error_field(), "");

  Result<pr::AcceptedReply> a = c.submit(JobKind::kOptimization, nlohmann::json::object());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kBadRequest);
  EXPECT_EQ(c.last_error_field(), "spec.space.slow[2]");

  Result<pr::StatusReply> x = c.cancel("job-1");
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), Code::kConflict);
  EXPECT_EQ(broker.received().size(), 3u);  // errors are answers: never retried
}

TEST(Client, AReplyOfTheWrongTypeIsAnInternalError) {
  FakeBroker broker([](const pr::FrontendRequest& r, int) -> std::optional<pr::FrontendReply> {
    return pr::AcceptedReply{req_of(r), "job-1", 1, JobState::kQueued};
  });
  Client c(broker.endpoint(), fast_options());
  Result<pr::HealthReply> h = c.health();
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Code::kInternal);
  EXPECT_NE(h.status().message().find("accepted"), std::string::npos);
}

TEST(Client, NoReplyIsUnavailableNamingTheEndpointAfterEveryRetry) {
  FakeBroker broker([](const pr::FrontendRequest&, int) { return std::nullopt; });
  ClientOptions o = fast_options(/*retries=*/2);
  o.timeout = milliseconds(100);
  Client c(broker.endpoint(), o);
  Result<pr::StatusReply> s = c.status("job-1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kUnavailable);
  EXPECT_NE(s.status().message().find(broker.endpoint()), std::string::npos)
      << s.status().message();
  // The requests are all in before the client gives up (each attempt waits for its reply).
  const auto got = broker.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(req_of(got[0].request), req_of(got[1].request));
  EXPECT_EQ(req_of(got[1].request), req_of(got[2].request));
}

TEST(Client, ARetriedSubmitReusesReqAndIdempotencyKeyOnAFreshSocket) {
  FakeBroker broker([](const pr::FrontendRequest& r, int n) -> std::optional<pr::FrontendReply> {
    if (n == 0) return std::nullopt;  // the first attempt's reply is lost
    return pr::AcceptedReply{req_of(r), "job-1", 3, JobState::kQueued};
  });
  ClientOptions o = fast_options(/*retries=*/1);
  o.timeout = milliseconds(200);
  Client c(broker.endpoint(), o);
  Result<pr::AcceptedReply> a = c.submit(JobKind::kBacktest, {{"strategy", "sma_cross"}});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->id, "job-1");
  const auto got = broker.received();
  ASSERT_EQ(got.size(), 2u);
  const auto& first = std::get<pr::SubmitRequest>(got[0].request);
  const auto& second = std::get<pr::SubmitRequest>(got[1].request);
  EXPECT_EQ(first.req, second.req);
  EXPECT_EQ(first.idempotency_key, second.idempotency_key);
  EXPECT_FALSE(first.idempotency_key.empty());
  EXPECT_NE(got[0].identity, got[1].identity);  // a new socket, a new peer
}

TEST(Client, ARequestOverTheFrameLimitIsTooLargeWithoutBeingSent) {
  FakeBroker broker([](const pr::FrontendRequest& r, int) -> std::optional<pr::FrontendReply> {
    return pr::AcceptedReply{req_of(r), "job-1", 3, JobState::kQueued};
  });
  Client c(broker.endpoint(), fast_options());
  // A broker would close the connection of such a frame without a reply (docs/LIMITS.md).
  const std::string huge(kMaxRequestBytes, 'x');
  Result<pr::AcceptedReply> a = c.submit(JobKind::kBacktest, {{"strategy", huge}});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kTooLarge);
  EXPECT_NE(a.status().message().find("frame limit"), std::string::npos) << a.status().message();
  EXPECT_TRUE(broker.received().empty());
}

TEST(Client, AnInvalidEndpointIsBadInput) {
  Client c("not-an-endpoint", fast_options());
  Result<pr::HealthReply> h = c.health();
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Code::kBadRequest);
  EXPECT_NE(h.status().message().find("not-an-endpoint"), std::string::npos);
}

TEST(Client, WaitPollsUntilTheJobIsTerminal) {
  FakeBroker broker([](const pr::FrontendRequest& r, int n) -> std::optional<pr::FrontendReply> {
    const auto& s = std::get<pr::StatusRequest>(r);
    return running_status(s.req, s.id, n < 2 ? JobState::kRunning : JobState::kCompleted);
  });
  Client c(broker.endpoint(), fast_options());
  int calls = 0;
  client::WaitOptions w;
  w.poll_interval = milliseconds(1);
  w.deadline = client::Clock::now() + std::chrono::seconds(10);
  w.on_progress = [&](const pr::StatusReply&) { ++calls; };
  Result<pr::StatusReply> s = c.wait("job-1", w);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->status, JobState::kCompleted);
  EXPECT_EQ(calls, 3);
}

TEST(Client, SubscribeDeliversThisJobsEventsUntilItIsTerminal) {
  std::atomic<bool> finish{false};
  FakeBroker broker([&](const pr::FrontendRequest& r, int) -> std::optional<pr::FrontendReply> {
    if (const auto* h = std::get_if<pr::HealthRequest>(&r)) {
      pr::HealthReply reply;
      reply.req = h->req;  // the fake fills in its events endpoint
      return reply;
    }
    const auto& s = std::get<pr::StatusRequest>(r);
    return running_status(s.req, s.id, finish ? JobState::kCompleted : JobState::kRunning);
  });
  broker.set_ticker([](zmq::socket_t& pub) {
    for (const char* job : {"job-1x", "job-1"}) {
      pr::ProgressEvent e;
      e.job = job;
      e.total = 10;
      e.completed = 5;
      (void)pub.send(zmq::buffer(job_topic(job)), zmq::send_flags::sndmore);
      (void)pub.send(zmq::buffer(pr::encode(pr::Event{e})), zmq::send_flags::none);
    }
  });
  Client c(broker.endpoint(), fast_options());
  std::vector<std::string> jobs;
  int statuses = 0;
  client::SubscribeOptions o;
  o.poll_interval = milliseconds(20);
  o.deadline = client::Clock::now() + std::chrono::seconds(10);
  o.on_status = [&](const pr::StatusReply&) { ++statuses; };
  Result<pr::StatusReply> s = c.subscribe(
      "job-1",
      [&](const pr::Event& e) {
        jobs.push_back(std::get<pr::ProgressEvent>(e).job);
        finish = true;
      },
      o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->status, JobState::kCompleted);
  ASSERT_FALSE(jobs.empty());
  for (const std::string& j : jobs) EXPECT_EQ(j, "job-1");
  EXPECT_GE(statuses, 2);
}

TEST(Client, SubscribeStopsWhenInterrupted) {
  FakeBroker broker([](const pr::FrontendRequest& r, int) -> std::optional<pr::FrontendReply> {
    if (const auto* h = std::get_if<pr::HealthRequest>(&r)) {
      pr::HealthReply reply;
      reply.req = h->req;
      reply.endpoints.events = "tcp://127.0.0.1:1";
      return reply;
    }
    const auto& s = std::get<pr::StatusRequest>(r);
    return running_status(s.req, s.id);
  });
  Client c(broker.endpoint(), fast_options());
  client::SubscribeOptions o;
  o.deadline = client::Clock::now() + std::chrono::seconds(10);
  o.interrupted = [] { return true; };
  Result<pr::StatusReply> s = c.subscribe("job-1", nullptr, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kCancelled);
}

// ---------------------------------------------------------------------------------------------
// Flags -> job spec.

TEST(JobArgs, BacktestSpecHasFixedParamsOnly) {
  cli::JobArgs a;
  a.data = "synthetic:500:7";
  a.strategy = "sma_cross";
  a.params = {"fast=10", "slow=30", "mode=long_short"};
  a.cash = 5000;
  a.commission = 0.002;
  Result<nlohmann::json> spec = cli::spec_from_args(a, JobKind::kBacktest);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(*spec, nlohmann::json::parse(R"({
      "dataset": {"synthetic": {"bars": 500, "seed": 7}}, "strategy": "sma_cross",
      "params": {"fast": 10, "slow": 30, "mode": "long_short"},
      "cash": 5000.0, "commission": 0.002})"));
  EXPECT_TRUE(parse_job_spec(*spec, JobKind::kBacktest).ok());
}

TEST(JobArgs, BacktestRejectsRangesAndBadSyntax) {
  cli::JobArgs a;
  a.data = "GOOG.csv";
  a.strategy = "sma_cross";
  a.params = {"fast=5:25:5"};
  Result<nlohmann::json> spec = cli::spec_from_args(a, JobKind::kBacktest);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), Code::kBadRequest);
  EXPECT_NE(spec.status().message().find("fast=5:25:5"), std::string::npos);
  a.params = {"=3"};
  EXPECT_EQ(cli::spec_from_args(a, JobKind::kBacktest).status().code(), Code::kBadRequest);
}

TEST(JobArgs, OptimizationSpecHasSpaceObjectiveAndMethod) {
  cli::JobArgs a;
  a.data = "GOOG.csv";
  a.strategy = "sma_cross";
  a.params = {"fast=5:25:5", "slow=20,30,40", "mode=long_only"};
  a.constraint = "fast < slow";
  a.objective = "return_pct";
  a.minimize = true;
  a.random_n = 4;
  a.seed = 9;
  a.top_k = 3;
  Result<nlohmann::json> spec = cli::spec_from_args(a, JobKind::kOptimization);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(*spec, nlohmann::json::parse(R"({
      "dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
      "params": {"mode": "long_only"},
      "space": {"fast": {"start": 5, "stop": 25, "step": 5}, "slow": [20, 30, 40]},
      "constraint": "fast < slow", "method": {"random": {"n": 4, "seed": 9}},
      "objective": {"metric": "return_pct", "goal": "minimize"},
      "top_k": 3, "cash": 10000.0, "commission": 0.0})"));
  Result<JobSpec> parsed = parse_job_spec(*spec, JobKind::kOptimization);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->constraint, "fast < slow");
}

TEST(JobArgs, OptimizationDefaultsToGridAndSharpe) {
  cli::JobArgs a;
  a.data = "synthetic:100:1";
  a.strategy = "sma_cross";
  a.params = {"fast=0.5,1.5"};
  Result<nlohmann::json> spec = cli::spec_from_args(a, JobKind::kOptimization);
  ASSERT_TRUE(spec.ok());
  EXPECT_FALSE(spec->contains("method"));
  EXPECT_FALSE(spec->contains("constraint"));
  EXPECT_EQ((*spec)["objective"], (nlohmann::json{{"metric", "sharpe"}, {"goal", "maximize"}}));
  EXPECT_EQ((*spec)["space"]["fast"], nlohmann::json::parse("[0.5, 1.5]"));
}

}  // namespace
}  // namespace sweep

namespace sweep {
namespace {

// --walk-forward N:M [--anchored] and --holdout M, for `sweep optimize` and
// `sweep submit optimize` alike (both translate their flags here).
TEST(JobArgs, WalkForwardAndHoldoutFlags) {
  cli::JobArgs a;
  a.data = "GOOG.csv";
  a.strategy = "sma_cross";
  a.params = {"fast=5:25:5", "slow=20,30,40"};
  EXPECT_FALSE(cli::spec_from_args(a, JobKind::kOptimization)->contains("walk_forward"));
  EXPECT_FALSE(cli::spec_from_args(a, JobKind::kOptimization)->contains("holdout_bars"));
  a.walk_forward = "500:250";
  a.anchored = true;
  Result<nlohmann::json> spec = cli::spec_from_args(a, JobKind::kOptimization);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ((*spec)["walk_forward"],
            nlohmann::json::parse(R"({"train_bars": 500, "test_bars": 250, "anchored": true})"));
  EXPECT_EQ(parse_job_spec(*spec, JobKind::kOptimization)->walk_forward,
            (WalkForward{500, 250, true}));
  for (const char* bad : {"500", "500:", "a:250", "500:2.5"}) {
    a.walk_forward = bad;
    EXPECT_EQ(cli::spec_from_args(a, JobKind::kOptimization).status().message(),
              "--walk-forward '" + std::string(bad) + "': expected TRAIN:TEST (two bar counts)");
  }
  a.walk_forward.clear();
  EXPECT_EQ(cli::spec_from_args(a, JobKind::kOptimization).status().message(),
            "--anchored: only with --walk-forward");
  a.anchored = false;
  a.holdout = 300;
  EXPECT_EQ((*cli::spec_from_args(a, JobKind::kOptimization))["holdout_bars"], 300);
}

}  // namespace
}  // namespace sweep
