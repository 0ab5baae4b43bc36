// End-to-end: method tpe on real sweep-broker and sweep-worker processes gives the in-process
// optimizer's trials bit for bit, on one worker and on two, after a broker SIGKILL mid-run (the
// search state is rebuilt from the recorded trials) and after a worker SIGKILL; cancel stops it.
// Stop on target (any method) gives the in-process trials too, through a broker SIGKILL. Waits
// are conditions with deadlines.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>

#include "cluster.hpp"
#include "e2e_helpers.hpp"
#include "sweep/client.hpp"
#include "sweep/data/csv_loader.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/optimizer.hpp"
#include "wait.hpp"

namespace sweep {
namespace {

using namespace std::chrono_literals;
using e2e::all_trials;
using sweep::testing::wait_until;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

nlohmann::json tpe_spec(nlohmann::json dataset, int n, int startup, int batch) {
  return {{"dataset", std::move(dataset)},
          {"strategy", "sma_cross"},
          {"space",
           {{"fast", {{"start", 5}, {"stop", 40}, {"step", 1}}},
            {"slow", {{"start", 20}, {"stop", 120}, {"step", 5}}}}},
          {"constraint", "fast < slow"},
          {"commission", 0.0002},
          {"method", {{"tpe", {{"n", n}, {"seed", 4}, {"startup", startup}, {"batch", batch}}}}}};
}

OptimizationResult reference(const nlohmann::json& text, TimeSeries series) {
  return e2e::optimize_in_process(text, std::move(series));
}

void expect_same_trials(const OptimizationResult& ref,
                        const std::vector<protocol::TrialRecord>& got) {
  ASSERT_EQ(got.size(), ref.trials.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].index, ref.trials[i].index);
    EXPECT_EQ(got[i].params, ref.trials[i].params) << "trial " << i;
    EXPECT_EQ(got[i].status, ref.trials[i].status) << "trial " << i;
    EXPECT_TRUE(got[i].metrics == ref.trials[i].metrics) << "trial " << i;
  }
}

using TpeE2E = e2e::ClusterTest;

TEST_F(TpeE2E, OneAndTwoWorkersGiveTheInProcessTrialsBitForBit) {
  const nlohmann::json spec = tpe_spec({{"path", "GOOG.csv"}}, 40, 8, 5);
  auto t0 = Clock::now();
  const OptimizationResult ref =
      reference(spec, load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv").value());
  const double in_process_s = seconds_since(t0);
  ASSERT_EQ(ref.trials.size(), 40u);
  start(1);
  t0 = Clock::now();
  auto one = client_->submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->total, 40u);
  const auto final_one = wait_terminal(one->id, 60s);
  const double one_s = seconds_since(t0);
  EXPECT_EQ(final_one.status, JobState::kCompleted);
  expect_same_trials(ref, all_trials(*client_, one->id));

  cluster_.add_worker(1);
  wait_workers(2);
  t0 = Clock::now();
  auto two = client_->submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  const auto final_two = wait_terminal(two->id, 60s);
  std::printf(
      "[ figure ] tpe, 40 GOOG trials in 8 generations: in process (2 threads) %.3f s, "
      "1 worker %.3f s, 2 workers %.3f s (submit to terminal, status polled)\n",
      in_process_s, one_s, seconds_since(t0));
  EXPECT_EQ(final_two.status, JobState::kCompleted);
  EXPECT_EQ(final_two.completed, 40u);
  expect_same_trials(ref, all_trials(*client_, two->id));
  ASSERT_TRUE(final_two.result.contains("best"));
  EXPECT_EQ(final_two.result["best"]["index"], final_one.result["best"]["index"]);
}

TEST_F(TpeE2E, BrokerKilledMidSearchResumesWithTheSameSuggestions) {
  // Trials of ~8 ms (400,000 bars), so that the kill lands mid-search.
  const nlohmann::json spec = tpe_spec({{"synthetic", {{"bars", 400000}, {"seed", 5}}}}, 60, 6, 3);
  const OptimizationResult ref = reference(spec, make_synthetic(400000, 5));
  start(2);
  auto acc = client_->submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  uint64_t at_kill = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client_->status(acc->id);
        if (st.ok()) at_kill = st->completed;
        return st.ok() && st->completed >= 10;
      },
      30s));
  cluster_.kill_broker(SIGKILL);
  EXPECT_LT(at_kill, 50u) << "the kill should land mid-search";
  cluster_.start_broker();
  const auto final = wait_terminal(acc->id, 60s);
  EXPECT_EQ(final.status, JobState::kCompleted);
  EXPECT_EQ(final.completed, 60u);
  EXPECT_EQ(final.failed, 0u);
  expect_same_trials(ref, all_trials(*client_, acc->id));
}

TEST_F(TpeE2E, AWorkerKilledMidSearchChangesNoSuggestionNorResult) {
  const nlohmann::json spec = tpe_spec({{"synthetic", {{"bars", 400000}, {"seed", 5}}}}, 40, 6, 4);
  const OptimizationResult ref = reference(spec, make_synthetic(400000, 5));
  start(2);
  auto acc = client_->submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  uint64_t at_kill = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client_->status(acc->id);
        if (st.ok()) at_kill = st->completed;
        return st.ok() && st->completed >= 8;
      },
      30s));
  cluster_.workers()[0]->signal(SIGKILL);  // its leased trials go back to the queue when missed
  const auto final = wait_terminal(acc->id, 60s);
  EXPECT_LT(at_kill, 36u) << "the kill should land mid-search";
  EXPECT_EQ(final.status, JobState::kCompleted);
  EXPECT_EQ(final.completed, 40u);
  EXPECT_EQ(final.failed, 0u);
  expect_same_trials(ref, all_trials(*client_, acc->id));
}

