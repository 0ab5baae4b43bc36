#include "sweep/engine/builtin_strategies.hpp"

#include "sweep/engine/strategy_registry.hpp"

namespace sweep {

void register_builtin_strategies(StrategyRegistry& r) {
  register_sma_cross(r);
  register_ema_cross(r);
  register_macd_cross(r);
  register_rsi_reversion(r);
  register_bollinger_breakout(r);
  register_donchian_breakout(r);
}

}  // namespace sweep
