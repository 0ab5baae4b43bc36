// JSON views of walk-forward and holdout results (docs/WALK_FORWARD.md): the `walk_forward` and
// `holdout` keys of an optimization's result. The one writer, for `sweep optimize --json` now and
// the broker's result later; the key names are part of the interface (scripts rely on them).
#pragma once

#include <nlohmann/json.hpp>

#include "sweep/data/market_data.hpp"
#include "sweep/optimize/walk_forward.hpp"

namespace sweep {

// [begin, end]
nlohmann::json to_json(const BarSpan& span);
// {metrics, trades}: an out-of-sample run's test-bar metrics and its trades (bars and times of
// the whole series `data`).
nlohmann::json oos_to_json(const OutOfSampleRun& run, const MarketData& data);
// {windows: [{window, train, test, best: {params, metrics}, oos: {metrics, trades}, cash_in,
// final_equity}], equity, metrics, efficiency, stability: {name: [value per window]}}
nlohmann::json walk_forward_to_json(const WalkForwardResult& r, const MarketData& data);
// {train, test, trials: [{index, params, metrics, oos: {metrics, trades}}]}, best first.
nlohmann::json holdout_to_json(const HoldoutResult& r, const MarketData& data);

}  // namespace sweep
