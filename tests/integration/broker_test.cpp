// The broker core in-process on ephemeral loopback ports, spoken to with raw DEALER sockets: a
// client on the frontend and fake workers on the backend. Waits are conditions with deadlines.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include <zmq.hpp>

#include "broker.hpp"
#include "broker_fixture.hpp"
#include "fake_peers.hpp"
#include "in_process_broker.hpp"
#include "sanitizers.hpp"
#include "sweep/protocol/protocol.hpp"
#include "sweep/store/store.hpp"
#include "wait.hpp"

namespace sweep::broker {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 10s;

using sweep::testing::wait_until;

using testing::InProcessBroker;
using testing::with_heartbeat;

using testing::Client;
using testing::FakeWorker;
using testing::recv_within;

using BrokerTest = testing::BrokerFixture;

TEST_F(BrokerTest, SubmitBacktestIsAcceptedAndStored) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  protocol::SubmitRequest r;
  r.req = "r1";
  r.kind = JobKind::kBacktest;
  r.spec = {{"dataset", {{"path", "GOOG.csv"}}},
            {"strategy", "sma_cross"},
            {"params", {{"fast", 10}, {"slow", 30}}}};
  auto rep = client.call(r);
  ASSERT_TRUE(std::holds_alternative<protocol::AcceptedReply>(rep));
  const auto& acc = std::get<protocol::AcceptedReply>(rep);
  EXPECT_EQ(acc.req, "r1");
  EXPECT_GT(acc.total, 100u);
  EXPECT_EQ(acc.status, JobState::kQueued);
  auto stored = Store::open(db_);
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->get_job(acc.id).ok());
  auto st = client.status(acc.id);
  EXPECT_EQ(st.status, JobState::kQueued);
  EXPECT_EQ(st.total, acc.total);
}

TEST_F(BrokerTest, BadSubmissionsNameTheField) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization();
  r.spec["dataset"] = {{"path", "../etc/passwd"}};
  auto rep = client.call(r);
  ASSERT_TRUE(std::holds_alternative<protocol::ErrorReply>(rep));
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).code, Code::kBadRequest);
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).field, "spec.dataset.path");
  // Found on the dataset thread: still this submit's reply.
  r.spec["dataset"] = {{"path", "no_such_file.csv"}};
  rep = client.call(r);
  ASSERT_TRUE(std::holds_alternative<protocol::ErrorReply>(rep));
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).code, Code::kNotFound);
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).field, "spec.dataset.path");
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).req, "sub");
  r = optimization();
  r.spec["strategy"] = "nope";
  rep = client.call(r);
  ASSERT_TRUE(std::holds_alternative<protocol::ErrorReply>(rep));
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).code, Code::kNotFound);
}

