// The engine's opt-in ReturnStats (EngineOptions::return_blocks), computed inside the metrics'
// pass over the daily returns: bit for bit what the library computes from the equity curve on its
// own (return_stats(daily_returns(...))), and leaving every metric as it was.
#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <cstdint>

#include "sweep/data/csv_loader.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/engine/trial_runner.hpp"

namespace sweep {
namespace {

std::shared_ptr<const MarketData> csv(const std::string& name) {
  Result<TimeSeries> ts = load_csv(std::string(SWEEP_DATA_DIR) + "/" + name);
  EXPECT_TRUE(ts.ok()) << ts.status().ToString();
  return MarketData::Build(std::make_shared<const TimeSeries>(std::move(ts).value()));
}

const StrategyRegistry& registry() {
  static const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  return reg;
}

// Bitwise, so that -0 against 0 or a last-ulp difference fails too.
void expect_same_bits(const ReturnStats& got, const ReturnStats& want, const std::string& what) {
  auto bits = [](double x) { return std::bit_cast<uint64_t>(x); };
  EXPECT_EQ(got.days, want.days) << what;
  EXPECT_EQ(bits(got.mean), bits(want.mean)) << what;
  EXPECT_EQ(bits(got.m2), bits(want.m2)) << what;
  EXPECT_EQ(bits(got.m3), bits(want.m3)) << what;
  EXPECT_EQ(bits(got.m4), bits(want.m4)) << what;
  ASSERT_EQ(got.blocks.size(), want.blocks.size()) << what;
  for (size_t b = 0; b < got.blocks.size(); ++b) {
    EXPECT_EQ(got.blocks[b].count, want.blocks[b].count) << what << " block " << b;
    EXPECT_EQ(bits(got.blocks[b].sum), bits(want.blocks[b].sum)) << what << " block " << b;
    EXPECT_EQ(bits(got.blocks[b].sum_sq), bits(want.blocks[b].sum_sq)) << what << " block " << b;
  }
}

// Every built-in strategy with its default parameters, over daily (GOOG), hourly (EURUSD) and
// minute (synthetic) bars, with the smallest, the default and the largest block count.
TEST(ReturnStatsFold, EqualsTheLibraryOnTheEquityCurveAndLeavesTheMetrics) {
  const std::pair<std::string, std::shared_ptr<const MarketData>> datasets[] = {
      {"GOOG", csv("GOOG.csv")},
      {"EURUSD", csv("EURUSD.csv")},
      {"synthetic",
       MarketData::Build(std::make_shared<const TimeSeries>(make_synthetic(200'000, 3)))}};
  for (const auto& [data_name, md] : datasets) {
    for (const StrategyInfo& info : registry().all()) {
      const Result<ParamSet> params = validate_params(info.params, {});
      ASSERT_TRUE(params.ok()) << info.name;
      const auto strategy = info.create();
      Result<BacktestResult> off = run_backtest(*md, *strategy, *params, EngineOptions{});
      ASSERT_TRUE(off.ok()) << info.name << ": " << off.status().ToString();
      EXPECT_FALSE(off->return_stats);
      for (int blocks : {kMinReturnBlocks, kDefaultReturnBlocks, kMaxReturnBlocks}) {
        const std::string what = data_name + " " + info.name + " S=" + std::to_string(blocks);
        EngineOptions opt;
        opt.return_blocks = blocks;
        Result<BacktestResult> on = run_backtest(*md, *strategy, *params, opt);
        ASSERT_TRUE(on.ok()) << what;
        EXPECT_TRUE(on->metrics == off->metrics) << what;  // bitwise, NaN equal to NaN
        EXPECT_EQ(on->equity, off->equity) << what;
        ASSERT_TRUE(on->return_stats) << what;
        const ReturnStats want = return_stats(daily_returns(*md, on->equity), blocks);
        ASSERT_GT(want.days, 100u) << what;  // a real series, not an empty one
        expect_same_bits(*on->return_stats, want, what);
      }
    }
  }
}

TEST(ReturnStatsFold, OnlyCompletedTrialsThatAskCarryStats) {
  auto md = csv("GOOG.csv");
  const StrategyInfo& sma = *registry().find("sma_cross");
  ParamSet p;
  p.set("fast", int64_t{10});
  p.set("slow", int64_t{30});
  EXPECT_FALSE(run_trial(*md, sma, p, EngineOptions{}).return_stats);

  EngineOptions opt;
  opt.return_blocks = kDefaultReturnBlocks;
  const TrialOutcome done = run_trial(*md, sma, p, opt);
  ASSERT_EQ(done.status, TrialState::kCompleted);
  ASSERT_TRUE(done.return_stats);
  expect_same_bits(*done.return_stats,
                   return_stats(daily_returns(*md, done.equity), kDefaultReturnBlocks), "trial");

  ParamSet bad = p;
  bad.set("fast", int64_t{40});  // fast must be < slow
  const TrialOutcome failed = run_trial(*md, sma, bad, opt);
  EXPECT_EQ(failed.status, TrialState::kFailed);
  EXPECT_FALSE(failed.return_stats);

  std::atomic<bool> cancel{true};
  RunHooks hooks;
  hooks.cancel = &cancel;
  hooks.chunk = 100;
  const TrialOutcome cancelled = run_trial(*md, sma, p, opt, hooks);
  EXPECT_EQ(cancelled.status, TrialState::kCancelled);
  EXPECT_FALSE(cancelled.return_stats);
}

TEST(ReturnStatsFold, RejectsABlockCountOutOfRange) {
  auto md = csv("GOOG.csv");
  const StrategyInfo& sma = *registry().find("sma_cross");
  for (int blocks : {-1, kMaxReturnBlocks + 1}) {
    EngineOptions opt;
    opt.return_blocks = blocks;
    const TrialOutcome t = run_trial(*md, sma, {}, opt);
    EXPECT_EQ(t.status, TrialState::kFailed) << blocks;
    EXPECT_NE(t.error_message.find("return_blocks"), std::string::npos) << t.error_message;
  }
}

}  // namespace
}  // namespace sweep
