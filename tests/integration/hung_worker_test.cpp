// Hostile and unlucky workers against an in-process broker (docs/RELIABILITY.md): a worker that
// heartbeats but never answers its trials, a second session with a worker id already live, and a
// constrained job whose trials must keep their parameters through leases, re-queues and a restart.
// Raw DEALER peers (tests/support/fake_peers.hpp); every wait is a condition with a deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "broker.hpp"
#include "broker_fixture.hpp"
#include "fake_peers.hpp"
#include "in_process_broker.hpp"
#include "sanitizers.hpp"
#include "sweep/protocol/protocol.hpp"
#include "wait.hpp"

namespace sweep::broker {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::Client;
using testing::FakeWorker;
using testing::InProcessBroker;
using testing::wait_until;
using testing::with_heartbeat;

constexpr auto kDeadline = 20s;

class HungWorkerTest : public testing::BrokerFixture {
 protected:
  static std::vector<protocol::TrialRecord> trials(Client& client, const std::string& id) {
    protocol::TrialsRequest q{"t", id};
    q.limit = 1000;
    return std::get<protocol::TrialsPage>(client.call(q)).trials;
  }
};

// A worker that keeps its session alive but never answers: past the trials' timeout (plus the
// slack) the broker takes them back, runs them elsewhere as a new attempt with their parameters,
// gives the hung worker nothing more, and ignores its late results.
TEST_F(HungWorkerTest, TrialsOfAWorkerThatNeverAnswersRunElsewhere) {
  InProcessBroker broker(db_, with_heartbeat(200));
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization(10);  // 20 trials
  r.spec["trial_timeout_s"] = 1;
  r.spec["max_attempts"] = 2;
  const std::string id = accepted_id(client.call(r));

  FakeWorker hung(broker.ctx(), broker.endpoints().backend, "hung:1:0");
  hung.send(protocol::Credit{1000});
  auto held = hung.batch();
  ASSERT_TRUE(held);
  ASSERT_FALSE(held->trials.empty());
  std::map<uint64_t, ParamSet> held_params;
  for (const auto& t : held->trials) held_params[t.index] = t.params;

  FakeWorker good(broker.ctx(), broker.endpoints().backend, "good:2:0");
  good.send(protocol::Credit{4});
  const auto end = Clock::now() + kDeadline * sweep::testing::kSlowdown;
  bool late_sent = false;
  while (Clock::now() < end && !is_terminal(client.status(id).status)) {
    hung.send(protocol::Heartbeat{});  // alive, as far as heartbeats go
    // Drained: no batch for it, although it granted credit for many more, until it sends a
    // result again (the late one below); what it takes then it holds as well.
    if (auto more = hung.batch(0ms); more && !late_sent)
      ADD_FAILURE() << "a drained worker's batch";
    good.send(protocol::Heartbeat{});
    auto b = good.batch(50ms);
    if (!b) continue;
    for (const auto& t : b->trials) {
      if (held_params.count(t.index)) {
        EXPECT_EQ(t.attempt, 2u) << "a timed-out trial runs as its next attempt";
        EXPECT_EQ(t.params, held_params[t.index]);
        if (!late_sent) {  // the hung worker's late result for the same trial: stale
          hung.complete(id, held->trials.front(), TrialState::kFailed);
          late_sent = true;
        }
      }
      good.complete(id, t);
    }
    good.send(protocol::Credit{static_cast<uint32_t>(b->trials.size())});
  }
  const auto st = client.status(id);
  ASSERT_EQ(st.status, JobState::kCompleted);
  EXPECT_EQ(st.completed, 20u);
  EXPECT_EQ(st.failed, 0u);
  EXPECT_TRUE(late_sent);
  for (const auto& t : trials(client, id)) {
    EXPECT_EQ(t.status, TrialState::kCompleted) << "trial " << t.index;
    EXPECT_EQ(t.worker, "good:2:0") << "trial " << t.index;
    EXPECT_EQ(t.params.items().size(), 2u) << "trial " << t.index << " recorded with its params";
    if (held_params.count(t.index)) {
      EXPECT_EQ(t.attempt, 2);
      EXPECT_EQ(t.params, held_params[t.index]);
    }
  }
}

// A trial that hangs every worker it reaches ends failed after max_attempts, with its params and
// the broker's reason; the job still ends.
TEST_F(HungWorkerTest, ATrialThatHangsEveryWorkerFailsAfterMaxAttempts) {
  InProcessBroker broker(db_, with_heartbeat(200));
  Client client(broker.ctx(), broker.endpoints().frontend);
  auto r = optimization(1);  // 2 trials
  r.spec["trial_timeout_s"] = 0.5;
  r.spec["max_attempts"] = 2;
  const std::string id = accepted_id(client.call(r));
  // Two workers that take trials and hang on them: each attempt times out on one of them.
  FakeWorker one(broker.ctx(), broker.endpoints().backend, "hung:1:0");
  FakeWorker two(broker.ctx(), broker.endpoints().backend, "hung:2:0");
  one.send(protocol::Credit{1000});
  two.send(protocol::Credit{1000});
  std::map<uint64_t, uint32_t> attempts;
  std::map<uint64_t, std::set<std::string>> ran_on;
  const auto end = Clock::now() + kDeadline * sweep::testing::kSlowdown;
  while (Clock::now() < end && !is_terminal(client.status(id).status)) {
    for (auto* w : {&one, &two}) {
      w->send(protocol::Heartbeat{});
      if (auto b = w->batch(25ms)) {
        for (const auto& t : b->trials) {
          attempts[t.index] = std::max(attempts[t.index], t.attempt);
          ran_on[t.index].insert(w == &one ? "one" : "two");
        }
      }
    }
  }
  const auto st = client.status(id);
  ASSERT_EQ(st.status, JobState::kCompleted);
  EXPECT_EQ(st.failed, 2u);
  EXPECT_EQ(attempts, (std::map<uint64_t, uint32_t>{{0, 2}, {1, 2}}));
  for (const auto& [index, on] : ran_on) {
    EXPECT_EQ(on.size(), 2u) << "trial " << index << ": its second attempt ran elsewhere";
  }
  for (const auto& t : trials(client, id)) {
    EXPECT_EQ(t.status, TrialState::kFailed);
    EXPECT_EQ(t.attempt, 2);
    EXPECT_NE(t.error_message.find("timed out"), std::string::npos) << t.error_message;
    EXPECT_NE(t.error_message.find("after 2 attempts"), std::string::npos) << t.error_message;
    EXPECT_EQ(t.params.items().size(), 2u);
  }
}

// Two sessions with one worker id: the newer replaces the older, whose trials go back to the
// queue at once, as the same attempt (they were not the trials' fault); health lists it once.
TEST_F(HungWorkerTest, ASecondHelloWithALiveWorkerIdReplacesTheOlderSession) {
  InProcessBroker broker(db_);  // default heartbeats: the old session would live for seconds
  Client client(broker.ctx(), broker.endpoints().frontend);
  const std::string id = accepted_id(client.call(optimization(1)));
  FakeWorker first(broker.ctx(), broker.endpoints().backend, "twin:1:0");
  first.send(protocol::Credit{2});
  auto b = first.batch();
  ASSERT_TRUE(b);
  std::set<uint64_t> held;
  for (const auto& t : b->trials) held.insert(t.index);

  FakeWorker second(broker.ctx(), broker.endpoints().backend, "twin:1:0");
  const auto health = std::get<protocol::HealthReply>(client.call(protocol::HealthRequest{"h"}));
  ASSERT_EQ(health.workers.size(), 1u);
  EXPECT_EQ(health.workers[0].id, "twin:1:0");
  second.send(protocol::Credit{2});
  auto again = second.batch();
  ASSERT_TRUE(again);
  for (const auto& t : again->trials) {
    EXPECT_TRUE(held.count(t.index)) << "trial " << t.index;
    EXPECT_EQ(t.attempt, 1u) << "a replaced session's trials keep their attempt";
  }
}

// Each trial of a constrained job is recorded with the parameters it was dispatched with (those
// its index decodes to), also the trials re-queued from a dropped worker and those re-run after a
// restart, which walks the plan again to find them.
TEST_F(HungWorkerTest, AConstrainedJobKeepsEachTrialsParams) {
  auto r = optimization(30);  // fast 5..34 x slow {20, 30}: 15 of the 60 points are admissible
  r.spec["constraint"] = "fast * 2 < slow";
  std::string id;
  std::map<uint64_t, ParamSet> sent;  // every batch's params, by trial index
  auto note = [&](const protocol::TrialsBatch& b) {
    for (const auto& t : b.trials) {
      auto [it, fresh] = sent.emplace(t.index, t.params);
      EXPECT_EQ(it->second, t.params) << "trial " << t.index << " dispatched with other params";
    }
  };
  {
    InProcessBroker broker(db_, with_heartbeat(100));
    Client client(broker.ctx(), broker.endpoints().frontend);
    id = accepted_id(client.call(r));
    {
      FakeWorker lost(broker.ctx(), broker.endpoints().backend, "lost:1:0");
      lost.send(protocol::Credit{2});
      auto b = lost.batch();
      ASSERT_TRUE(b);
      note(*b);
    }  // silent from now on: its trials are re-queued
    FakeWorker worker(broker.ctx(), broker.endpoints().backend, "w:1:0");
    worker.send(protocol::Credit{2});
    ASSERT_TRUE(wait_until(
        [&] {
          worker.send(protocol::Heartbeat{});
          if (auto b = worker.batch(50ms)) {
            note(*b);
            worker.complete(id, b->trials.front());  // the rest is left to the restart
            worker.send(protocol::Credit{1});
          }
          return client.status(id).completed >= 4;
        },
        kDeadline * sweep::testing::kSlowdown));
  }
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  FakeWorker worker(broker.ctx(), broker.endpoints().backend, "w:2:0");
  worker.send(protocol::Credit{4});
  const auto end = Clock::now() + kDeadline * sweep::testing::kSlowdown;
  while (Clock::now() < end && !is_terminal(client.status(id).status)) {
    worker.send(protocol::Heartbeat{});
    auto b = worker.batch(50ms);
    if (!b) continue;
    note(*b);
    for (const auto& t : b->trials) worker.complete(id, t);
    worker.send(protocol::Credit{static_cast<uint32_t>(b->trials.size())});
  }
  ASSERT_EQ(client.status(id).status, JobState::kCompleted);
  const auto recorded = trials(client, id);
  ASSERT_EQ(recorded.size(), 15u);
  for (const auto& t : recorded) {
    ASSERT_TRUE(sent.count(t.index));
    EXPECT_EQ(t.params, sent[t.index]) << "trial " << t.index;
    EXPECT_LT(t.params.get_double("fast") * 2, t.params.get_double("slow")) << "trial " << t.index;
  }
  // The admissible points in grid order (the last parameter varies fastest): trial k is the k-th.
  std::vector<std::pair<double, double>> admissible;
  for (int fast = 5; fast < 35; ++fast) {
    for (int slow : {20, 30}) {
      if (fast * 2 < slow) admissible.emplace_back(fast, slow);
    }
  }
  for (const auto& t : recorded) {
    EXPECT_EQ(t.params.get_double("fast"), admissible[t.index].first) << "trial " << t.index;
    EXPECT_EQ(t.params.get_double("slow"), admissible[t.index].second) << "trial " << t.index;
  }
}

}  // namespace
}  // namespace sweep::broker