// A walk-forward's trials count its windows (accepted with every train trial and every
// out-of-sample run in `total`); what the cluster cannot run per window, and a window that
// cannot fit the dataset, are the submit's error, named.
TEST_F(BrokerTest, WalkForwardAndHoldoutSubmitsAreCountedOrRefusedByName) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization();  // 4 trials over 500 bars
  r.spec["walk_forward"] = {{"train_bars", 200}, {"test_bars", 100}};
  auto rep = client.call(r);
  ASSERT_TRUE(std::holds_alternative<protocol::AcceptedReply>(rep));
  EXPECT_EQ(std::get<protocol::AcceptedReply>(rep).total, 3 * 4u + 3u);  // tests at 200, 300, 400
  r = optimization();
  r.spec["holdout_bars"] = 100;
  r.spec["top_k"] = 10;
  rep = client.call(r);
  ASSERT_TRUE(std::holds_alternative<protocol::AcceptedReply>(rep));
  EXPECT_EQ(std::get<protocol::AcceptedReply>(rep).total, 4u + 4u) << "the top_k: at most 4";

  auto refused = [&](const protocol::SubmitRequest& req, const std::string& field) {
    auto rep = client.call(req);
    EXPECT_TRUE(std::holds_alternative<protocol::ErrorReply>(rep));
    if (!std::holds_alternative<protocol::ErrorReply>(rep)) return std::string();
    const auto& e = std::get<protocol::ErrorReply>(rep);
    EXPECT_EQ(e.code, Code::kBadRequest) << e.message;
    EXPECT_EQ(e.field, field) << e.message;
    return e.message;
  };
  r = optimization();
  r.spec["walk_forward"] = {{"train_bars", 200}, {"test_bars", 100}};
  r.spec["method"] = {{"tpe", {{"n", 3}, {"seed", 1}}}};
  rep = client.call(r);
  ASSERT_TRUE(std::holds_alternative<protocol::AcceptedReply>(rep));
  EXPECT_EQ(std::get<protocol::AcceptedReply>(rep).total, 3 * 3u + 3u) << "a search of 3 a window";
  r.spec.erase("method");
  r.spec["stop"] = {{"value", 1}};
  EXPECT_EQ(
      refused(r, "spec.walk_forward").rfind("spec.walk_forward: not with a stop on target", 0), 0u);
  r.spec.erase("stop");
  r.spec["walk_forward"]["train_bars"] = 500;
  EXPECT_EQ(refused(r, "spec.walk_forward"), "spec.walk_forward: no window fits in 500 bars");
  r = optimization();
  r.spec["holdout_bars"] = 500;
  EXPECT_EQ(refused(r, "spec.holdout_bars"), "spec.holdout_bars: no window fits in 500 bars");
  // A malformed key is still the parser's error.
  r = optimization();
  r.spec["holdout_bars"] = 0;
  rep = client.call(r);
  ASSERT_TRUE(std::holds_alternative<protocol::ErrorReply>(rep));
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).message,
            "spec.holdout_bars: must be an integer in 1..5000000");
}

TEST_F(BrokerTest, IdempotencyKeyReturnsTheSameJob) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization();
  r.idempotency_key = "k1";
  const std::string a = accepted_id(client.call(r));
  const std::string b = accepted_id(client.call(r));
  EXPECT_EQ(a, b);
  r = optimization(3);
  r.idempotency_key = "k1";
  auto rep = client.call(r);
  ASSERT_TRUE(std::holds_alternative<protocol::ErrorReply>(rep));
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).code, Code::kConflict);
}

