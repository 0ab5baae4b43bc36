// ema_cross: trade the crossings of a fast and a slow exponential moving average of the close.
//
//   alpha_n = 2 / (n + 1)
//   EMA_n[n-1] = (close[0] + ... + close[n-1]) / n                 (seed: the SMA)
//   EMA_n[t]   = EMA_n[t-1] + alpha_n * (close[t] - EMA_n[t-1])    (t >= n)
//
// Signal: the sign of EMA_fast - EMA_slow, with CrossDetector semantics (bars where the two are
// exactly equal are skipped). long_only: buy on a cross up, close on a cross down; long_short:
// close and reverse on every cross. Warm-up: slow - 1 (the first bar where EMA_slow has a value).
#include "sweep/engine/builtin_strategies.hpp"
#include "sweep/engine/indicators.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "trading.hpp"

namespace sweep {
namespace {

class EmaCross final : public BarStrategy<EmaCross> {
 public:
  Status prepare(const MarketData& data, const ParamSet& p) override {
    const int64_t fast = p.get_int("fast");
    const int64_t slow = p.get_int("slow");
    if (fast >= slow)
      return Status::BadRequest("ema_cross: fast (" + std::to_string(fast) + ") must be < slow (" +
                                std::to_string(slow) + ")");
    slow_ = slow;
    long_short_ = strategies::is_long_short(p);
    close_ = data.close.data();
    fast_ema_ = Ema(static_cast<size_t>(fast));
    slow_ema_ = Ema(static_cast<size_t>(slow));
    cross_ = CrossDetector();
    signal_ = 0;
    return Status::Ok();
  }
  size_t warmup() const override { return static_cast<size_t>(slow_ - 1); }

  void update(size_t i) {
    fast_ema_.update(close_[i]);
    slow_ema_.update(close_[i]);
    if (slow_ema_.ready()) {
      const double f = fast_ema_.value(), s = slow_ema_.value();
      signal_ = cross_.update((f > s) - (f < s));
    }
  }
  void decide(size_t, Account& a) { strategies::trade_cross(signal_, long_short_, a); }

 private:
  const double* close_ = nullptr;
  int64_t slow_ = 26;
  bool long_short_ = true;
  Ema fast_ema_, slow_ema_;
  CrossDetector cross_;
  int signal_ = 0;
};

}  // namespace

void register_ema_cross(StrategyRegistry& r) {
  (void)r.add(StrategyInfo{
      "ema_cross",
      "Exponential moving average crossover: long when the fast EMA of the close crosses above "
      "the slow one; on a cross below, close (long_only) or reverse to short (long_short).",
      {
          {"fast", ParamType::kInt, int64_t{12}, 1, 100000, {}, "fast EMA period, bars"},
          {"slow", ParamType::kInt, int64_t{26}, 2, 100000, {}, "slow EMA period, bars (> fast)"},
          strategies::mode_param(),
      },
      [] { return std::make_unique<EmaCross>(); }});
}

}  // namespace sweep
