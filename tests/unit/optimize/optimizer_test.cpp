// The in-process optimizer: every trial once, the same results whatever the thread count,
// failures recorded with their message, cancellation, the heatmap, stop on target, and the
// robustness statistics (OptimizeOptions::return_blocks: opt-in, from every completed trial and
// no other, the same on any thread count).
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "sweep/data/csv_loader.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/optimizer.hpp"

namespace sweep {
namespace {

const StrategyRegistry& registry() {
  static const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  return reg;
}

const MarketData& goog() {
  static const auto md = MarketData::Build(std::make_shared<const TimeSeries>(
      load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv").value()));
  return *md;
}

JobSpec spec(const std::string& json) {
  Result<JobSpec> s = parse_job_spec_text(json, JobKind::kOptimization);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  const StrategyInfo* info = registry().find(s->strategy);
  return conform_to_schema(*s, info->params).value();
}

Result<OptimizationResult> run(const JobSpec& s, unsigned threads,
                               const std::atomic<bool>* cancel = nullptr, int return_blocks = 0) {
  OptimizeOptions opt;
  opt.threads = threads;
  opt.cancel = cancel;
  opt.return_blocks = return_blocks;
  opt.stop_value = s.stop_value;
  return optimize(goog(), *registry().find(s.strategy), make_trial_plan(s).value(),
                  {s.cash, s.commission}, s.objective, static_cast<size_t>(s.top_k), opt);
}

constexpr const char* kGrid = R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
  "space": {"fast": {"start": 5, "stop": 30, "step": 5}, "slow": [20, 40, 60, 80]},
  "constraint": "fast < slow", "top_k": 5})";

TEST(Optimizer, EveryTrialOnceAndIdenticalAcrossThreadCounts) {
  JobSpec s = spec(kGrid);
  Result<OptimizationResult> one = run(s, 1), two = run(s, 2);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->total, 21u);  // 6 x 4 minus (20,20), (25,20), (30,20)
  EXPECT_EQ(one->completed, 21u);
  ASSERT_EQ(one->trials.size(), two->trials.size());
  for (size_t i = 0; i < one->trials.size(); ++i) {
    EXPECT_EQ(one->trials[i].index, i);
    EXPECT_EQ(one->trials[i].params, two->trials[i].params);
    EXPECT_TRUE(one->trials[i].metrics == two->trials[i].metrics) << "trial " << i;
  }
  ASSERT_EQ(one->top.size(), 5u);
  for (size_t k = 0; k < 5; ++k) EXPECT_EQ(one->top[k].record.index, two->top[k].record.index);
}

TEST(Optimizer, BestTrialEqualsAPlainBacktestAndTopIsSorted) {
  JobSpec s = spec(kGrid);
  Result<OptimizationResult> r = run(s, 2);
  ASSERT_TRUE(r.ok());
  for (size_t k = 1; k < r->top.size(); ++k)
    EXPECT_GE(r->top[k - 1].record.metrics[Metric::kSharpe],
              r->top[k].record.metrics[Metric::kSharpe]);
  const auto& best = r->top.front();
  TrialOutcome again = run_trial(goog(), *registry().find("sma_cross"), best.record.params, {});
  EXPECT_TRUE(again.metrics == best.record.metrics);
  EXPECT_TRUE(best.outcome.metrics == best.record.metrics);
  EXPECT_EQ(best.outcome.equity.size(), goog().size());
  for (const TrialRecord& t : r->trials)
    EXPECT_LE(t.metrics[Metric::kSharpe], best.record.metrics[Metric::kSharpe]);
}

TEST(Optimizer, RejectedParameterSetsAreRecordedAsFailedAndTheJobGoesOn) {
  // Without the constraint, fast >= slow reaches sma_cross, which refuses it.
  JobSpec s = spec(R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
    "space": {"fast": [10, 30, 50], "slow": [20, 40]}})");
  Result<OptimizationResult> r = run(s, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->total, 6u);
  EXPECT_EQ(r->failed, 3u);  // (30,20) (50,20) (50,40)
  EXPECT_EQ(r->completed, 3u);
  for (const TrialRecord& t : r->trials) {
    if (t.status != TrialState::kFailed) continue;
    EXPECT_NE(t.error_message.find("must be < slow"), std::string::npos) << t.error_message;
    EXPECT_TRUE(t.metrics == Metrics::Zero());
  }
}