// Generating, hashing and storing 300k bars takes the dataset thread ~0.2 s (seconds under TSan);
// a health request sent after the submit is answered before it, and the worker keeps its
// heartbeats. On the loop, as before, the submit's reply came first.
TEST_F(BrokerTest, ASubmitsDatasetIsPreparedOffTheLoop) {
  InProcessBroker broker(db_, with_heartbeat(5000));  // the fake worker sends no heartbeats
  FakeWorker worker(broker.ctx(), broker.endpoints().backend);
  worker.send(protocol::Credit{2});
  Client submitter(broker.ctx(), broker.endpoints().frontend);
  Client other(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization();
  r.spec["dataset"] = {{"synthetic", {{"bars", 300'000}, {"seed", 11}}}};
  submitter.send(r);
  auto health = other.call(protocol::HealthRequest{"h"});
  ASSERT_TRUE(std::holds_alternative<protocol::HealthReply>(health));
  EXPECT_FALSE(submitter.has_reply()) << "the submit was answered before a later health request";
  EXPECT_EQ(std::get<protocol::HealthReply>(health).workers.size(), 1u);
  const std::string id = accepted_id(submitter.recv(kDeadline * sweep::testing::kSlowdown));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(other.status(id).total, 4u);
  // The job runs: the worker is sent its trials with the stored dataset's hash.
  auto batch = worker.batch(kDeadline * sweep::testing::kSlowdown);
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->job, id);
  EXPECT_EQ(batch->dataset.hash.size(), 64u);
}

// A retry of a submit whose dataset is still being prepared waits for the same job; the same key
// with another spec is refused at once.
TEST_F(BrokerTest, ARetryWhileTheDatasetIsPreparedGetsTheSameJob) {
  InProcessBroker broker(db_);
  Client first(broker.ctx(), broker.endpoints().frontend);
  Client retry(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization();
  r.spec["dataset"] = {{"synthetic", {{"bars", 300'000}, {"seed", 12}}}};
  r.idempotency_key = "slow-1";
  first.send(r);
  r.req = "again";
  retry.send(r);
  auto other = optimization(3);
  other.spec["dataset"] = r.spec["dataset"];
  other.idempotency_key = "slow-1";
  // Answered at once, before the retry's own (pending) reply.
  auto conflict = retry.call(other);
  ASSERT_TRUE(std::holds_alternative<protocol::ErrorReply>(conflict));
  EXPECT_EQ(std::get<protocol::ErrorReply>(conflict).code, Code::kConflict);
  EXPECT_EQ(std::get<protocol::ErrorReply>(conflict).field, "submit_optimization.idempotency_key");
  EXPECT_EQ(std::get<protocol::ErrorReply>(conflict).message,
            "submit_optimization.idempotency_key: already used for another spec");
  const auto a = first.recv(kDeadline * sweep::testing::kSlowdown);
  const auto b = retry.recv(kDeadline * sweep::testing::kSlowdown);
  ASSERT_TRUE(std::holds_alternative<protocol::AcceptedReply>(a));
  ASSERT_TRUE(std::holds_alternative<protocol::AcceptedReply>(b));
  EXPECT_EQ(std::get<protocol::AcceptedReply>(a).req, "sub");
  EXPECT_EQ(std::get<protocol::AcceptedReply>(b).req, "again");
  EXPECT_EQ(std::get<protocol::AcceptedReply>(a).id, std::get<protocol::AcceptedReply>(b).id);
  auto list = first.call(protocol::ListRequest{"l"});
  ASSERT_TRUE(std::holds_alternative<protocol::JobsPage>(list));
  EXPECT_EQ(std::get<protocol::JobsPage>(list).jobs.size(), 1u);
}

// The dataset work has two lanes (dataset_lanes.hpp): a submit of a few bars sent just after one
// of millions is accepted first. With one dataset thread it waited for the big one (2M bars:
// ~1.6 s plain, many seconds under a sanitizer, hence fewer bars there; still over the large
// lane's threshold).
TEST_F(BrokerTest, ASmallSubmitIsNotQueuedBehindABigDataset) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  const uint64_t big_bars = sweep::testing::kSanitized ? 1'200'000 : 2'000'000;
  auto big = optimization();
  big.req = "big";
  big.spec["dataset"] = {{"synthetic", {{"bars", big_bars}, {"seed", 21}}}};
  auto small = optimization();
  small.req = "small";
  small.spec["dataset"] = {{"synthetic", {{"bars", 1000}, {"seed", 22}}}};
  const auto sent = Clock::now();
  client.send(big);
  client.send(small);
  std::vector<std::pair<std::string, double>> order;  // (req, seconds after the sends)
  for (int i = 0; i < 2; ++i) {
    auto rep = client.recv(kDeadline * sweep::testing::kSlowdown);
    ASSERT_TRUE(std::holds_alternative<protocol::AcceptedReply>(rep)) << accepted_id(rep);
    order.emplace_back(std::get<protocol::AcceptedReply>(rep).req,
                       std::chrono::duration<double>(Clock::now() - sent).count());
  }
  EXPECT_EQ(order[0].first, "small");
  EXPECT_EQ(order[1].first, "big");
  std::printf("[ figure ] accepted: %s after %.3f s, %s (%llu bars) after %.3f s\n",
              order[0].first.c_str(), order[0].second, order[1].first.c_str(),
              static_cast<unsigned long long>(big_bars), order[1].second);
}

// The catalog: the strategies the broker runs with their schemas and the metric names; the data
// folders' CSV files and, once a submit stored it, its dataset by id.
TEST_F(BrokerTest, StrategiesAndDatasetsAreListed) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto s = std::get<protocol::StrategiesReply>(client.call(protocol::StrategiesRequest{"s"}));
  EXPECT_EQ(s.req, "s");
  bool sma = false;
  for (const auto& st : s.strategies) {
    if (st["name"] != "sma_cross") continue;
    sma = true;
    EXPECT_EQ(st["params"][0]["name"], "fast");
    EXPECT_EQ(st["params"][0]["type"], "int");
  }
  EXPECT_TRUE(sma) << s.strategies.dump();
  EXPECT_NE(std::find(s.metrics.begin(), s.metrics.end(), "sharpe"), s.metrics.end());

  auto d = std::get<protocol::DatasetsReply>(client.call(protocol::DatasetsRequest{"d"}));
  bool goog = false;
  for (const auto& f : d.files) goog = goog || f["path"] == "GOOG.csv";
  EXPECT_TRUE(goog) << d.files.dump();
  EXPECT_TRUE(d.stored.empty());
  protocol::SubmitRequest r;
  r.req = "b";
  r.kind = JobKind::kBacktest;
  r.spec = {{"dataset", {{"path", "GOOG.csv"}}}, {"strategy", "sma_cross"}};
  accepted_id(client.call(r));
  d = std::get<protocol::DatasetsReply>(client.call(protocol::DatasetsRequest{"d2"}));
  ASSERT_EQ(d.stored.size(), 1u);
  EXPECT_EQ(d.stored[0]["name"], "GOOG.csv");
  EXPECT_EQ(d.stored[0]["bars"], 2148);
  EXPECT_EQ(d.stored[0]["source"]["id"], d.stored[0]["id"]);
}

// A job whose trials no connected worker can take says why, in its status and in health, and
// goes on once a worker that runs its strategy connects.
TEST_F(BrokerTest, AJobNoWorkerCanRunSaysWhatItWaitsFor) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  const std::string id = accepted_id(client.call(optimization(1)));
  EXPECT_EQ(client.status(id).waiting_for, "no worker is connected");

  FakeWorker other(broker.ctx(), broker.endpoints().backend, "other:1:0", {"ema_cross"});
  other.send(protocol::Credit{4});
  const std::string why = "no connected worker runs strategy 'sma_cross' (1 connected)";
  ASSERT_TRUE(wait_until([&] { return client.status(id).waiting_for == why; }))
      << client.status(id).waiting_for;
  auto health = std::get<protocol::HealthReply>(client.call(protocol::HealthRequest{"h"}));
  ASSERT_EQ(health.waiting.size(), 1u);
  EXPECT_EQ(health.waiting[0].job, id);
  EXPECT_EQ(health.waiting[0].reason, why);
  EXPECT_FALSE(other.batch(std::chrono::milliseconds(200))) << "a batch it cannot run";

  FakeWorker runs(broker.ctx(), broker.endpoints().backend, "runs:1:0", {"sma_cross"});
  runs.send(protocol::Credit{4});
  auto b = runs.batch();
  ASSERT_TRUE(b) << "no batch for the worker that runs sma_cross";
  EXPECT_EQ(client.status(id).waiting_for, "");
  for (const auto& t : b->trials) runs.complete(id, t);
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCompleted; }));
  EXPECT_EQ(client.status(id).waiting_for, "");
  health = std::get<protocol::HealthReply>(client.call(protocol::HealthRequest{"h2"}));
  EXPECT_TRUE(health.waiting.empty());
}

TEST_F(BrokerTest, StatusOfUnknownJobIsNotFound) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto rep = client.call(protocol::StatusRequest{"r7", "job-1"});
  ASSERT_TRUE(std::holds_alternative<protocol::ErrorReply>(rep));
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).code, Code::kNotFound);
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).req, "r7");
}

