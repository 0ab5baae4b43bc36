// Engine behaviour beyond the reference numbers: hooks, cancellation, warm-up, undefined metrics.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "sweep/data/synthetic.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace sweep {
namespace {

std::shared_ptr<const MarketData> synthetic(size_t bars) {
  return MarketData::Build(std::make_shared<const TimeSeries>(make_synthetic(bars, 7)));
}

ParamSet sma(int64_t fast, int64_t slow) {
  ParamSet p;
  p.set("fast", fast);
  p.set("slow", slow);
  p.set("mode", std::string("long_short"));
  return p;
}

std::unique_ptr<Strategy> sma_strategy() {
  static const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  return reg.find("sma_cross")->create();
}

TEST(Engine, HookedAndUnhookedRunsAreBitIdentical) {
  auto md = synthetic(50'000);
  auto s1 = sma_strategy(), s2 = sma_strategy();
  std::atomic<bool> cancel{false};
  std::vector<uint64_t> ticks;
  RunHooks hooks;
  hooks.cancel = &cancel;
  hooks.progress = [&](uint64_t done) { ticks.push_back(done); };
  hooks.chunk = 1000;
  Result<BacktestResult> a = run_backtest(*md, *s1, sma(10, 30), {});
  Result<BacktestResult> b = run_backtest(*md, *s2, sma(10, 30), {}, hooks);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->metrics == b->metrics);
  EXPECT_EQ(a->equity, b->equity);
  ASSERT_EQ(ticks.size(), 50u);
  EXPECT_EQ(ticks.front(), 1000u);
  EXPECT_EQ(ticks.back(), 50'000u);
  for (size_t i = 1; i < ticks.size(); ++i) EXPECT_GT(ticks[i], ticks[i - 1]);
}

TEST(Engine, CancelStopsWithinAChunk) {
  auto md = synthetic(100'000);
  auto s = sma_strategy();
  std::atomic<bool> cancel{false};
  RunHooks hooks;
  hooks.cancel = &cancel;
  hooks.chunk = 2048;
  hooks.progress = [&](uint64_t done) {
    if (done >= 10'000) cancel.store(true);
  };
  Result<BacktestResult> r = run_backtest(*md, *s, sma(10, 30), {}, hooks);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_GE(r->bars_done, 10'000u);
  EXPECT_LE(r->bars_done, 10'000u + 2048u);
  EXPECT_TRUE(r->trades.empty());
}

TEST(Engine, RejectsParamsTheStrategyRefusesAndDataTooShort) {
  auto md = synthetic(100);
  auto s = sma_strategy();
  Result<BacktestResult> bad = run_backtest(*md, *s, sma(30, 10), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kBadRequest);
  EXPECT_NE(bad.status().message().find("fast (30) must be < slow (10)"), std::string::npos);
  Result<BacktestResult> short_data = run_backtest(*md, *s, sma(10, 200), {});
  ASSERT_FALSE(short_data.ok());
  EXPECT_NE(short_data.status().message().find("100 bars"), std::string::npos);
  Result<BacktestResult> bad_cash = run_backtest(*md, *s, sma(5, 10), {-1, 0});
  EXPECT_EQ(bad_cash.status().code(), Code::kBadRequest);
}

TEST(Engine, MetricsWithoutTradesAreUndefinedNotZero) {
  // The only decision bar is the last one, whose orders are never filled: no trade.
  auto md = synthetic(200);
  auto s = sma_strategy();
  Result<BacktestResult> r = run_backtest(*md, *s, sma(10, 199), {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->metrics[Metric::kTrades], 0);
  EXPECT_EQ(r->metrics[Metric::kFinalEquity], 10'000);
  EXPECT_TRUE(std::isnan(r->metrics[Metric::kWinRatePct]));
  EXPECT_TRUE(std::isnan(r->metrics[Metric::kSqn]));
  EXPECT_TRUE(std::isnan(r->metrics[Metric::kProfitFactor]));
}

TEST(Engine, DownsampleKeepsTheEndsAndTheLimit) {
  std::vector<double> v(1001);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  std::vector<double> d = downsample(v, 100);
  EXPECT_LE(d.size(), 100u);
  EXPECT_EQ(d.front(), 0);
  EXPECT_EQ(d.back(), 1000);
  EXPECT_EQ(downsample(v, 5000), v);
}

}  // namespace
}  // namespace sweep
