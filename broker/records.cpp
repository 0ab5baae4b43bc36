#include "records.hpp"

#include <cmath>
#include <map>

#include "sweep/jobs/result_json.hpp"
#include "sweep/jobs/robustness_json.hpp"

namespace sweep::broker {

protocol::TrialRecord to_record(const TrialRow& row) {
  protocol::TrialRecord r;
  r.index = row.trial_index;
  r.attempt = static_cast<uint32_t>(row.attempt);
  r.status = row.status;
  r.params = row.params;
  r.metrics = row.metrics;
  const double trades = row.metrics[Metric::kTrades];
  r.trades = std::isfinite(trades) && trades > 0 ? static_cast<uint64_t>(trades) : 0;
  r.error_message = row.error_message;
  r.error_stack_trace = row.error_stack_trace;
  r.worker = row.worker;
  r.started_at = row.started_at_ms;
  r.finished_at = row.finished_at_ms;
  return r;
}

protocol::JobSummary to_summary(const JobRow& row) {
  protocol::JobSummary s;
  s.id = row.id;
  s.kind = row.kind;
  s.status = row.status;
  s.total = row.total;
  s.completed = row.completed;
  s.failed = row.failed;
  s.created_at = row.created_at_ms;
  s.finished_at = row.finished_at_ms;
  return s;
}

nlohmann::json trial_to_json(const protocol::TrialRecord& r) {
  auto opt_str = [](const std::string& s) {
    return s.empty() ? nlohmann::json() : nlohmann::json(s);
  };
  auto opt_ts = [](const std::optional<int64_t>& t) { return t ? nlohmann::json(*t) : nullptr; };
  return {{"index", r.index},
          {"attempt", r.attempt},
          {"status", std::string(trial_state_name(r.status))},
          {"params", to_json(r.params)},
          {"metrics", to_json(r.metrics)},
          {"trades", r.trades},
          {"error_message", opt_str(r.error_message)},
          {"error_stack_trace", opt_str(r.error_stack_trace)},
          {"worker", opt_str(r.worker)},
          {"started_at", opt_ts(r.started_at)},
          {"finished_at", opt_ts(r.finished_at)}};
}

nlohmann::json equity_time_json(const std::vector<int64_t>& times) {
  return times.empty() ? nlohmann::json() : nlohmann::json(times);
}

nlohmann::json optimization_result(const LiveJob& job) {
  nlohmann::json top = nlohmann::json::array();
  for (const auto& e : job.top.entries()) {
    nlohmann::json t = trial_to_json(e.payload.record);
    nlohmann::json eq = nlohmann::json::array();
    for (double v : e.payload.equity) eq.push_back(number_or_null(v));
    t["equity"] = std::move(eq);
    top.push_back(std::move(t));
  }
  nlohmann::json best = job.top.best() ? trial_to_json(job.top.best()->payload.record) : nullptr;
  nlohmann::json out = {{"best", std::move(best)}, {"top", std::move(top)}};
  out["heatmap"] = job.heatmap ? job.heatmap->to_json(job.top.objective()) : nlohmann::json();
  out["stopped"] = job.stop_at && job.state() == JobState::kCompleted
                       ? stopped_to_json(*job.spec.stop_value, *job.stop_at)
                       : nlohmann::json();
  out["equity_time"] = equity_time_json(job.equity_time);
  out["robustness"] = job.robustness && job.state() == JobState::kCompleted
                          ? robustness_to_json(*job.robustness)
                          : nlohmann::json();
  // The out-of-sample part (docs/WALK_FORWARD.md): a cancelled job has none.
  const bool completed = job.state() == JobState::kCompleted;
  if (job.spec.walk_forward)
    out["walk_forward"] = completed ? job.windows_result : nlohmann::json();
  if (job.spec.holdout_bars) out["holdout"] = completed ? job.windows_result : nlohmann::json();
  return out;
}

nlohmann::json backtest_result(const protocol::TrialRecord& trial,
                               const std::vector<double>& equity,
                               const std::vector<TradeRecord>& trades,
                               const std::vector<int64_t>& equity_time) {
  nlohmann::json eq = nlohmann::json::array();
  for (double v : equity) eq.push_back(number_or_null(v));
  // The same shape as `sweep backtest --json` (the trade list comes from the worker and is kept
  // in the trial row's trades_json, so a resumed job has it too), plus `trade_count`.
  return {{"metrics", to_json(trial.metrics)},
          {"trades", to_json(trades)},
          {"trade_count", trial.trades},
          {"equity", std::move(eq)},
          {"equity_time", equity_time_json(equity_time)}};
}

}  // namespace sweep::broker
