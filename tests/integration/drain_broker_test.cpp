// The broker's side of a worker's drain (docs/PROTOCOL.md §5 "Drain"), with raw DEALER workers:
// leases handed back by `draining` or returned by `bye` run elsewhere as the same attempt, and a
// draining worker gets no batch again; a broker stopped with a drain grace refuses submits.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "broker.hpp"
#include "broker_fixture.hpp"
#include "fake_peers.hpp"
#include "in_process_broker.hpp"
#include "wait.hpp"

namespace sweep::broker {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::Client;
using testing::FakeWorker;
using testing::InProcessBroker;
using testing::wait_until;
using DrainTest = testing::BrokerFixture;

constexpr auto kDeadline = 10s;

std::vector<protocol::TrialRef> refs(const std::string& job, const protocol::TrialsBatch& b) {
  std::vector<protocol::TrialRef> out;
  for (const auto& t : b.trials) out.push_back({job, t.index, t.attempt});
  return out;
}

// Runs every trial the worker is sent until `n` are done; each must be a first attempt.
void run_all_first_attempts(FakeWorker& w, const std::string& id, size_t n) {
  std::set<uint64_t> done;
  const auto end = Clock::now() + kDeadline;
  while (done.size() < n && Clock::now() < end) {
    auto b = w.batch(100ms);
    if (!b) continue;
    for (const auto& t : b->trials) {
      EXPECT_EQ(t.attempt, 1u) << "trial " << t.index << " was charged an attempt";
      w.complete(id, t);
      done.insert(t.index);
    }
    w.send(protocol::Credit{static_cast<uint32_t>(b->trials.size())});
  }
  EXPECT_EQ(done.size(), n);
}

TEST_F(DrainTest, HandedBackLeasesRunElsewhereAsTheSameAttemptAndTheWorkerGetsNoMore) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  const std::string id = accepted_id(client.call(optimization(2)));  // 4 trials
  FakeWorker leaving(broker.ctx(), broker.endpoints().backend, "leaving:1:0");
  leaving.send(protocol::Credit{4});
  auto b = leaving.batch();
  ASSERT_TRUE(b);
  leaving.send(protocol::Draining{refs(id, *b)});
  leaving.send(protocol::Credit{100});
  FakeWorker other(broker.ctx(), broker.endpoints().backend, "other:2:0");
  other.send(protocol::Credit{4});
  run_all_first_attempts(other, id, 4);
  EXPECT_FALSE(leaving.batch(200ms)) << "a draining worker was sent a batch";
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCompleted; }));
}

TEST_F(DrainTest, LeasesReturnedByByeRunElsewhereAsTheSameAttempt) {
  InProcessBroker broker(db_);
  Client client(broker.ctx(), broker.endpoints().frontend);
  const std::string id = accepted_id(client.call(optimization(2)));
  {
    FakeWorker leaving(broker.ctx(), broker.endpoints().backend, "leaving:1:0");
    leaving.send(protocol::Credit{4});
    ASSERT_TRUE(leaving.batch());
    leaving.send(protocol::Bye{"shutting down"});
  }
  FakeWorker other(broker.ctx(), broker.endpoints().backend, "other:2:0");
  other.send(protocol::Credit{4});
  run_all_first_attempts(other, id, 4);
  ASSERT_TRUE(wait_until([&] { return client.status(id).status == JobState::kCompleted; }));
}

TEST_F(DrainTest, AStoppedBrokerRefusesSubmitsWhileItDrains) {
  BrokerConfig config;
  config.drain_grace = 5s;
  auto b = std::make_unique<InProcessBroker>(db_, config);
  Client client(b->ctx(), b->endpoints().frontend);
  b->stop();
  const auto rep = client.call(optimization(1));
  const auto* e = std::get_if<protocol::ErrorReply>(&rep);
  ASSERT_TRUE(e) << "a submit was accepted by a draining broker";
  EXPECT_EQ(e->code, Code::kUnavailable);
  EXPECT_NE(e->message.find("shutting down"), std::string::npos) << e->message;
}

}  // namespace
}  // namespace sweep::broker
