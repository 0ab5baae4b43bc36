// The scheduler without sockets: batch sizing, credit, fairness, leases and their deadlines
// (trial timeouts) on a FakeClock.
#include "scheduler.hpp"

#include <gtest/gtest.h>

#include "sweep/base/limits.hpp"

namespace sweep::broker {
namespace {

using namespace std::chrono_literals;

// An optimization of `trials` trials waiting (as a resume's retry queue holds them).
LiveJob& add_job(JobTable& jobs, const std::string& id, size_t trials,
                 const std::string& strategy = "sma_cross", double timeout_s = 10) {
  JobSpec spec{JobKind::kOptimization};
  spec.strategy = strategy;
  spec.trial_timeout_s = timeout_s;
  LiveJob& job = jobs.add(std::make_unique<LiveJob>(id, spec, std::nullopt, Objective{}));
  job.trial_count = job.total = trials;
  for (uint64_t i = 0; i < trials; ++i) job.retry.push_back({i, 1, {}});
  return job;
}

WorkerSession& add_worker(WorkerRegistry& workers, const std::string& id, uint32_t slots,
                          uint32_t credit, SteadyTime now) {
  protocol::Hello h;
  h.worker = id + "-name";
  h.slots = slots;
  WorkerSession& s = workers.welcome(id, h, now);
  WorkerRegistry::grant(s, credit);
  return s;
}

struct SchedulerTest : ::testing::Test {
  FakeClock clock;
  JobTable jobs;
  LeaseTable leases;
  WorkerRegistry workers{1000, 3};
  Scheduler scheduler;

