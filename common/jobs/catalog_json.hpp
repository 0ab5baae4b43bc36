// What a client can discover before it writes a spec, as JSON: the strategies with their parameter
// schemas and the metric names (for objectives and sorting). One form for `sweep strategies
// --json`, the gateway's /api/strategies and the broker's `strategies` reply.
#pragma once

#include <nlohmann/json.hpp>

#include "sweep/engine/metrics.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace sweep {

// {"name", "description", "params": [{"name", "type", "default", "description", "min", "max"} or
// with "choices" instead of min and max for a choice parameter]}
nlohmann::json strategy_json(const StrategyInfo& s);
// Every strategy of `registry`, in its order.
nlohmann::json strategies_json(const StrategyRegistry& registry);
// Every metric name, in Metric order.
nlohmann::json metric_names_json();

}  // namespace sweep
