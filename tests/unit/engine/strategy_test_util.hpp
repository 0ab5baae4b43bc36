// Helpers shared by the strategy and plugin tests: the GOOG data set, running a strategy by
// name, and a naive trade simulator that turns per-bar entry/exit conditions into the trades the
// engine must produce (fills at the next bar's open, open trades closed on the last bar).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "sweep/data/csv_loader.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace sweep::testing {

inline std::shared_ptr<const MarketData> goog() {
  static const std::shared_ptr<const MarketData> md = [] {
    Result<TimeSeries> ts = load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv");
    EXPECT_TRUE(ts.ok()) << ts.status().ToString();
    return MarketData::Build(std::make_shared<const TimeSeries>(std::move(ts).value()));
  }();
  return md;
}

// Validates `given` against the strategy's schema (which must accept it).
inline ParamSet params_for(const StrategyRegistry& reg, const std::string& name,
                           const ParamSet& given) {
  const StrategyInfo* info = reg.find(name);
  EXPECT_NE(info, nullptr) << name;
  if (!info) return {};
  Result<ParamSet> p = validate_params(info->params, given);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : ParamSet{};
}

// Runs `name` (or `reuse`, when given) and expects success.
inline BacktestResult run_strategy(const StrategyRegistry& reg, const MarketData& md,
                                   const std::string& name, const ParamSet& given,
                                   Strategy* reuse = nullptr, const RunHooks& hooks = {}) {
  const ParamSet params = params_for(reg, name, given);
  std::unique_ptr<Strategy> fresh;
  if (!reuse) fresh = reg.find(name)->create();
  Strategy& s = reuse ? *reuse : *fresh;
  Result<BacktestResult> r = run_backtest(md, s, params, EngineOptions{}, hooks);
  EXPECT_TRUE(r.ok()) << name << " " << params.ToString() << ": " << r.status().ToString();
  return r.ok() ? std::move(r).value() : BacktestResult{};
}

// What a rule-based strategy wants on each bar, judged after the bar closed.
struct Events {
  explicit Events(size_t n) : go_long(n), go_short(n), exit_long(n), exit_short(n) {}
  std::vector<char> go_long, go_short, exit_long, exit_short;
};

struct ExpectedTrade {
  size_t entry_bar, exit_bar;
  int side;
};

// The trades of the shared rule: an entry on the side already held is skipped; entries come
// before exits; orders fill on the next bar; decisions start at warmup + 1; the last bar's
// decision is never filled; an open trade is closed on the last bar.
inline std::vector<ExpectedTrade> simulate(const Events& ev, size_t warmup) {
  const size_t n = ev.go_long.size();
  std::vector<ExpectedTrade> out;
  int side = 0;
  size_t entry = 0;
  auto close_at = [&](size_t bar) {
    if (side != 0) out.push_back({entry, bar, side});
    side = 0;
  };
  for (size_t i = warmup + 1; i + 1 < n; ++i) {
    if (ev.go_long[i] && side <= 0) {
      close_at(i + 1);
      side = 1;
      entry = i + 1;
    } else if (ev.go_short[i] && side >= 0) {
      close_at(i + 1);
      side = -1;
      entry = i + 1;
    } else if ((ev.exit_long[i] && side > 0) || (ev.exit_short[i] && side < 0)) {
      close_at(i + 1);
    }
  }
  close_at(n - 1);
  return out;
}

inline void expect_trades(const std::vector<Trade>& actual,
                          const std::vector<ExpectedTrade>& expected, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t k = 0; k < actual.size(); ++k) {
    EXPECT_EQ(actual[k].entry_bar, expected[k].entry_bar) << what << " trade " << k;
    EXPECT_EQ(actual[k].exit_bar, expected[k].exit_bar) << what << " trade " << k;
    EXPECT_EQ(actual[k].size > 0 ? 1 : -1, expected[k].side) << what << " trade " << k;
  }
}

// Bit-identical runs: same trades, equity and metrics.
inline void expect_same_run(const BacktestResult& a, const BacktestResult& b,
                            const std::string& what) {
  EXPECT_TRUE(a.metrics == b.metrics) << what;
  EXPECT_EQ(a.equity, b.equity) << what;
  ASSERT_EQ(a.trades.size(), b.trades.size()) << what;
  for (size_t k = 0; k < a.trades.size(); ++k) {
    EXPECT_EQ(a.trades[k].size, b.trades[k].size) << what;
    EXPECT_EQ(a.trades[k].entry_bar, b.trades[k].entry_bar) << what;
    EXPECT_EQ(a.trades[k].exit_bar, b.trades[k].exit_bar) << what;
    EXPECT_EQ(a.trades[k].pnl, b.trades[k].pnl) << what;
  }
}

inline ParamSet make_params(std::initializer_list<std::pair<const char*, ParamValue>> items) {
  ParamSet p;
  for (const auto& [k, v] : items) p.set(k, v);
  return p;
}

}  // namespace sweep::testing