  std::optional<Assignment> next(WorkerSession& s) {
    return scheduler.next_batch(s, jobs, leases, clock.steady(), clock.wall_ms());
  }
};

TEST(BatchSizing, TrialsPerSlotHoldAbout50Ms) {
  EXPECT_EQ(trials_per_slot(0), 1u) << "unknown duration";
  EXPECT_EQ(trials_per_slot(100), 1u) << "longer than a batch";
  EXPECT_EQ(trials_per_slot(50), 1u);
  EXPECT_EQ(trials_per_slot(0.5), 100u);
  EXPECT_EQ(trials_per_slot(1e-6), kMaxBatchTrials);
}

TEST(BatchSizing, LongTrialsGoOnePerSlotWithNothingWaiting) {
  const BatchLimits l = batch_limits(/*slots=*/4, /*per_slot=*/1);
  EXPECT_EQ(l.target, 4u);
  EXPECT_EQ(l.outstanding, 4u);
  EXPECT_EQ(batch_size(l, 0, 100), 4u);
  EXPECT_EQ(batch_size(l, 3, 100), 1u);
  EXPECT_EQ(batch_size(l, 4, 100), 0u);
}

TEST(BatchSizing, ShortTrialsGoInTwoBatchesOfTensOfMsPerSlot) {
  const BatchLimits l = batch_limits(/*slots=*/4, /*per_slot=*/100);
  EXPECT_EQ(l.target, 400u);
  EXPECT_EQ(l.outstanding, 800u);
  EXPECT_EQ(batch_size(l, 0, 10'000), 400u);
  EXPECT_EQ(batch_size(l, 500, 10'000), 300u);
  EXPECT_EQ(batch_size(l, 0, 150), 150u) << "never more than the credit";
  EXPECT_EQ(batch_limits(1000, 1000).target, kMaxBatchTrials);
}

TEST_F(SchedulerTest, ABatchIsLeasedAndSpendsCredit) {
  add_job(jobs, "j1", 10);
  WorkerSession& w = add_worker(workers, "w1", 2, 10, clock.steady());
  auto a = next(w);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->job->id, "j1");
  ASSERT_EQ(a->trials.size(), 2u) << "duration unknown: one trial per slot";
  EXPECT_EQ(a->trials[0].index, 0u);
  EXPECT_EQ(w.credit, 8u);
  EXPECT_EQ(leases.count_for_worker("w1"), 2u);
  const Lease* l = leases.find("j1", 1);
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->worker_name, "w1-name");
  EXPECT_EQ(l->started_at_ms, clock.wall_ms());
  EXPECT_FALSE(next(w)) << "both slots busy, nothing may wait";
}

TEST_F(SchedulerTest, ShortTrialsFillTwoBatches) {
  LiveJob& job = add_job(jobs, "j1", 1000);
  job.observe_duration(1.0);  // 50 trials per slot
  WorkerSession& w = add_worker(workers, "w1", 2, 1000, clock.steady());
  auto a = next(w);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->trials.size(), 100u);
  auto b = next(w);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->trials.size(), 100u);
  EXPECT_FALSE(next(w));
  EXPECT_EQ(w.credit, 800u);
}

TEST_F(SchedulerTest, JobsTakeTurns) {
  add_job(jobs, "j1", 10);
  add_job(jobs, "j2", 10);
  WorkerSession& w1 = add_worker(workers, "w1", 1, 10, clock.steady());
  WorkerSession& w2 = add_worker(workers, "w2", 1, 10, clock.steady());
  WorkerSession& w3 = add_worker(workers, "w3", 1, 10, clock.steady());
  EXPECT_EQ(next(w1)->job->id, "j1");
  EXPECT_EQ(next(w2)->job->id, "j2");
  EXPECT_EQ(next(w3)->job->id, "j1");
}

TEST_F(SchedulerTest, AWorkerGetsOnlyStrategiesItRuns) {
  add_job(jobs, "j1", 1, "rsi_reversion");
  WorkerSession& w = add_worker(workers, "w1", 1, 10, clock.steady());
  w.hello.strategies = {"sma_cross"};
  EXPECT_FALSE(next(w));
  w.hello.strategies.push_back("rsi_reversion");
  EXPECT_TRUE(next(w));
}

TEST_F(SchedulerTest, NothingFromACancellingJob) {
  LiveJob& job = add_job(jobs, "j1", 10);
  ASSERT_TRUE(JobTable::transition(job, JobState::kCancelling).ok());
  WorkerSession& w = add_worker(workers, "w1", 1, 10, clock.steady());
  EXPECT_FALSE(next(w));
}

TEST_F(SchedulerTest, TheCreditBoundsTheBatch) {
  LiveJob& job = add_job(jobs, "j1", 1000);
  job.observe_duration(0.01);
  WorkerSession& w = add_worker(workers, "w1", 4, 3, clock.steady());
  auto a = next(w);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->trials.size(), 3u);
  EXPECT_EQ(w.credit, 0u);
  EXPECT_FALSE(w.takes_trials());
}

TEST_F(SchedulerTest, ATrialTimesOutAfterItsTimeoutPlusTheSlack) {
  add_job(jobs, "j1", 1, "sma_cross", /*timeout_s=*/10);
  WorkerSession& w = add_worker(workers, "w1", 1, 10, clock.steady());
  ASSERT_TRUE(next(w));
  clock.advance(10s + kLeaseSlack - 1ms);
  EXPECT_TRUE(leases.release_expired(clock.steady()).empty());
  clock.advance(1ms);
  auto expired = leases.release_expired(clock.steady());
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].job, "j1");
  EXPECT_EQ(expired[0].worker, "w1");
}

TEST_F(SchedulerTest, TrialsQueuedBehindOthersOnASlotGetLongerDeadlines) {
  LiveJob& job = add_job(jobs, "j1", 100, "sma_cross", /*timeout_s=*/1);
  job.observe_duration(5.0);  // 10 per slot
  WorkerSession& w = add_worker(workers, "w1", 1, 100, clock.steady());
  auto a = next(w);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->trials.size(), 10u);
  const SteadyTime t0 = clock.steady();
  EXPECT_EQ(leases.find("j1", 0)->deadline, t0 + 1s + kLeaseSlack);
  EXPECT_EQ(leases.find("j1", 9)->deadline, t0 + 10s + kLeaseSlack) << "nine ahead of it";
  clock.advance(6s + kLeaseSlack);
  EXPECT_EQ(leases.release_expired(clock.steady()).size(), 6u);
}

}  // namespace
}  // namespace sweep::broker
