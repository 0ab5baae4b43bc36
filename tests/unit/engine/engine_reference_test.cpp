// The published reference (shared/data/README.md): backtesting.py's own test suite asserts these
// statistics for sma_cross(10, 30, long_short) on GOOG.csv, cash 10,000, no commission.
#include <gtest/gtest.h>

#include <cmath>

#include "sweep/data/csv_loader.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace sweep {
namespace {

std::shared_ptr<const MarketData> load_goog() {
  Result<TimeSeries> ts = load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv");
  EXPECT_TRUE(ts.ok()) << ts.status().ToString();
  return MarketData::Build(std::make_shared<const TimeSeries>(std::move(ts).value()));
}

BacktestResult run_sma(const MarketData& md, int64_t fast, int64_t slow, const char* mode,
                       double commission = 0) {
  StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  const StrategyInfo* info = reg.find("sma_cross");
  EXPECT_NE(info, nullptr);
  ParamSet given;
  given.set("fast", fast);
  given.set("slow", slow);
  given.set("mode", std::string(mode));
  Result<ParamSet> params = validate_params(info->params, given);
  EXPECT_TRUE(params.ok()) << params.status().ToString();
  auto strategy = info->create();
  EngineOptions opt;
  opt.commission = commission;
  Result<BacktestResult> r = run_backtest(md, *strategy, *params, opt);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

void expect_rel(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, std::fabs(expected) * 1e-6) << what;
}

TEST(EngineReference, SmaCrossGoogMatchesBacktestingPy) {
  auto md = load_goog();
  BacktestResult r = run_sma(*md, 10, 30, "long_short");
  const Metrics& m = r.metrics;
  EXPECT_EQ(m[Metric::kTrades], 66);
  // Money to the cent.
  EXPECT_EQ(std::llround(m[Metric::kFinalEquity] * 100), 5142299);
  EXPECT_EQ(std::llround(m[Metric::kPeakEquity] * 100), 7578744);
  expect_rel(m[Metric::kReturnPct], 414.2298999999996, "return");
  expect_rel(m[Metric::kBuyHoldReturnPct], 522.0601851851852, "buy & hold");
  expect_rel(m[Metric::kExposurePct], 96.74115456238361, "exposure");
  expect_rel(m[Metric::kMaxDrawdownPct], -47.98012705007589, "max dd");
  expect_rel(m[Metric::kAvgDrawdownPct], -5.925851581948801, "avg dd");
  expect_rel(m[Metric::kWinRatePct], 46.96969696969697, "win rate");
  expect_rel(m[Metric::kBestTradePct], 53.59595229490424, "best");
  expect_rel(m[Metric::kWorstTradePct], -18.39887353835481, "worst");
  expect_rel(m[Metric::kAvgTradePct], 2.531715975158555, "avg trade");
  expect_rel(m[Metric::kProfitFactor], 2.167945974262033, "profit factor");
  expect_rel(m[Metric::kExpectancyPct], 3.2748078066748834, "expectancy");
  expect_rel(m[Metric::kSqn], 1.0766187356697705, "sqn");
  expect_rel(m[Metric::kReturnAnnPct], 21.191099249053224, "annual return");
  expect_rel(m[Metric::kVolatilityAnnPct], 36.49716090702389, "annual volatility");
  expect_rel(m[Metric::kSharpe], 0.5806232244485349, "sharpe");
  expect_rel(m[Metric::kSortino], 1.0853434352488662, "sortino");
  expect_rel(m[Metric::kCalmar], 0.44166409202994605, "calmar");
  EXPECT_EQ(m[Metric::kMaxDrawdownDays], 584);
  EXPECT_EQ(m[Metric::kAvgDrawdownDays], 41);
  EXPECT_EQ(m[Metric::kMaxTradeDays], 183);
  EXPECT_EQ(m[Metric::kAvgTradeDays], 46);
  EXPECT_EQ(r.equity.size(), md->size());
  EXPECT_EQ(r.trades.size(), 66u);
}

TEST(EngineReference, IsDeterministic) {
  auto md = load_goog();
  BacktestResult a = run_sma(*md, 10, 30, "long_short", 0.002);
  BacktestResult b = run_sma(*md, 10, 30, "long_short", 0.002);
  EXPECT_TRUE(a.metrics == b.metrics);
  EXPECT_EQ(a.equity, b.equity);
}

}  // namespace
}  // namespace sweep
