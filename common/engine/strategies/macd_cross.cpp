// macd_cross: trade the crossings of the MACD line and its signal line.
//
//   MACD[t]   = EMA_fast(close)[t] - EMA_slow(close)[t]     from bar slow - 1
//   SIGNAL[t] = EMA_signal(MACD)[t]                         from bar slow + signal - 2
// with EMA as in ema_cross (alpha = 2 / (n + 1), seeded with the SMA of the first n inputs; the
// signal EMA's inputs start at bar slow - 1).
//
// Signal: the sign of MACD - SIGNAL with CrossDetector semantics (exact ties skipped).
// long_only: buy on a cross up, close on a cross down; long_short: close and reverse on every
// cross. Warm-up: slow + signal - 2.
#include "sweep/engine/builtin_strategies.hpp"
#include "sweep/engine/indicators.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "trading.hpp"

namespace sweep {
namespace {

class MacdCross final : public BarStrategy<MacdCross> {
 public:
  Status prepare(const MarketData& data, const ParamSet& p) override {
    const int64_t fast = p.get_int("fast");
    const int64_t slow = p.get_int("slow");
    const int64_t signal = p.get_int("signal");
    if (fast >= slow)
      return Status::BadRequest("macd_cross: fast (" + std::to_string(fast) + ") must be < slow (" +
                                std::to_string(slow) + ")");
    warmup_ = static_cast<size_t>(slow + signal - 2);
    long_short_ = strategies::is_long_short(p);
    close_ = data.close.data();
    fast_ema_ = Ema(static_cast<size_t>(fast));
    slow_ema_ = Ema(static_cast<size_t>(slow));
    signal_ema_ = Ema(static_cast<size_t>(signal));
    cross_ = CrossDetector();
    cross_signal_ = 0;
    return Status::Ok();
  }
  size_t warmup() const override { return warmup_; }

  void update(size_t i) {
    fast_ema_.update(close_[i]);
    slow_ema_.update(close_[i]);
    if (!slow_ema_.ready()) return;
    const double macd = fast_ema_.value() - slow_ema_.value();
    signal_ema_.update(macd);
    if (signal_ema_.ready()) {
      const double s = signal_ema_.value();
      cross_signal_ = cross_.update((macd > s) - (macd < s));
    }
  }
  void decide(size_t, Account& a) { strategies::trade_cross(cross_signal_, long_short_, a); }

 private:
  const double* close_ = nullptr;
  size_t warmup_ = 33;
  bool long_short_ = true;
  Ema fast_ema_, slow_ema_, signal_ema_;
  CrossDetector cross_;
  int cross_signal_ = 0;
};

}  // namespace

void register_macd_cross(StrategyRegistry& r) {
  (void)r.add(StrategyInfo{
      "macd_cross",
      "MACD crossover: MACD = EMA(fast) - EMA(slow) of the close, signal = EMA of MACD; long "
      "when MACD crosses above the signal; on a cross below, close (long_only) or reverse to "
      "short (long_short).",
      {
          {"fast", ParamType::kInt, int64_t{12}, 1, 100000, {}, "fast EMA period, bars"},
          {"slow", ParamType::kInt, int64_t{26}, 2, 100000, {}, "slow EMA period, bars (> fast)"},
          {"signal", ParamType::kInt, int64_t{9}, 1, 100000, {}, "signal EMA period, bars"},
          strategies::mode_param(),
      },
      [] { return std::make_unique<MacdCross>(); }});
}

}  // namespace sweep
