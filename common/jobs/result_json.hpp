// JSON views of results, shared by the CLI's --json output and the HTTP API. Stable keys:
// metric names of DESIGN §9; undefined (NaN) and infinite values are null, never NaN.
#pragma once

#include <nlohmann/json.hpp>

#include "sweep/engine/engine.hpp"
#include "sweep/engine/params.hpp"

namespace sweep {

nlohmann::json number_or_null(double v);
nlohmann::json to_json(const Metrics& m);
nlohmann::json to_json(const ParamValue& v);
nlohmann::json to_json(const ParamSet& p);
nlohmann::json trade_to_json(const Trade& t, const MarketData& data);
// {"metrics": {...}, "trades": [...], "equity": [...]}; `max_equity_points` downsamples.
nlohmann::json backtest_to_json(const BacktestResult& r, const MarketData& data,
                                size_t max_equity_points = SIZE_MAX);

}  // namespace sweep