TEST_F(BrokerTest, MalformedBytesGetAnErrorAndTheBrokerServesOn) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  client.send_raw(std::string("\xc1\xff\x00garbage", 10));
  auto rep = client.recv();
  ASSERT_TRUE(std::holds_alternative<protocol::ErrorReply>(rep));
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).code, Code::kBadRequest);
  client.send_raw("\x82\xa1v\x07\xa4type\xa6health");  // v = 7
  rep = client.recv();
  ASSERT_TRUE(std::holds_alternative<protocol::ErrorReply>(rep));
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).code, Code::kUnsupportedVersion);
  rep = client.call(protocol::HealthRequest{"h"});
  ASSERT_TRUE(std::holds_alternative<protocol::HealthReply>(rep));
  EXPECT_EQ(std::get<protocol::HealthReply>(rep).endpoints.frontend, broker.endpoints().frontend);
}

TEST_F(BrokerTest, FakeWorkerRunsAnOptimizationToCompletion) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  const std::string id = accepted_id(client.call(optimization()));
  FakeWorker worker(broker.ctx(), broker.endpoints().backend);
  worker.send(protocol::Credit{2});
  std::set<uint64_t> seen;
  size_t in_flight_max = 0;
  while (seen.size() < 4) {
    auto b = worker.batch();
    ASSERT_TRUE(b) << "no batch";
    EXPECT_EQ(b->job, id);
    in_flight_max = std::max(in_flight_max, b->trials.size());
    for (const auto& t : b->trials) {
      EXPECT_TRUE(seen.insert(t.index).second) << "trial " << t.index << " dispatched twice";
      worker.complete(id, t, t.index == 3 ? TrialState::kFailed : TrialState::kCompleted);
      worker.complete(id, t);  // a duplicate result is never counted twice
    }
    worker.send(protocol::Credit{static_cast<uint32_t>(b->trials.size())});
  }
  EXPECT_LE(in_flight_max, 2u);
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCompleted; }));
  auto st = client.status(id);
  EXPECT_EQ(st.completed, 3u);
  EXPECT_EQ(st.failed, 1u);
  EXPECT_DOUBLE_EQ(st.progress, 1.0);
  ASSERT_TRUE(st.best);
  EXPECT_EQ(st.best->index, 2u);  // sharpe = index; trial 3 failed
  ASSERT_TRUE(st.result.is_object());
  EXPECT_EQ(st.result["top"].size(), 3u);
  EXPECT_TRUE(st.result["heatmap"].is_object());

  auto page = client.call(protocol::TrialsRequest{"t", id, "sharpe", protocol::SortOrder::kDesc});
  ASSERT_TRUE(std::holds_alternative<protocol::TrialsPage>(page));
  EXPECT_EQ(std::get<protocol::TrialsPage>(page).total, 4u);
  EXPECT_EQ(std::get<protocol::TrialsPage>(page).trials.front().index, 2u);

  auto store = Store::open(db_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*store->count_trials(id), 4u);
  auto failed = store->get_trial(id, 3);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->error_message, "boom");
  auto row = store->get_job(id);
  EXPECT_EQ(row->status, JobState::kCompleted);
  EXPECT_EQ(row->completed, 3u);
}

