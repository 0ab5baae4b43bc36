// The fill and accounting model of DESIGN §5, checked by hand on tiny series.
#include <gtest/gtest.h>

#include <cmath>

#include "sweep/engine/account.hpp"
#include "sweep/engine/engine.hpp"

namespace sweep {
namespace {

// A series with the given opens and closes (high/low around them), one bar per day.
std::shared_ptr<const MarketData> series(const std::vector<int64_t>& open,
                                         const std::vector<int64_t>& close) {
  auto ts = std::make_shared<TimeSeries>();
  ts->name = "test";
  ts->price_digits = 2;
  for (size_t i = 0; i < open.size(); ++i) {
    const int64_t hi = std::max(open[i], close[i]), lo = std::min(open[i], close[i]);
    ts->bars.push_back({static_cast<int64_t>(i) * 86'400'000, open[i], hi, lo, close[i], 0});
  }
  return MarketData::Build(ts);
}

// Places scripted orders: at bar i, action[i] is 'B' buy, 'S' sell, 'C' close, 'R' reverse a
// long, '.' nothing. Decisions start at bar 1 (warm-up 0), so action[0] is always '.'.
class Scripted final : public BarStrategy<Scripted> {
 public:
  explicit Scripted(std::string script) : script_(std::move(script)) {}
  Status prepare(const MarketData&, const ParamSet&) override { return Status::Ok(); }
  size_t warmup() const override { return 0; }
  void update(size_t) {}
  void decide(size_t i, Account& a) {
    switch (i < script_.size() ? script_[i] : '.') {
      case 'B':
        a.buy();
        break;
      case 'S':
        a.sell();
        break;
      case 'C':
        a.close_position();
        break;
      case 'R':
        a.close_position(), a.sell();
        break;  // reverse a long
      default:
        break;
    }
  }

