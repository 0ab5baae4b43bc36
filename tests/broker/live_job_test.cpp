// Progress figures of a live job (elapsed, ETA) and lease expiry, on a FakeClock.
#include <gtest/gtest.h>

#include "lease_table.hpp"
#include "live_job.hpp"
#include "sweep/base/clock.hpp"

namespace sweep::broker {
namespace {

using namespace std::chrono_literals;

LiveJob optimization_job(uint64_t trials) {
  JobSpec spec{JobKind::kOptimization};
  LiveJob job("j1", spec, std::nullopt, Objective{});
  job.trial_count = job.total = trials;
  return job;
}

TEST(LiveJobEta, UnknownUntilRunningAndSomethingDone) {
  FakeClock clock;
  LiveJob job = optimization_job(100);
  EXPECT_EQ(job.elapsed_s(clock.steady()), 0);
  EXPECT_FALSE(job.eta_s(clock.steady()));
  job.started_at_ms = clock.wall_ms();
  job.started = clock.steady();
  clock.advance(2s);
  EXPECT_DOUBLE_EQ(job.elapsed_s(clock.steady()), 2.0);
  EXPECT_FALSE(job.eta_s(clock.steady())) << "no trial done: no rate";
}

TEST(LiveJobEta, RemainingTrialsAtTheRateSoFar) {
  FakeClock clock;
  LiveJob job = optimization_job(100);
  job.started_at_ms = clock.wall_ms();
  job.started = clock.steady();
  clock.advance(10s);
  job.trials_done = 25;  // 2.5 trials/s, 75 left
  ASSERT_TRUE(job.eta_s(clock.steady()));
  EXPECT_DOUBLE_EQ(*job.eta_s(clock.steady()), 30.0);
  job.trials_done = 100;
  EXPECT_DOUBLE_EQ(*job.eta_s(clock.steady()), 0.0);
}

TEST(LiveJobEta, AResumedJobCountsOnlyTrialsDoneSinceItResumed) {
  FakeClock clock;
  LiveJob job = optimization_job(100);
  job.trials_done = job.done_at_start = 50;
  job.started_at_ms = clock.wall_ms();
  job.started = clock.steady();
  clock.advance(5s);
  EXPECT_FALSE(job.eta_s(clock.steady()));
  job.trials_done = 60;  // 10 in 5 s: 2/s, 40 left
  EXPECT_DOUBLE_EQ(*job.eta_s(clock.steady()), 20.0);
}

TEST(LiveJobEta, ABacktestCountsBars) {
  FakeClock clock;
  LiveJob job("j2", JobSpec{JobKind::kBacktest}, std::nullopt, Objective{});
  job.total = 1000;
  job.started_at_ms = clock.wall_ms();
  job.started = clock.steady();
  clock.advance(4s);
  job.bars_done = 250;
  EXPECT_DOUBLE_EQ(*job.eta_s(clock.steady()), 12.0);
}

TEST(LeaseTable, ALeaseExpiresAtItsDeadlineAndNotBefore) {
  FakeClock clock;
  LeaseTable leases;
  leases.add({"j", 0, 1, "w1", "worker-1", clock.steady() + 10s, clock.wall_ms()});
  leases.add({"j", 1, 1, "w1", "worker-1", clock.steady() + 20s, clock.wall_ms()});
  clock.advance(9999ms);
  EXPECT_TRUE(leases.release_expired(clock.steady()).empty());
  clock.advance(1ms);
  auto expired = leases.release_expired(clock.steady());
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].index, 0u);
  EXPECT_EQ(leases.count_for_job("j"), 1u);
  EXPECT_EQ(leases.count_for_worker("w1"), 1u);
  clock.advance(10s);
  EXPECT_EQ(leases.release_expired(clock.steady()).size(), 1u);
  EXPECT_EQ(leases.size(), 0u);
}

TEST(LeaseTable, AStaleResultDoesNotReleaseTheLease) {
  FakeClock clock;
  LeaseTable leases;
  leases.add({"j", 0, 2, "w1", "worker-1", clock.steady() + 10s, clock.wall_ms()});
  EXPECT_FALSE(leases.release("j", 0, "w1", 1)) << "an earlier attempt";
  EXPECT_FALSE(leases.release("j", 0, "w2", 2)) << "another worker";
  EXPECT_TRUE(leases.release("j", 0, "w1", 2));
}

TEST(LeaseTable, CountsAJobsLeasesUpToAnIndex) {
  FakeClock clock;
  LeaseTable leases;
  for (uint64_t i : {2, 5, 9}) leases.add({"j", i, 1, "w1", "worker-1", clock.steady(), 0});
  leases.add({"k", 1, 1, "w1", "worker-1", clock.steady(), 0});
  EXPECT_EQ(leases.count_for_job_through("j", 1), 0u);
  EXPECT_EQ(leases.count_for_job_through("j", 5), 2u);
  EXPECT_EQ(leases.count_for_job_through("j", 100), 3u);
  EXPECT_EQ(leases.count_for_job_through("k", 1), 1u);
}

LiveJob grid_job(uint64_t trials) {
  JobSpec spec{JobKind::kOptimization};
  const auto last = static_cast<int64_t>(trials) - 1;
  EXPECT_TRUE(
      spec.space.add("x", Axis::range(int64_t{0}, last, int64_t{1}, "space.x").value()).ok());
  return LiveJob("j", spec, make_trial_plan(spec).value(), Objective{});
}

TEST(LiveJobStop, DropsWhatIsPastTheStopAndDispatchesNothingNew) {
  LiveJob job = grid_job(20);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(job.take_next());  // trials 0..7 are out
  job.retry.push_back({6, 2, {}});                           // a lost worker's trials
  job.retry.push_back({2, 2, {}});
  job.stop_on_target(5);
  EXPECT_TRUE(job.past_stop(6));
  EXPECT_FALSE(job.past_stop(5));
  ASSERT_EQ(job.retry.size(), 1u);
  EXPECT_EQ(job.retry.front().index, 2u);
  EXPECT_EQ(job.take_next()->index, 2u);
  EXPECT_FALSE(job.has_pending()) << "trials 8.. are past the stop";
  EXPECT_FALSE(job.take_next());
  EXPECT_EQ(job.next_trial_position(), 8u) << "the cursor stays where dispatch stopped";
  job.stop_on_target(7);
  EXPECT_EQ(*job.stop_at, 5u) << "a later trial reaching the target changes nothing";
  job.stop_on_target(3);
  EXPECT_EQ(*job.stop_at, 3u);
}

}  // namespace
}  // namespace sweep::broker
