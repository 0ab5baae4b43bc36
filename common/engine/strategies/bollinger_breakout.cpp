// bollinger_breakout: trade breakouts of the Bollinger bands of the close.
//
//   MIDDLE[t] = SMA_period(close)[t]                   (window close[t-period+1..t])
//   SD[t]     = population sd of the same window     = sqrt(n * Q - S^2) / n
//   UPPER[t]  = MIDDLE[t] + k * SD[t],  LOWER[t] = MIDDLE[t] - k * SD[t]
// with S and Q the exact integer sums of the fixed-point closes and their squares. A close is
// compared with a band without dividing or taking a root: with d = n * close - S and
// V = n * Q - S^2, close > MIDDLE + k * SD  <=>  d > k * sqrt(V), decided by d^2 vs k^2 * V when
// the signs agree (RollingMeanSd::compare_band); close vs MIDDLE is exact.
//
// Signals, each with CrossDetector semantics on the sign of close minus the line:
//   close crosses above UPPER  -> go long (long_short: closing a short first)
//   close crosses below MIDDLE -> close a long
//   long_short only: close crosses below LOWER -> go short (closing a long first);
//                    close crosses above MIDDLE -> close a short
// Warm-up: period - 1. Exact while period * max|close| < 2^63 in fixed point.
#include "sweep/engine/builtin_strategies.hpp"
#include "sweep/engine/indicators.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "trading.hpp"

namespace sweep {
namespace {

class BollingerBreakout final : public BarStrategy<BollingerBreakout> {
 public:
  Status prepare(const MarketData& data, const ParamSet& p) override {
    period_ = static_cast<size_t>(p.get_int("period"));
    k_ = p.get_double("k");
    if (!(k_ > 0))
      return Status::BadRequest("bollinger_breakout: k (" + to_string(ParamValue(k_)) +
                                ") must be > 0");
    long_short_ = strategies::is_long_short(p);
    close_ = data.close_fixed.data();
    bands_ = RollingMeanSd(period_);
    upper_cross_ = middle_cross_ = lower_cross_ = CrossDetector();
    side_ = strategies::Side();
    upper_ = middle_ = lower_ = 0;
    return Status::Ok();
  }
  size_t warmup() const override { return period_ - 1; }

  void update(size_t i) {
    const int64_t c = close_[i];
    bands_.update(c);
    if (!bands_.ready()) return;
    upper_ = upper_cross_.update(bands_.compare_band(c, k_));
    middle_ = middle_cross_.update(bands_.compare_band(c, 0));
    if (long_short_) lower_ = lower_cross_.update(bands_.compare_band(c, -k_));
  }

  void decide(size_t, Account& a) {
    if (!(upper_ | middle_ | lower_)) return;
    const int side = side_.get(a);
    if (upper_ > 0 && side <= 0) {
      side_.enter_long(a);
    } else if (lower_ < 0 && side >= 0) {  // lower_ stays 0 in long_only
      side_.enter_short(a);
    } else if ((side > 0 && middle_ < 0) || (side < 0 && middle_ > 0)) {
      side_.exit(a);
    }
  }

 private:
  const int64_t* close_ = nullptr;
  size_t period_ = 20;
  double k_ = 2.0;
  bool long_short_ = true;
  RollingMeanSd bands_;
  CrossDetector upper_cross_, middle_cross_, lower_cross_;
  strategies::Side side_;
  int upper_ = 0, middle_ = 0, lower_ = 0;  // this bar's crossings
};

}  // namespace

void register_bollinger_breakout(StrategyRegistry& r) {
  (void)r.add(StrategyInfo{
      "bollinger_breakout",
      "Bollinger band breakout: long when the close crosses above SMA + k * sd, out when it "
      "crosses back below the SMA; long_short adds the mirror trade on the lower band.",
      {
          {"period", ParamType::kInt, int64_t{20}, 2, 10000, {}, "SMA / sd window, bars"},
          {"k", ParamType::kFloat, 2.0, 0.1, 10, {}, "band width in standard deviations"},
          strategies::mode_param(),
      },
      [] { return std::make_unique<BollingerBreakout>(); }});
}

}  // namespace sweep
