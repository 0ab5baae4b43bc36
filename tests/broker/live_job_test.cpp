// Progress figures of a live job (elapsed, ETA) and lease expiry, on a FakeClock.
#include <gtest/gtest.h>

#include <cmath>

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

LiveJob windowed_job(uint64_t trials, JobSpec spec) {
  spec.kind = JobKind::kOptimization;
  const auto last = static_cast<int64_t>(trials) - 1;
  EXPECT_TRUE(
      spec.space.add("x", Axis::range(int64_t{0}, last, int64_t{1}, "space.x").value()).ok());
  return LiveJob("j", spec, make_trial_plan(spec).value(), Objective{});
}

TEST(LiveJobWindows, AWalkForwardRunsThePlanOncePerWindowOverItsTrainBars) {
  JobSpec spec;
  spec.walk_forward = WalkForward{100, 50, false};
  LiveJob job = windowed_job(3, spec);
  ASSERT_TRUE(job.set_windows(260, 1000).ok());  // test bars at 100, 150, 200, 250
  ASSERT_EQ(job.windows.size(), 4u);
  EXPECT_EQ(job.trial_count, 12u);
  EXPECT_EQ(job.total, 16u) << "every train trial and every out-of-sample run";
  EXPECT_EQ(job.oos_runs, 4u);
  EXPECT_FALSE(job.heatmap) << "windows are scored on different bars";
  std::vector<uint64_t> order;
  while (auto t = job.take_next()) {
    order.push_back(t->index);
    EXPECT_EQ(std::get<int64_t>(*t->params.find("x")), static_cast<int64_t>(t->index % 3));
  }
  EXPECT_EQ(order, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(job.next_trial_position(), 12u);
  EXPECT_EQ(*job.train_bars(0), (BarSpan{0, 100}));
  EXPECT_EQ(*job.train_bars(5), (BarSpan{50, 150}));
  EXPECT_EQ(*job.train_bars(11), (BarSpan{150, 250}));
  // A resume goes on mid-window.
  JobCursor at = job.cursor_at(7);
  EXPECT_EQ(at.position(), 7u);
  EXPECT_EQ(at.next()->index, 7u);
  EXPECT_EQ(at.next()->index, 8u);
  EXPECT_EQ(at.position(), 9u);
  EXPECT_EQ(at.next()->index, 9u);
  EXPECT_FALSE(job.cursor_at(12).next());
}

std::vector<PendingTrial> take_all(LiveJob& job) {
  std::vector<PendingTrial> out;
  while (auto t = job.take_next()) out.push_back(std::move(*t));
  return out;
}

// A made-up objective value of a trial: its x, away from the middle of the axis.
double value_of(const PendingTrial& t) {
  return std::abs(static_cast<double>(std::get<int64_t>(*t.params.find("x"))) - 14.5);
}

TEST(LiveJobWindows, AWalkForwardTpeSearchRunsOneSearchPerWindow) {
  JobSpec spec;
  spec.walk_forward = WalkForward{100, 50, false};
  spec.method = TpeSearch{6, 7, 2, 2};
  LiveJob job = windowed_job(30, spec);
  ASSERT_TRUE(job.set_windows(200, 1000).ok());  // test bars at 100 and 150
  ASSERT_EQ(job.trial_count, 12u);
  const uint64_t g0 = job.tpe->generation_begin(1);
  ASSERT_EQ(g0, 2u) << "the startup trials";
  // Both windows' first generations, window 0's first; no history yet: the same points.
  const std::vector<PendingTrial> first = take_all(job);
  ASSERT_EQ(first.size(), 2 * g0);
  for (uint64_t i = 0; i < g0; ++i) {
    EXPECT_EQ(first[i].index, i);
    EXPECT_EQ(first[g0 + i].index, 6 + i);
    EXPECT_EQ(first[g0 + i].params, first[i].params);
  }
  EXPECT_TRUE(job.suggested(7));
  EXPECT_FALSE(job.suggested(8));
  EXPECT_FALSE(job.suggested(2));

  // Window 1's results begin its second generation, and only its own.
  for (uint64_t i = 0; i < g0; ++i) ASSERT_TRUE(job.observe(6 + i, value_of(first[g0 + i])).ok());
  const std::vector<PendingTrial> second1 = take_all(job);
  ASSERT_EQ(second1.size(), 2u);
  EXPECT_EQ(second1[0].index, 8u);
  EXPECT_EQ(second1[1].index, 9u);
  EXPECT_FALSE(job.suggested(2)) << "window 0 has observed nothing";
  EXPECT_EQ(job.next_trial_position(), 6u);

  // What the same search alone (one optimization, as `sweep optimize` runs each window) suggests
  // from the same results; window 0 given other results goes its own way.
  JobSpec alone_spec;
  alone_spec.method = spec.method;
  LiveJob alone = windowed_job(30, alone_spec);
  const std::vector<PendingTrial> alone0 = take_all(alone);
  ASSERT_EQ(alone0.size(), g0);
  for (uint64_t i = 0; i < g0; ++i) {
    EXPECT_EQ(alone0[i].params, first[i].params);
    ASSERT_TRUE(alone.observe(i, value_of(alone0[i])).ok());
  }
  const std::vector<PendingTrial> alone1 = take_all(alone);
  ASSERT_EQ(alone1.size(), 2u);
  EXPECT_EQ(second1[0].params, alone1[0].params);
  EXPECT_EQ(second1[1].params, alone1[1].params);
  for (uint64_t i = 0; i < g0; ++i) ASSERT_TRUE(job.observe(i, -value_of(first[i])).ok());
  const std::vector<PendingTrial> second0 = take_all(job);
  ASSERT_EQ(second0.size(), 2u);
  EXPECT_EQ(second0[0].index, 2u);
  EXPECT_NE(second0[0].params, alone1[0].params) << "window 0 ranks the points the other way";
  EXPECT_TRUE(job.observe(0, 1.0).ok()) << "a trial observed twice is ignored";
  EXPECT_TRUE(take_all(job).empty());
}

TEST(LiveJobWindows, AHoldoutIsOneWindowAndItsTopK) {
  JobSpec spec;
  spec.holdout_bars = 40;
  spec.top_k = 5;
  LiveJob job = windowed_job(3, spec);
  ASSERT_TRUE(job.set_windows(200, 1000).ok());
  EXPECT_EQ(job.trial_count, 3u);
  EXPECT_EQ(job.total, 6u) << "3 trials, then at most that many out-of-sample runs";
  EXPECT_EQ(*job.train_bars(2), (BarSpan{0, 160}));
}

TEST(LiveJobWindows, NoWindowOrTooManyTrialsIsTheSubmitsError) {
  JobSpec spec;
  spec.walk_forward = WalkForward{500, 50, false};
  LiveJob job = windowed_job(3, spec);
  Status s = job.set_windows(400, 1000);
  EXPECT_EQ(s.message(), "spec.walk_forward: no window fits in 400 bars");
  spec.walk_forward = WalkForward{100, 10, true};
  LiveJob big = windowed_job(30, spec);
  s = big.set_windows(400, 100);  // 30 windows of 30 trials
  EXPECT_EQ(s.code(), Code::kTooLarge);
  EXPECT_EQ(s.message(),
            "spec.walk_forward: 30 windows of 30 trials each, more than the limit of 100 trials "
            "(--max-trials)");
  LiveJob plain = grid_job(3);
  ASSERT_TRUE(plain.set_windows(10, 1000).ok());
  EXPECT_TRUE(plain.windows.empty());
  EXPECT_FALSE(plain.train_bars(0));
}

}  // namespace
}  // namespace sweep::broker
