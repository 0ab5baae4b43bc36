// Conversions between the store's rows, the wire's records and the JSON of job results.
#pragma once

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "live_job.hpp"
#include "sweep/protocol/protocol.hpp"
#include "sweep/store/store.hpp"

namespace sweep::broker {

protocol::TrialRecord to_record(const TrialRow& row);
protocol::JobSummary to_summary(const JobRow& row);
nlohmann::json trial_to_json(const protocol::TrialRecord& r);

// The dates (ms since the epoch) of a result's equity points, null when unknown.
nlohmann::json equity_time_json(const std::vector<int64_t>& times);
// Optimization result: {best, top, heatmap?, stopped, equity_time, robustness} from the job's
// memory (heatmap: two varying axes).
nlohmann::json optimization_result(const LiveJob& job);
// Backtest result: {metrics, trades, trade_count, equity, equity_time} from its one trial.
nlohmann::json backtest_result(const protocol::TrialRecord& trial,
                               const std::vector<double>& equity,
                               const std::vector<TradeRecord>& trades,
                               const std::vector<int64_t>& equity_time);

}  // namespace sweep::broker
