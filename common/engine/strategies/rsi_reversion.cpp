// rsi_reversion: mean reversion on Wilder's RSI of the close.
//
//   d[t] = close[t] - close[t-1],  gain = max(d, 0),  loss = max(-d, 0)
//   G[period] = mean(gain[1..period]),  L[period] = mean(loss[1..period])
//   G[t] = (G[t-1] * (period - 1) + gain[t]) / period,  L likewise          (t > period)
//   RSI[t] = 100 * G / (G + L)   (= 100 - 100 / (1 + G / L));  50 when G + L = 0
// The changes are taken on the fixed-point closes, so they are exact (RSI is scale-free), and
// RSI is compared with a level without dividing: RSI > x  <=>  100 * G > x * (G + L).
//
// Signals, with CrossDetector semantics on sign(RSI - lower) and sign(RSI - upper) (bars where RSI
// equals the level exactly are skipped):
//   RSI crosses up through `lower`   -> go long (long_short: closing a short first); no-op if long
//   RSI crosses down through `upper` -> long_only: close a long; long_short: go short
// Warm-up: `period` (the first RSI needs period + 1 closes).
#include "sweep/engine/builtin_strategies.hpp"
#include "sweep/engine/indicators.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "trading.hpp"

namespace sweep {
namespace {

std::string num(double v) {
  return to_string(ParamValue(v));
}

class RsiReversion final : public BarStrategy<RsiReversion> {
 public:
  Status prepare(const MarketData& data, const ParamSet& p) override {
    const int64_t period = p.get_int("period");
    lower_ = p.get_double("lower");
    upper_ = p.get_double("upper");
    if (!(lower_ < upper_))
      return Status::BadRequest("rsi_reversion: lower (" + num(lower_) + ") must be < upper (" +
                                num(upper_) + ")");
    period_ = static_cast<size_t>(period);
    long_short_ = strategies::is_long_short(p);
    close_ = data.close_fixed.data();
    rsi_ = WilderRsi(period_);
    lower_cross_ = CrossDetector();
    upper_cross_ = CrossDetector();
    side_ = strategies::Side();
    up_ = down_ = false;
    return Status::Ok();
  }
  size_t warmup() const override { return period_; }

  void update(size_t i) {
    rsi_.update(static_cast<double>(close_[i]));
    if (!rsi_.ready()) return;
    up_ = lower_cross_.update(rsi_.compare(lower_)) > 0;
    down_ = upper_cross_.update(rsi_.compare(upper_)) < 0;
  }

  void decide(size_t, Account& a) {
    if (!up_ && !down_) return;
    const int side = side_.get(a);
    if (up_ && side <= 0) {
      side_.enter_long(a);
    } else if (down_) {
      if (long_short_ && side >= 0) side_.enter_short(a);
      if (!long_short_ && side > 0) side_.exit(a);
    }
  }

 private:
  const int64_t* close_ = nullptr;
  size_t period_ = 14;
  double lower_ = 30, upper_ = 70;
  bool long_short_ = true;
  WilderRsi rsi_;
  CrossDetector lower_cross_, upper_cross_;
  strategies::Side side_;
  bool up_ = false, down_ = false;
};

}  // namespace

void register_rsi_reversion(StrategyRegistry& r) {
  (void)r.add(StrategyInfo{
      "rsi_reversion",
      "RSI mean reversion: long when Wilder's RSI of the close crosses up through `lower`; when "
      "it crosses down through `upper`, close (long_only) or go short (long_short).",
      {
          {"period", ParamType::kInt, int64_t{14}, 2, 100000, {}, "RSI period, bars"},
          {"lower", ParamType::kFloat, 30.0, 0, 100, {}, "oversold level (< upper)"},
          {"upper", ParamType::kFloat, 70.0, 0, 100, {}, "overbought level (> lower)"},
          strategies::mode_param(),
      },
      [] { return std::make_unique<RsiReversion>(); }});
}

}  // namespace sweep
