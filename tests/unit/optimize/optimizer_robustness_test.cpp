// The in-process optimizer's robustness statistics (OptimizeOptions::return_blocks): opt-in, from
// every completed trial and no other, the same on any thread count.
#include <gtest/gtest.h>

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

// No constraint: the trials with fast >= slow fail (sma_cross rejects them).
const char* kSpec = R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
    "space": {"fast": {"start": 5, "stop": 50, "step": 5}, "slow": [20, 40, 60]}})";

Result<OptimizationResult> run(unsigned threads, int blocks, const char* text = kSpec) {
  JobSpec s = parse_job_spec_text(text, JobKind::kOptimization).value();
  const StrategyInfo& info = *registry().find(s.strategy);
  s = conform_to_schema(s, info.params).value();
  OptimizeOptions opt;
  opt.threads = threads;
  opt.return_blocks = blocks;
  return optimize(goog(), info, make_trial_plan(s).value(), {s.cash, s.commission}, s.objective, 3,
                  opt);
}

TEST(OptimizerRobustness, OffByDefault) {
  const OptimizationResult r = run(2, 0).value();
  EXPECT_GT(r.completed, 0u);
  EXPECT_FALSE(r.robustness);
  for (const TrialRecord& t : r.trials) EXPECT_FALSE(t.return_stats) << t.index;
}

TEST(OptimizerRobustness, FromEveryCompletedTrialAndTheSameOnAnyThreadCount) {
  const OptimizationResult one = run(1, kDefaultReturnBlocks).value();
  const OptimizationResult two = run(2, kDefaultReturnBlocks).value();
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
  const OptimizationResult off = run(2, 0).value();
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
      run(1, kDefaultReturnBlocks, R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
          "space": {"fast": [60, 70], "slow": [20, 40]}})")
          .value();
  EXPECT_EQ(none.completed, 0u);
  EXPECT_FALSE(none.robustness);
  const Result<OptimizationResult> bad = run(1, kMaxReturnBlocks + 1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("return_blocks"), std::string::npos);
}

}  // namespace
}  // namespace sweep
