// An example strategy plugin: `momentum`, written as a user would write one (docs/STRATEGIES.md,
// "Writing a plugin"). Build it as a shared library against sweep's headers and load it with
// `sweep-worker --plugin path/to/libsweep_example_plugin.so`.
//
//   M[t] = close[t] - close[t - lookback]          (from bar `lookback`; exact, in fixed point)
//   M > 0 -> go long (closing a short first); no-op while long
//   M < 0 -> long_only: close a long; long_short: go short (closing a long first)
//   M = 0 -> nothing
// Warm-up: lookback.
#include <type_traits>

#include "sweep/engine/strategy.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace {

using namespace sweep;

class Momentum final : public BarStrategy<Momentum> {
 public:
  // Parameters arrive checked against the schema below; only combinations need checking here.
  Status prepare(const MarketData& data, const ParamSet& p) override {
    lookback_ = static_cast<size_t>(p.get_int("lookback"));
    long_short_ = p.get_string("mode") == "long_short";
    close_ = data.close_fixed.data();
    side_ = 0;
    return Status::Ok();
  }
  size_t warmup() const override { return lookback_; }

  // Called for every bar; indicators only (nothing to maintain here: M reads two closes).
  void update(size_t) {}

  // Called from bar warmup() + 1 on, after the orders of the bar before were filled.
  void decide(size_t i, Account& a) {
    const int64_t m = close_[i] - close_[i - lookback_];
    const int side = a.flat() ? 0 : side_;
    if (m > 0 && side <= 0) {
      a.close_position();
      a.buy();
      side_ = 1;
    } else if (m < 0 && long_short_ && side >= 0) {
      a.close_position();
      a.sell();
      side_ = -1;
    } else if (m < 0 && !long_short_ && side > 0) {
      a.close_position();
    }
  }

 private:
  const int64_t* close_ = nullptr;
  size_t lookback_ = 20;
  bool long_short_ = true;
  int side_ = 0;  // side of the last entry; meaningful while the account is not flat
};

}  // namespace

// The one symbol a plugin exports (see sweep/strategy_registry.hpp).
extern "C" __attribute__((visibility("default"))) void sweep_register_strategies(
    sweep::StrategyRegistry& registry) {
  (void)registry.add(sweep::StrategyInfo{
      "momentum",
      "Example plugin: long while the close is above the close `lookback` bars ago; below it, "
      "flat (long_only) or short (long_short).",
      {
          {"lookback", sweep::ParamType::kInt, int64_t{20}, 1, 100000, {}, "bars to look back"},
          {"mode",
           sweep::ParamType::kChoice,
           std::string("long_short"),
           0,
           0,
           {"long_only", "long_short"},
           "long_only or long_short"},
      },
      [] { return std::make_unique<Momentum>(); }});
}
static_assert(std::is_same_v<decltype(&sweep_register_strategies), sweep::RegisterStrategiesFn>);