TEST_F(BrokerTest, CancelSemantics) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto unknown = client.call(protocol::CancelRequest{"c0", "nope"});
  EXPECT_EQ(std::get<protocol::ErrorReply>(unknown).code, Code::kNotFound);

  // Cancel while queued: straight to cancelled.
  const std::string queued = accepted_id(client.call(optimization()));
  auto rep = client.call(protocol::CancelRequest{"c1", queued});
  ASSERT_TRUE(std::holds_alternative<protocol::StatusReply>(rep));
  EXPECT_EQ(std::get<protocol::StatusReply>(rep).status, JobState::kCancelled);
  rep = client.call(protocol::CancelRequest{"c2", queued});
  EXPECT_EQ(std::get<protocol::ErrorReply>(rep).code, Code::kConflict);

  // Cancel while a trial runs: cancelling until its result comes back, recorded as cancelled.
  const std::string id = accepted_id(client.call(optimization()));
  FakeWorker worker(broker.ctx(), broker.endpoints().backend);
  worker.send(protocol::Credit{1});
  auto b = worker.batch();
  ASSERT_TRUE(b);
  ASSERT_EQ(b->trials.size(), 1u);
  rep = client.call(protocol::CancelRequest{"c3", id});
  EXPECT_EQ(std::get<protocol::StatusReply>(rep).status, JobState::kCancelling);
  worker.send(protocol::Credit{4});
  EXPECT_FALSE(worker.batch(300ms)) << "a trial of a cancelled job was handed out";
  worker.complete(id, b->trials[0]);
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCancelled; }));
  auto store = Store::open(db_);
  auto t = store->get_trial(id, b->trials[0].index);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->status, TrialState::kCancelled);
  EXPECT_EQ(client.status(id).completed, 0u);
}

