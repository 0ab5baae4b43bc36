// JSON views of results, shared by the CLI's --json output and the HTTP API. Stable keys:
// metric names of DESIGN §9; undefined (NaN) and infinite values are null, never NaN.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/engine/engine.hpp"
#include "sweep/engine/params.hpp"

namespace sweep {

nlohmann::json number_or_null(double v);
nlohmann::json to_json(const Metrics& m);
nlohmann::json to_json(const ParamValue& v);
nlohmann::json to_json(const ParamSet& p);

// How an optimization stopped on target (JobSpec::stop_value): {"value": X, "trial": K}, K the
// first trial (by index) whose objective reached X. The `stopped` key of every optimization
// result; null when it ran to its end.
nlohmann::json stopped_to_json(double value, uint64_t trial);

// A closed trade as the CLI prints it and a worker sends it: times formatted for the data's
// resolution (dates for daily bars, date-times otherwise), return in percent.
struct TradeRecord {
  int64_t size = 0;  // units; negative for a short
  uint32_t entry_bar = 0, exit_bar = 0;
  std::string entry_time, exit_time;
  double entry_price = 0, exit_price = 0, pnl = 0, return_pct = 0, commissions = 0;
  bool operator==(const TradeRecord&) const = default;
};
TradeRecord trade_record(const Trade& t, const MarketData& data);
nlohmann::json to_json(const TradeRecord& t);
nlohmann::json to_json(const std::vector<TradeRecord>& trades);  // an array
nlohmann::json trade_to_json(const Trade& t, const MarketData& data);
// The trades of to_json(trades).dump() text again (a stored backtest's); what does not read as
// such (no text, another shape) is no trades.
std::vector<TradeRecord> trades_from_json_text(std::string_view text);
// {"metrics": {...}, "trades": [...], "equity": [...]}; `max_equity_points` downsamples.
nlohmann::json backtest_to_json(const BacktestResult& r, const MarketData& data,
                                size_t max_equity_points = SIZE_MAX);

}  // namespace sweep
