// donchian_breakout: channel breakouts (the "turtle" rules) on the previous bars' highs and lows.
//
//   HH_n[t] = max(high[t-n+1..t]),  LL_n[t] = min(low[t-n+1..t])
// kept by RollingMax/RollingMin (monotonic deques in fixed ring buffers). Bar t is judged against
// the channel of the bars before it, i.e. the values at t-1:
//   close[t] > HH_entry[t-1]                 -> go long (long_short: closing a short first)
//   close[t] < LL_exit[t-1], while long      -> close the long
//   long_short only:
//   close[t] < LL_entry[t-1]                 -> go short (closing a long first)
//   close[t] > HH_exit[t-1], while short     -> close the short
// The conditions are levels, not crossings: an entry is skipped while already on that side, and
// an entry takes precedence over an exit on the same bar. Prices are compared as doubles, which
// is exact (they are the correctly rounded values of fixed-point integers of one scale).
// Warm-up: max(entry, exit) - 1 (the channels have values from there; the first decision, at
// the next bar, compares with them).
#include <algorithm>

#include "sweep/engine/builtin_strategies.hpp"
#include "sweep/engine/indicators.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "trading.hpp"

namespace sweep {
namespace {

class DonchianBreakout final : public BarStrategy<DonchianBreakout> {
 public:
  Status prepare(const MarketData& data, const ParamSet& p) override {
    const auto entry = static_cast<size_t>(p.get_int("entry"));
    const auto exit = static_cast<size_t>(p.get_int("exit"));
    warmup_ = std::max(entry, exit) - 1;
    long_short_ = strategies::is_long_short(p);
    high_ = data.high.data();
    low_ = data.low.data();
    close_ = data.close.data();
    entry_high_ = RollingMax(entry);
    exit_low_ = RollingMin(exit);
    // The short side's channels are only fed in long_short mode.
    entry_low_ = RollingMin(long_short_ ? entry : 1);
    exit_high_ = RollingMax(long_short_ ? exit : 1);
    side_ = strategies::Side();
    long_entry_ = long_exit_ = short_entry_ = short_exit_ = false;
    return Status::Ok();
  }
  size_t warmup() const override { return warmup_; }

  void update(size_t i) {
    const double c = close_[i];
    if (i > warmup_) {  // the channels hold bars [.., i-1]: judge bar i before adding it
      long_entry_ = c > entry_high_.value();
      long_exit_ = c < exit_low_.value();
      if (long_short_) {
        short_entry_ = c < entry_low_.value();
        short_exit_ = c > exit_high_.value();
      }
    }
    entry_high_.update(high_[i]);
    exit_low_.update(low_[i]);
    if (long_short_) {
      entry_low_.update(low_[i]);
      exit_high_.update(high_[i]);
    }
  }

  void decide(size_t, Account& a) {
    if (!(long_entry_ | long_exit_ | short_entry_ | short_exit_)) return;
    const int side = side_.get(a);
    if (long_entry_ && side <= 0) {
      side_.enter_long(a);
    } else if (short_entry_ && side >= 0) {  // short_entry_ stays false in long_only
      side_.enter_short(a);
    } else if ((side > 0 && long_exit_) || (side < 0 && short_exit_)) {
      side_.exit(a);
    }
  }

 private:
  const double *high_ = nullptr, *low_ = nullptr, *close_ = nullptr;
  size_t warmup_ = 19;
  bool long_short_ = true;
  RollingMax entry_high_, exit_high_;
  RollingMin entry_low_, exit_low_;
  strategies::Side side_;
  bool long_entry_ = false, long_exit_ = false, short_entry_ = false, short_exit_ = false;
};

}  // namespace

void register_donchian_breakout(StrategyRegistry& r) {
  (void)r.add(StrategyInfo{
      "donchian_breakout",
      "Donchian channel breakout: long when the close exceeds the highest high of the previous "
      "`entry` bars, out when it falls below the lowest low of the previous `exit` bars; "
      "long_short adds the mirror rules for shorts.",
      {
          {"entry", ParamType::kInt, int64_t{20}, 1, 100000, {}, "entry channel length, bars"},
          {"exit", ParamType::kInt, int64_t{10}, 1, 100000, {}, "exit channel length, bars"},
          strategies::mode_param(),
      },
      [] { return std::make_unique<DonchianBreakout>(); }});
}

}  // namespace sweep
