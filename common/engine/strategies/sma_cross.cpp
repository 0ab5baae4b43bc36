// sma_cross: trade the crossings of a fast and a slow simple moving average of the close.
// Averages are compared exactly (integer sums, cross-multiplied), DESIGN §5.
#include "sweep/engine/builtin_strategies.hpp"
#include "sweep/engine/indicators.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace sweep {
namespace {

// The hot loop is written out here rather than through BarStrategy: the rolling sums read the
// close array directly (no ring buffer) and the state lives in locals for the whole chunk, which
// keeps it in registers. Same semantics as BarStrategy (update every bar, step and decide from
// warmup() + 1 on).
class SmaCross final : public Strategy {
 public:
  Status prepare(const MarketData& data, const ParamSet& p) override {
    fast_ = p.get_int("fast");
    slow_ = p.get_int("slow");
    if (fast_ >= slow_)
      return Status::BadRequest("sma_cross: fast (" + std::to_string(fast_) + ") must be < slow (" +
                                std::to_string(slow_) + ")");
    long_short_ = p.get_string("mode") == "long_short";
    close_ = data.close_fixed.data();
    fast_sum_ = slow_sum_ = 0;
    cross_ = CrossDetector();
    return Status::Ok();
  }
  size_t warmup() const override { return static_cast<size_t>(slow_ - 1); }

  void run(Account& account, size_t begin, size_t end) override {
    const int64_t* c = close_;
    const auto fast = static_cast<size_t>(fast_), slow = static_cast<size_t>(slow_);
    const size_t first = slow;  // warmup() + 1
    int64_t fs = fast_sum_, ss = slow_sum_;
    CrossDetector cross = cross_;
    for (size_t i = begin; i < end; ++i) {
      fs += c[i];
      ss += c[i];
      if (i >= fast) fs -= c[i - fast];
      if (i >= slow) ss -= c[i - slow];
      if (i + 1 < slow) continue;  // the slow average has no value yet
      const int signal = cross.update(compare_means(fs, fast_, ss, slow_));
      if (i < first) continue;
      account.step(i);
      if (signal > 0) {
        account.close_position();
        account.buy();
      } else if (signal < 0) {
        account.close_position();
        if (long_short_) account.sell();
      }
    }
    fast_sum_ = fs;
    slow_sum_ = ss;
    cross_ = cross;
  }

 private:
  const int64_t* close_ = nullptr;
  int64_t fast_ = 10, slow_ = 30;
  bool long_short_ = true;
  int64_t fast_sum_ = 0, slow_sum_ = 0;
  CrossDetector cross_;
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
          {"mode",
           ParamType::kChoice,
           std::string("long_short"),
           0,
           0,
           {"long_only", "long_short"},
           "long_only or long_short"},
      },
      [] { return std::make_unique<SmaCross>(); }});
}

}  // namespace sweep