TEST_F(BrokerTest, DeadWorkerTrialsAreRequeuedWithTheNextAttempt) {
  InProcessBroker broker(db_, with_heartbeat(100));
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization(1);  // 2 trials
  r.spec["max_attempts"] = 2;
  const std::string id = accepted_id(client.call(r));
  {
    FakeWorker silent(broker.ctx(), broker.endpoints().backend, "silent:1:0");
    silent.send(protocol::Credit{2});
    auto b = silent.batch();
    ASSERT_TRUE(b);
  }  // never heard from again
  FakeWorker worker(broker.ctx(), broker.endpoints().backend, "alive:2:0");
  worker.send(protocol::Credit{2});
  std::set<uint64_t> done;
  const auto end = Clock::now() + kDeadline;
  while (done.size() < 2 && Clock::now() < end) {
    worker.send(protocol::Heartbeat{});
    auto b = worker.batch(100ms);
    if (!b) continue;
    for (const auto& t : b->trials) {
      EXPECT_EQ(t.attempt, 2u);
      worker.complete(id, t);
      done.insert(t.index);
    }
    worker.send(protocol::Credit{static_cast<uint32_t>(b->trials.size())});
  }
  ASSERT_EQ(done.size(), 2u);
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCompleted; }));
}

TEST_F(BrokerTest, BacktestProgressComesFromTicksAndEventsArePublished) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  protocol::SubmitRequest r;
  r.req = "b";
  r.kind = JobKind::kBacktest;
  r.spec = {{"dataset", {{"synthetic", {{"bars", 500}, {"seed", 1}}}}},
            {"strategy", "sma_cross"},
            {"params", {{"fast", 10}, {"slow", 30}}}};
  const std::string id = accepted_id(client.call(r));
  zmq::socket_t events(broker.ctx(), zmq::socket_type::sub);
  events.set(zmq::sockopt::linger, 0);
  events.set(zmq::sockopt::subscribe, "job." + id);
  events.connect(broker.endpoints().events);
  FakeWorker worker(broker.ctx(), broker.endpoints().backend);
  worker.send(protocol::Credit{1});
  auto b = worker.batch();
  ASSERT_TRUE(b);
  ASSERT_EQ(b->trials.size(), 1u);
  EXPECT_EQ(b->trials[0].index, 0u);
  EXPECT_FALSE(b->dataset.hash.empty());
  zmq::socket_t ticks(broker.ctx(), zmq::socket_type::pub);
  ticks.set(zmq::sockopt::linger, 0);
  ticks.connect(broker.endpoints().telemetry);
  const std::string tick = protocol::encode(protocol::Tick{id, 0, 1, 250, 500});
  ASSERT_TRUE(wait_until([&] {
    ticks.send(zmq::buffer(std::string("tick")), zmq::send_flags::sndmore);
    ticks.send(zmq::buffer(tick));
    return client.status(id).completed == 250;
  }));
  EXPECT_EQ(client.status(id).status, JobState::kRunning);
  // The worker fetches the dataset by hash.
  worker.send(protocol::DatasetRequest{b->dataset.hash});
  auto ds = worker.next(kDeadline);
  ASSERT_TRUE(ds && std::holds_alternative<protocol::Dataset>(*ds));
  EXPECT_NE(std::get<protocol::Dataset>(*ds).csv.find("Open"), std::string::npos);
  worker.complete(id, b->trials[0]);
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCompleted; }));
  auto st = client.status(id);
  EXPECT_EQ(st.completed, 500u);
  ASSERT_TRUE(st.result.is_object());
  EXPECT_TRUE(st.result["metrics"].is_object());
  bool saw_state = false;
  while (auto bytes = recv_within(events, 1000ms)) {
    if (*bytes == "job." + id) continue;  // the topic frame
    auto ev = protocol::decode_event(*bytes);
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    if (auto* s = std::get_if<protocol::StateEvent>(&*ev)) {
      if (s->status == JobState::kCompleted) {
        saw_state = true;
        break;
      }
    }
  }
  EXPECT_TRUE(saw_state);
}

