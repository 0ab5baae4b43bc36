// The strategies compiled into Sweep. Each register_* function lives beside its strategy in
// common/engine/strategies/.
#pragma once

namespace sweep {

class StrategyRegistry;

void register_sma_cross(StrategyRegistry& r);
void register_ema_cross(StrategyRegistry& r);
void register_macd_cross(StrategyRegistry& r);
void register_rsi_reversion(StrategyRegistry& r);
void register_bollinger_breakout(StrategyRegistry& r);
void register_donchian_breakout(StrategyRegistry& r);

// Registers every built-in, in the order `sweep strategies` lists them.
void register_builtin_strategies(StrategyRegistry& r);

}  // namespace sweep
