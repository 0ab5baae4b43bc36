// sma_cross: trade the crossings of a fast and a slow simple moving average of the close.
// Averages are compared exactly (integer sums, cross-multiplied), DESIGN §5.
#include "sweep/builtin_strategies.hpp"
#include "sweep/indicators.hpp"
#include "sweep/strategy_registry.hpp"

namespace sweep {
namespace {

class SmaCross final : public BarStrategy<SmaCross> {
 public:
  Status prepare(const MarketData& data, const ParamSet& p) override {
    fast_ = p.get_int("fast");
    slow_ = p.get_int("slow");
    if (fast_ >= slow_)
      return Status::BadRequest("sma_cross: fast (" + std::to_string(fast_) +
                                ") must be < slow (" + std::to_string(slow_) + ")");
    long_short_ = p.get_string("mode") == "long_short";
    close_ = data.close_fixed.data();
    fast_sum_ = RollingSum(static_cast<size_t>(fast_));
    slow_sum_ = RollingSum(static_cast<size_t>(slow_));
    cross_ = CrossDetector();
    return Status::Ok();
  }
  size_t warmup() const override { return static_cast<size_t>(slow_ - 1); }

  void update(size_t i) {
    fast_sum_.update(close_[i]);
    slow_sum_.update(close_[i]);
    if (slow_sum_.ready())
      signal_ = cross_.update(compare_means(fast_sum_.sum(), fast_, slow_sum_.sum(), slow_));
  }

  void decide(size_t, Account& a) {
    if (signal_ > 0) {
      a.close_position();
      a.buy();
    } else if (signal_ < 0) {
      a.close_position();
      if (long_short_) a.sell();
    }
  }

 private:
  const int64_t* close_ = nullptr;
  int64_t fast_ = 10, slow_ = 30;
  bool long_short_ = true;
  RollingSum fast_sum_, slow_sum_;
  CrossDetector cross_;
  int signal_ = 0;
};

}  // namespace

void register_sma_cross(StrategyRegistry& r) {
  (void)r.add(StrategyInfo{
      "sma_cross",
      "Simple moving average crossover: long when the fast SMA of the close crosses above the "
      "slow one; on a cross below, close (long_only) or reverse to short (long_short).",
      {
          {"fast", ParamType::kInt, int64_t{10}, 1, 100000, {}, "fast SMA period, bars"},
          {"slow", ParamType::kInt, int64_t{30}, 2, 100000, {}, "slow SMA period, bars (> fast)"},
          {"mode", ParamType::kChoice, std::string("long_short"), 0, 0,
           {"long_only", "long_short"}, "long_only or long_short"},
      },
      [] { return std::make_unique<SmaCross>(); }});
}

}  // namespace sweep