// After a job's terminal `state` event nothing is published for it that contradicts it: its last
// progress event comes first and says the terminal state. Events of one PUB socket arrive in
// order, so the first event of a later job marks the end of anything the first could still get.
TEST_F(BrokerTest, NothingAfterTheTerminalStateEventContradictsIt) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  zmq::socket_t events(broker.ctx(), zmq::socket_type::sub);
  events.set(zmq::sockopt::linger, 0);
  events.set(zmq::sockopt::subscribe, "job.");
  events.connect(broker.endpoints().events);
  const std::string a = accepted_id(client.call(optimization()));  // 4 trials
  FakeWorker worker(broker.ctx(), broker.endpoints().backend);
  worker.send(protocol::Credit{4});
  std::vector<protocol::Event> seen;  // job a's, in order
  bool a_ended = false;
  std::string b;
  const auto end = Clock::now() + kDeadline;
  while (Clock::now() < end) {
    if (auto batch = worker.batch(10ms)) {
      for (const auto& t : batch->trials) worker.complete(batch->job, t);
      worker.send(protocol::Credit{static_cast<uint32_t>(batch->trials.size())});
    }
    while (auto bytes = recv_within(events, 10ms)) {
      if (bytes->starts_with("job.")) continue;  // the topic frame
      auto ev = protocol::decode_event(*bytes);
      ASSERT_TRUE(ev.ok()) << ev.status().ToString();
      const std::string job = std::visit([](const auto& e) { return e.job; }, *ev);
      if (job == a) {
        seen.push_back(*ev);
        if (auto* st = std::get_if<protocol::StateEvent>(&*ev); st && is_terminal(st->status)) {
          a_ended = true;
        }
      } else if (!b.empty() && job == b) {
        goto done;  // everything published for a before b's first event has arrived
      }
    }
    if (a_ended && b.empty()) b = accepted_id(client.call(optimization()));
  }
done:
  ASSERT_TRUE(a_ended);
  ASSERT_FALSE(b.empty());
  size_t terminal = seen.size();
  for (size_t i = 0; i < seen.size(); ++i) {
    if (auto* st = std::get_if<protocol::StateEvent>(&seen[i]); st && is_terminal(st->status)) {
      terminal = i;
      break;
    }
  }
  ASSERT_LT(terminal, seen.size());
  EXPECT_EQ(std::get<protocol::StateEvent>(seen[terminal]).status, JobState::kCompleted);
  EXPECT_EQ(terminal, seen.size() - 1) << "an event for the job after its terminal state event";
  ASSERT_GT(terminal, 0u);
  auto* last = std::get_if<protocol::ProgressEvent>(&seen[terminal - 1]);
  ASSERT_NE(last, nullptr) << "the last progress event comes just before the state event";
  EXPECT_EQ(last->status, JobState::kCompleted);
  EXPECT_EQ(last->completed, 4u);
}

TEST_F(BrokerTest, TrialsLostMoreThanMaxAttemptsAreRecordedFailed) {
  InProcessBroker broker(db_, with_heartbeat(100));
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization(1);  // 2 trials
  r.spec["max_attempts"] = 1;
  const std::string id = accepted_id(client.call(r));
  {
    FakeWorker silent(broker.ctx(), broker.endpoints().backend, "silent:1:0");
    silent.send(protocol::Credit{2});
    ASSERT_TRUE(silent.batch());
  }
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCompleted; }));
  auto st = client.status(id);
  EXPECT_EQ(st.failed, 2u);
  EXPECT_EQ(st.completed, 0u);
  auto store = Store::open(db_);
  auto t = store->get_trial(id, 0);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->status, TrialState::kFailed);
  EXPECT_NE(t->error_message.find("worker lost"), std::string::npos) << t->error_message;
  EXPECT_EQ(t->worker, "silent:1:0");
}