TEST(Optimizer, CancelStopsDispatchingAndKeepsFinishedTrials) {
  JobSpec s = spec(R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
    "space": {"fast": {"start": 2, "stop": 60, "step": 1}, "slow": {"start": 61, "stop": 200,
    "step": 1}}})");
  std::atomic<bool> cancel{false};
  OptimizeOptions opt;
  opt.threads = 2;
  opt.cancel = &cancel;
  opt.progress_interval_ms = 1;
  opt.on_progress = [&](const OptimizationProgress& p) {
    if (p.completed >= 50) cancel.store(true);
  };
  Result<OptimizationResult> r = optimize(goog(), *registry().find("sma_cross"),
                                          make_trial_plan(s).value(), {}, s.objective, 3, opt);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_GE(r->completed, 50u);
  EXPECT_LT(r->completed, r->total);
  EXPECT_EQ(r->trials.size(), r->completed + r->failed);
}

TEST(Optimizer, HeatmapOverTwoVaryingAxes) {
  JobSpec s = spec(kGrid);
  Result<OptimizationResult> r = run(s, 1);
  ASSERT_TRUE(r.ok() && r->heatmap);
  const Heatmap& h = *r->heatmap;
  EXPECT_EQ(h.x, "fast");
  EXPECT_EQ(h.y, "slow");
  ASSERT_EQ(h.xs.size(), 6u);
  ASSERT_EQ(h.ys.size(), 4u);
  // fast=30 >= slow=20 was never run: that cell is undefined.
  EXPECT_TRUE(std::isnan(h.z[0][5]));
  EXPECT_EQ(h.z[1][0], r->trials[1].metrics[Metric::kSharpe]);  // fast=5, slow=40
}

// Stop on target, checked against the full run: the trials are exactly its trials up to the
// first (by index) whose value reaches the target, on any thread count, and the best is that one.
void expect_stops_at_first_reaching(JobSpec s, size_t reference_trial) {
  const OptimizationResult full = run(s, 2).value();
  ASSERT_LT(reference_trial, full.trials.size());
  const double target = s.objective.value(full.trials[reference_trial].metrics);
  ASSERT_FALSE(std::isnan(target));
  size_t first = 0;
  while (!(full.trials[first].status == TrialState::kCompleted &&
           s.objective.value(full.trials[first].metrics) >= target))
    ++first;
  s.stop_value = target;
  for (unsigned threads : {1u, 3u}) {
    const OptimizationResult r = run(s, threads).value();
    ASSERT_TRUE(r.stopped_at) << threads << " threads";
    EXPECT_EQ(*r.stopped_at, first);
    EXPECT_FALSE(r.cancelled);
    EXPECT_EQ(r.total, full.total);
    ASSERT_EQ(r.trials.size(), first + 1) << threads << " threads";
    EXPECT_EQ(r.completed + r.failed, first + 1);
    for (size_t i = 0; i <= first; ++i) {
      EXPECT_EQ(r.trials[i].index, i);
      EXPECT_EQ(r.trials[i].params, full.trials[i].params) << "trial " << i;
      EXPECT_TRUE(r.trials[i].metrics == full.trials[i].metrics) << "trial " << i;
    }
    ASSERT_FALSE(r.top.empty());
    EXPECT_EQ(r.top.front().record.index, first);  // it reached the target first: none beat it
    for (const auto& t : r.top) EXPECT_LE(t.record.index, first);
  }
}

TEST(Optimizer, StopOnTargetEndsWithTheFirstTrialReachingIt) {
  JobSpec s = spec(R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
    "space": {"fast": {"start": 2, "stop": 40, "step": 1}, "slow": {"start": 41, "stop": 120,
    "step": 1}}, "top_k": 5})");
  // The grid's best is deep in it (3,120 trials), so that trials after it run alongside.
  const OptimizationResult full = run(s, 2).value();
  expect_stops_at_first_reaching(s, full.top.front().record.index);
}

TEST(Optimizer, StopOnTargetUnreachedRunsEveryTrial) {
  JobSpec s = spec(kGrid);
  s.stop_value = 1e9;
  const OptimizationResult r = run(s, 2).value();
  EXPECT_FALSE(r.stopped_at);
  EXPECT_EQ(r.trials.size(), r.total);
}

}  // namespace
}  // namespace sweep

namespace sweep {
namespace {

constexpr const char* kTpe = R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
  "space": {"fast": {"start": 5, "stop": 40, "step": 1}, "slow": {"start": 20, "stop": 120,
  "step": 5}}, "constraint": "fast < slow", "top_k": 3,
  "method": {"tpe": {"n": 40, "seed": 2, "startup": 8, "batch": 5}}})";