 private:
  std::string script_;
};

BacktestResult run(const MarketData& md, const std::string& script, double cash = 10'000,
                   double commission = 0) {
  Scripted s(script);
  Result<BacktestResult> r = run_backtest(md, s, {}, {cash, commission});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

TEST(Account, BuyFillsAtNextOpenInWholeUnitsAndPaysCommissionBothWays) {
  // Bars:        0      1      2      3      4
  auto md = series({10000, 10100, 10300, 10500, 10400}, {10050, 10200, 10400, 10450, 10300});
  const double c = 0.01;
  BacktestResult r = run(*md, ".B.C.", 10'000, c);  // buy on bar 1 -> fill bar 2; close on 3 -> 4
  ASSERT_EQ(r.trades.size(), 1u);
  const Trade& t = r.trades[0];
  const double entry = 103.0, exit = 104.0;
  const double units = std::floor(10'000 * Account::kFullEquity / (entry * (1 + c)));
  EXPECT_EQ(t.size, static_cast<int64_t>(units));
  EXPECT_EQ(t.entry_bar, 2u);
  EXPECT_EQ(t.exit_bar, 4u);
  EXPECT_DOUBLE_EQ(t.entry_price, entry);
  EXPECT_DOUBLE_EQ(t.exit_price, exit);
  const double commissions = units * entry * c + units * exit * c;
  EXPECT_DOUBLE_EQ(t.commissions, commissions);
  EXPECT_DOUBLE_EQ(t.pnl, units * (exit - entry) - commissions);
  EXPECT_DOUBLE_EQ(t.return_frac, (exit / entry - 1) - commissions / (units * entry));
  EXPECT_DOUBLE_EQ(r.equity.back(), 10'000 + t.pnl);
  // While the trade is open, equity is cash after the entry commission plus the open P&L.
  EXPECT_DOUBLE_EQ(r.equity[3], 10'000 - units * entry * c + units * (104.5 - entry));
}

TEST(Account, EquityBeforeTheFirstDecisionIsTheStartingCash) {
  auto md = series({100, 100, 100, 100}, {100, 100, 100, 100});
  BacktestResult r = run(*md, "....", 5'000);
  for (double e : r.equity) EXPECT_EQ(e, 5'000);
  EXPECT_EQ(r.metrics[Metric::kTrades], 0);
}

TEST(Account, OpenTradesCloseAtTheLastOpenAndALastBarSignalIsNotFilled) {
  auto md = series({10000, 10000, 10000, 11000, 12000}, {10000, 10000, 10500, 11500, 12500});
  BacktestResult r = run(*md, ".B..S");  // the sell on the last bar has no bar to fill on
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_EQ(r.trades[0].entry_bar, 2u);
  EXPECT_EQ(r.trades[0].exit_bar, 4u);
  EXPECT_DOUBLE_EQ(r.trades[0].exit_price, 120.0);
  EXPECT_DOUBLE_EQ(r.equity.back(), 10'000 + r.trades[0].pnl);
}

TEST(Account, ReverseClosesFirstThenSellsWithTheFreedMargin) {
  auto md = series({10000, 10000, 10000, 10000, 12000, 12000, 12000},
                   {10000, 10000, 10000, 10000, 12000, 12000, 12000});
  BacktestResult r = run(*md, ".B.R...");
  ASSERT_EQ(r.trades.size(), 2u);
  EXPECT_EQ(r.trades[0].exit_bar, r.trades[1].entry_bar);
  // All-in is just under all: floor(10000 * (1 - 2^-52) / 100) = 99 units long. Closing adds
  // 99 * 20 to the cash (11980); the short then takes floor(11980 / 120) = 99 units.
  EXPECT_EQ(r.trades[0].size, 99);
  EXPECT_DOUBLE_EQ(r.trades[0].pnl, 99 * 20.0);
  EXPECT_EQ(r.trades[1].size, -99);
}

TEST(Account, AnUnsizedOrderAgainstAnOpenPositionUsesOnlyFreeMarginAndIsDropped) {
  // A plain sell while fully long: no free margin, so nothing is sold (backtesting.py).
  auto md = series({10000, 10000, 10000, 10000, 10000, 10000},
                   {10000, 10000, 10000, 10000, 10000, 10000});
  BacktestResult r = run(*md, ".B.S..");
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_EQ(r.trades[0].size, 99);
  EXPECT_EQ(r.trades[0].exit_bar, 5u);
}

TEST(Account, ShortThatLosesEverythingStopsTheRun) {
  auto md = series({10000, 10000, 10000, 10000, 40000, 40000, 40000},
                   {10000, 10000, 10000, 10000, 40000, 40000, 40000});
  BacktestResult r = run(*md, ".S.....");
  EXPECT_EQ(r.equity[3], 10'000);
  EXPECT_EQ(r.equity[4], 0);
  EXPECT_EQ(r.equity.back(), 0);
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_EQ(r.trades[0].size, -99);
  EXPECT_DOUBLE_EQ(r.trades[0].pnl, -99 * 300.0);
}

TEST(Account, PyFloordivIsTheFloorOfTheExactQuotient) {
  EXPECT_EQ(py_floordiv(7.0, 2.0), 3.0);
  EXPECT_EQ(py_floordiv(-7.0, 2.0), -4.0);
  EXPECT_EQ(py_floordiv(6.0, 2.0), 3.0);
  // 1 / 0.1 rounds to 10.0, but 1 is less than 10 * 0.1 exactly: Python says 9.
  EXPECT_EQ(py_floordiv(1.0, 0.1), 9.0);
  EXPECT_EQ(std::floor(1.0 / 0.1), 10.0);
  // The fast path agrees with the exact one away from integers, and defers near them.
  EXPECT_EQ(py_floordiv(10'000 * Account::kFullEquity, 100.0), 99.0);
  EXPECT_EQ(py_floordiv(10'000.0, 100.0), 100.0);
  EXPECT_EQ(py_floordiv(51'422.99, 103.37), 497.0);
}

}  // namespace
}  // namespace sweep
