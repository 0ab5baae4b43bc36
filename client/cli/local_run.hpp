// What the local commands (backtest, optimize, strategies) share: plugins, data, parameters.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/base/status.hpp"
#include "sweep/data/market_data.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace sweep::cli {

// One line on stderr: "sweep: <message>".
void print_error(const Status& s);
// Exit status for a failed Status: 2 for bad input/usage, 1 otherwise.
int exit_code_for(const Status& s);

// The built-ins plus each --plugin library.
Result<StrategyRegistry> make_registry(const std::vector<std::string>& plugins);

// --data FILE | synthetic:BARS:SEED as the spec's "dataset" object (DESIGN §9).
nlohmann::json dataset_json(const std::string& source);

// --data FILE | synthetic:BARS:SEED, prepared for runs.
Result<std::shared_ptr<const MarketData>> load_market_data(const std::string& source);

}  // namespace sweep::cli