TEST_F(TpeE2E, CancelMidSearchEndsTheJobAndSuggestsNoMore) {
  const nlohmann::json spec = tpe_spec({{"synthetic", {{"bars", 400000}, {"seed", 5}}}}, 200, 4, 2);
  start(1);
  auto acc = client_->submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client_->status(acc->id);
        return st.ok() && st->completed >= 6;
      },
      30s));
  ASSERT_TRUE(client_->cancel(acc->id).ok());
  const auto final = wait_terminal(acc->id, 30s);
  EXPECT_EQ(final.status, JobState::kCancelled);
  EXPECT_LT(final.completed, 200u);
  EXPECT_EQ(all_trials(*client_, acc->id).size() < 200, true);
}

// Stop on target: the same fixture, any method.
using StopE2E = TpeE2E;

// The objective value of `ref`'s trial `index`, and the first trial (by index) reaching it.
std::pair<double, uint64_t> target_at(const OptimizationResult& ref, size_t index) {
  const double target = ref.trials.at(index).metrics[Metric::kSharpe];
  uint64_t first = 0;
  while (!(ref.trials[first].status == TrialState::kCompleted &&
           ref.trials[first].metrics[Metric::kSharpe] >= target))
    ++first;
  return {target, first};
}

void expect_stopped(const protocol::StatusReply& st, double target, uint64_t at) {
  EXPECT_EQ(st.status, JobState::kCompleted);
  EXPECT_EQ(st.completed + st.failed, at + 1) << "the trials up to the stop, no more";
  ASSERT_TRUE(st.result.contains("stopped"));
  EXPECT_EQ(st.result["stopped"], nlohmann::json({{"value", target}, {"trial", at}}));
  EXPECT_EQ(st.result["best"]["index"], at) << "it reached the target first: none beat it";
}

TEST_F(StopE2E, AGridStopsAtTheFirstTrialReachingTheTargetBitForBitAsInProcess) {
  nlohmann::json spec = {{"dataset", {{"path", "GOOG.csv"}}},
                         {"strategy", "sma_cross"},
                         {"space",
                          {{"fast", {{"start", 2}, {"stop", 40}, {"step", 1}}},
                           {"slow", {{"start", 41}, {"stop", 120}, {"step", 1}}}}},
                         {"top_k", 3}};
  const TimeSeries goog = load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv").value();
  const OptimizationResult full = reference(spec, goog);
  // The last trial before two thirds of the grid that beats every trial before it: the stop is
  // there, with trials after it for the workers to run alongside.
  size_t record = 0;
  for (size_t i = 1; i < full.trials.size() * 2 / 3; ++i)
    if (full.trials[i].metrics[Metric::kSharpe] > full.trials[record].metrics[Metric::kSharpe])
      record = i;
  const auto [target, at] = target_at(full, record);
  ASSERT_EQ(at, record);
  EXPECT_GT(at, 100u) << "GOOG's best sma_cross pairs are not among the first";
  spec["stop"] = {{"value", target}};
  const OptimizationResult ref = reference(spec, goog);
  ASSERT_TRUE(ref.stopped_at);
  ASSERT_EQ(*ref.stopped_at, at);
  cluster_.start_broker();
  cluster_.add_worker(2);
  cluster_.add_worker(2);
  client_ = std::make_unique<client::Client>(cluster_.endpoints().frontend);
  wait_workers(2);
  auto acc = client_->submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  EXPECT_EQ(acc->total, full.total);
  const auto final = wait_terminal(acc->id, 60s);
  // How many trials ran alongside the stop and were dropped (the broker logs it).
  const std::string log = cluster_.broker_stderr();
  const size_t line = log.find("stopped on target at trial");
  std::printf("[ figure ] %s\n", line == std::string::npos
                                     ? "(no stop logged)"
                                     : log.substr(line, log.find('\n', line) - line).c_str());
  expect_stopped(final, target, at);
  EXPECT_EQ(final.total, full.total);
  expect_same_trials(ref, all_trials(*client_, acc->id));
}

TEST_F(StopE2E, ATpeSearchStopsAsInProcessThroughABrokerKill) {
  nlohmann::json spec = tpe_spec({{"synthetic", {{"bars", 400000}, {"seed", 5}}}}, 60, 6, 3);
  const TimeSeries series = make_synthetic(400000, 5);
  const OptimizationResult full = reference(spec, series);
  // The search's best: the first trial reaching it is that one.
  const auto [target, at] = target_at(full, full.top.front().record.index);
  spec["stop"] = {{"value", target}};
  const OptimizationResult ref = reference(spec, series);
  ASSERT_TRUE(ref.stopped_at);
  ASSERT_EQ(ref.trials.size(), at + 1);
  start(2);
  auto acc = client_->submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client_->status(acc->id);
        return st.ok() &&
               (st->completed >= std::max<uint64_t>(1, at / 2) || is_terminal(st->status));
      },
      30s));
  cluster_.kill_broker(SIGKILL);
  cluster_.start_broker();
  const auto final = wait_terminal(acc->id, 60s);
  expect_stopped(final, target, at);
  expect_same_trials(ref, all_trials(*client_, acc->id));
}

}  // namespace
}  // namespace sweep