TEST(OptimizerTpe, SameTrialsAndResultsOnAnyThreadCountAndNoRepeats) {
  JobSpec s = spec(kTpe);
  Result<OptimizationResult> one = run(s, 1), three = run(s, 3);
  ASSERT_TRUE(one.ok() && three.ok()) << one.status().ToString();
  EXPECT_EQ(one->total, 40u);
  ASSERT_EQ(one->trials.size(), 40u);
  ASSERT_EQ(three->trials.size(), 40u);
  std::set<std::pair<int64_t, int64_t>> seen;
  for (size_t i = 0; i < 40; ++i) {
    const TrialRecord &a = one->trials[i], &b = three->trials[i];
    EXPECT_EQ(a.index, i);
    EXPECT_EQ(a.params, b.params) << "trial " << i;
    EXPECT_TRUE(a.metrics == b.metrics) << "trial " << i;
    const int64_t fast = std::get<int64_t>(*a.params.find("fast"));
    const int64_t slow = std::get<int64_t>(*a.params.find("slow"));
    EXPECT_LT(fast, slow);
    EXPECT_TRUE(seen.insert({fast, slow}).second) << "trial " << i << " repeats a point";
  }
  ASSERT_EQ(one->top.size(), 3u);
  EXPECT_EQ(one->top[0].record.index, three->top[0].record.index);
}

TEST(OptimizerTpe, StopOnTargetKeepsTheSuggestionsUpToTheStop) {
  // Trial 27 is in the fifth generation (8 startup, then 5 a generation): the stop lands
  // mid-search.
  expect_stops_at_first_reaching(spec(kTpe), 27);
}

// No constraint: the trials with fast >= slow fail (sma_cross rejects them).
constexpr const char* kRobustSpec = R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
    "space": {"fast": {"start": 5, "stop": 50, "step": 5}, "slow": [20, 40, 60]}})";

// The robustness tests' runs: `text` (kRobustSpec by default) with `blocks` return blocks.
Result<OptimizationResult> run_blocks(unsigned threads, int blocks,
                                      const char* text = kRobustSpec) {
  return run(spec(text), threads, nullptr, blocks);
}

TEST(OptimizerRobustness, OffByDefault) {
  const OptimizationResult r = run_blocks(2, 0).value();
  EXPECT_GT(r.completed, 0u);
  EXPECT_FALSE(r.robustness);
  for (const TrialRecord& t : r.trials) EXPECT_FALSE(t.return_stats) << t.index;
}

TEST(OptimizerRobustness, FromEveryCompletedTrialAndTheSameOnAnyThreadCount) {
  const OptimizationResult one = run_blocks(1, kDefaultReturnBlocks).value();
  const OptimizationResult two = run_blocks(2, kDefaultReturnBlocks).value();
  ASSERT_GT(one.failed, 0u);
  ASSERT_GT(one.completed, 2u);
  for (const TrialRecord& t : one.trials)
    EXPECT_EQ(t.return_stats.has_value(), t.status == TrialState::kCompleted) << t.index;
  ASSERT_TRUE(one.robustness && two.robustness);
  EXPECT_EQ(*one.robustness, *two.robustness);
  EXPECT_EQ(one.robustness->n_trials, one.completed);  // every sma_cross trial here trades
  EXPECT_EQ(one.robustness->pbo_trials, one.completed);
  EXPECT_EQ(one.robustness->pbo_blocks, kDefaultReturnBlocks);
  ASSERT_TRUE(one.robustness->best_sr);

  // The metrics are those of a run without statistics, and so is the best trial.
  const OptimizationResult off = run_blocks(2, 0).value();
  ASSERT_EQ(off.trials.size(), one.trials.size());
  for (size_t i = 0; i < off.trials.size(); ++i)
    EXPECT_TRUE(off.trials[i].metrics == one.trials[i].metrics) << i;
  EXPECT_EQ(off.top.front().record.index, one.top.front().record.index);
  // best_sr is the sr of that trial.
  const TrialRecord& best = one.trials[one.top.front().record.index];
  ASSERT_TRUE(best.return_stats);
  EXPECT_EQ(*one.robustness->best_sr, *sharpe_of(*best.return_stats));
}

TEST(OptimizerRobustness, NoneWithoutACompletedTrialAndABadBlockCountIsAnError) {
  const OptimizationResult none =
      run_blocks(1, kDefaultReturnBlocks,
                 R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
          "space": {"fast": [60, 70], "slow": [20, 40]}})")
          .value();
  EXPECT_EQ(none.completed, 0u);
  EXPECT_FALSE(none.robustness);
  const Result<OptimizationResult> bad = run_blocks(1, kMaxReturnBlocks + 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("return_blocks"), std::string::npos);
}

}  // namespace
}  // namespace sweep