// A worker dying by a signal says which trial it ran (`crashed`): that trial is charged the
// attempt; the other trials it held go back without one; the worker is dropped at once.
TEST_F(BrokerTest, CrashedChargesTheAttemptToTheNamedTrialOnly) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization(2);  // 4 trials
  r.spec["max_attempts"] = 2;
  const std::string id = accepted_id(client.call(r));
  // Takes the worker's first two trials (one per slot while durations are unknown).
  auto take_two = [&](FakeWorker& w) {
    std::vector<protocol::BatchTrial> got;
    while (got.size() < 2) {
      auto b = w.batch();
      if (!b) break;
      got.insert(got.end(), b->trials.begin(), b->trials.end());
    }
    return got;
  };
  auto crash_on = [&](FakeWorker& w, const protocol::BatchTrial& t) {
    w.send(protocol::Crashed{11, "SIGSEGV", "Segmentation fault",
                             protocol::TrialRef{id, t.index, t.attempt}});
    auto ack = w.next(kDeadline);
    return ack && std::holds_alternative<protocol::CrashAck>(*ack);
  };
  auto listed = [&](const std::string& name) {
    auto h = std::get<protocol::HealthReply>(client.call(protocol::HealthRequest{"h"}));
    for (const auto& w : h.workers)
      if (w.id == name) return true;
    return false;
  };

  uint64_t poison = 0, other = 0;
  {
    FakeWorker a(broker.ctx(), broker.endpoints().backend, "a:1:0");
    a.send(protocol::Credit{4});
    auto held = take_two(a);
    ASSERT_EQ(held.size(), 2u);
    poison = held[0].index;
    other = held[1].index;
    ASSERT_TRUE(crash_on(a, held[0]));
    EXPECT_FALSE(listed("a:1:0"));  // dropped at once, not after its heartbeats
  }
  std::map<uint64_t, uint32_t> attempts;  // as re-dispatched
  {
    FakeWorker b(broker.ctx(), broker.endpoints().backend, "b:1:0");
    b.send(protocol::Credit{4});
    auto held = take_two(b);
    ASSERT_EQ(held.size(), 2u);
    for (const auto& t : held) attempts[t.index] = t.attempt;
    ASSERT_TRUE(attempts.contains(poison));
    ASSERT_TRUE(attempts.contains(other));
    EXPECT_EQ(attempts[poison], 2u);  // charged
    EXPECT_EQ(attempts[other], 1u);   // not charged
    for (const auto& t : held) {
      if (t.index == poison) {
        ASSERT_TRUE(crash_on(b, t));
      }
    }
  }
  FakeWorker c(broker.ctx(), broker.endpoints().backend, "c:1:0");
  c.send(protocol::Credit{4});
  std::set<uint64_t> completed;
  while (completed.size() < 3) {
    auto b = c.batch();
    ASSERT_TRUE(b) << "only " << completed.size() << " trials re-dispatched";
    for (const auto& t : b->trials) {
      EXPECT_NE(t.index, poison);
      EXPECT_EQ(t.attempt, 1u) << "trial " << t.index;
      c.complete(id, t);
      completed.insert(t.index);
    }
  }
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCompleted; }));
  auto st = client.status(id);
  EXPECT_EQ(st.completed, 3u);
  EXPECT_EQ(st.failed, 1u);
  auto store = Store::open(db_);
  auto t = store->get_trial(id, poison);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->status, TrialState::kFailed);
  EXPECT_EQ(t->attempt, 2);
  EXPECT_EQ(t->error_message,
            "worker b:1:0 crashed with SIGSEGV (Segmentation fault) while running this trial; "
            "failed after 2 attempts");
  EXPECT_EQ(t->worker, "b:1:0");
}

TEST_F(BrokerTest, RestartResumesWithoutRerunningRecordedTrials) {
  std::string id;
  std::set<uint64_t> first;
  {
    InProcessBroker broker(db_);
    Client client(broker.ctx(), broker.endpoints().frontend);
    id = accepted_id(client.call(optimization()));
    FakeWorker worker(broker.ctx(), broker.endpoints().backend);
    worker.send(protocol::Credit{2});
    while (first.size() < 2) {
      auto b = worker.batch();
      ASSERT_TRUE(b);
      for (const auto& t : b->trials) {
        worker.complete(id, t);
        first.insert(t.index);
      }
    }
    ASSERT_TRUE(wait_until([&] { return client.status(id).completed == 2; }));
  }
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto st = client.status(id);
  EXPECT_EQ(st.status, JobState::kRunning);
  EXPECT_EQ(st.completed, 2u);
  FakeWorker worker(broker.ctx(), broker.endpoints().backend);
  worker.send(protocol::Credit{4});
  std::set<uint64_t> second;
  while (second.size() < 2) {
    auto b = worker.batch();
    ASSERT_TRUE(b);
    for (const auto& t : b->trials) {
      EXPECT_FALSE(first.count(t.index)) << "trial " << t.index << " ran twice";
      worker.complete(id, t);
      second.insert(t.index);
    }
  }
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCompleted; }));
  EXPECT_EQ(client.status(id).completed, 4u);
}

}  // namespace
}  // namespace sweep::broker
