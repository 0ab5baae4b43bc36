// Worker sessions and their states; heartbeat loss on a FakeClock.
#include "worker_registry.hpp"

#include <gtest/gtest.h>

namespace sweep::broker {
namespace {

using namespace std::chrono_literals;

protocol::Hello hello(const std::string& name) {
  protocol::Hello h;
  h.worker = name;
  h.slots = 2;
  return h;
}

TEST(WorkerRegistry, AWorkerIsLostAfterLivenessTimesTheHeartbeat) {
  FakeClock clock;
  WorkerRegistry workers(/*heartbeat_ms=*/1000, /*liveness=*/3);
  workers.welcome("w1", hello("one"), clock.steady());
  clock.advance(3s);
  EXPECT_TRUE(workers.lost(clock.steady()).empty()) << "exactly liveness x interval: not yet";
  clock.advance(1ms);
  EXPECT_EQ(workers.lost(clock.steady()), std::vector<std::string>{"w1"});
}

TEST(WorkerRegistry, AnyMessageKeepsAWorkerAlive) {
  FakeClock clock;
  WorkerRegistry workers(500, 4);
  WorkerSession& s = workers.welcome("w1", hello("one"), clock.steady());
  workers.welcome("w2", hello("two"), clock.steady());
  clock.advance(1500ms);
  WorkerRegistry::heard(s, clock.steady());
  clock.advance(1500ms);  // w2 silent 3 s > 2 s; w1 silent 1.5 s
  EXPECT_EQ(workers.lost(clock.steady()), std::vector<std::string>{"w2"});
  clock.advance(501ms);
  EXPECT_EQ(workers.lost(clock.steady()), (std::vector<std::string>{"w1", "w2"}));
}

TEST(WorkerRegistry, AWelcomedWorkerIsReadyOnceItGrantsCredit) {
  FakeClock clock;
  WorkerRegistry workers(1000, 3);
  WorkerSession& s = workers.welcome("w1", hello("one"), clock.steady());
  EXPECT_EQ(s.state, SessionState::kWelcomed);
  EXPECT_FALSE(s.takes_trials());
  WorkerRegistry::grant(s, 0);
  EXPECT_EQ(s.state, SessionState::kWelcomed);
  WorkerRegistry::grant(s, 8);
  EXPECT_EQ(s.state, SessionState::kReady);
  EXPECT_EQ(s.credit, 8u);
  EXPECT_TRUE(s.takes_trials());
  s.credit = 0;
  EXPECT_FALSE(s.takes_trials()) << "ready, but no credit left";
}

TEST(WorkerRegistry, ADroppedSessionLeavesWithItsEnd) {
  FakeClock clock;
  WorkerRegistry workers(1000, 3);
  workers.welcome("w1", hello("one"), clock.steady());
  auto s = workers.drop("w1", SessionState::kGone);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, SessionState::kGone);
  EXPECT_EQ(s->hello.worker, "one");
  EXPECT_EQ(workers.find("w1"), nullptr) << "its messages are ignored until it says hello";
  EXPECT_FALSE(workers.drop("w1", SessionState::kLost));
}

TEST(WorkerRegistry, HelloAgainStartsAFreshSession) {
  FakeClock clock;
  WorkerRegistry workers(1000, 3);
  WorkerRegistry::grant(workers.welcome("w1", hello("one"), clock.steady()), 5);
  ASSERT_TRUE(workers.drop("w1", SessionState::kGone));
  WorkerSession& s = workers.welcome("w1", hello("one"), clock.steady());
  EXPECT_EQ(s.state, SessionState::kWelcomed);
  EXPECT_EQ(s.credit, 0u);
}

TEST(WorkerSession, RunsTheStrategiesItListsOrAnyWhenItListsNone) {
  WorkerSession s;
  EXPECT_TRUE(s.can_run("sma_cross"));
  s.hello.strategies = {"rsi_reversion"};
  EXPECT_FALSE(s.can_run("sma_cross"));
  EXPECT_TRUE(s.can_run("rsi_reversion"));
}

}  // namespace
}  // namespace sweep::broker
