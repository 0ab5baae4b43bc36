#include "records.hpp"

#include <cmath>
#include <map>

#include "sweep/result_json.hpp"

namespace sweep::broker {

namespace {
constexpr uint64_t kMaxHeatmapTrials = 1'000'000;
}

TrialState to_trial_state(TrialStatus s) {
  switch (s) {
    case TrialStatus::kCompleted:
      return TrialState::kCompleted;
    case TrialStatus::kCancelled:
      return TrialState::kCancelled;
    case TrialStatus::kFailed:
      break;
  }
  return TrialState::kFailed;
}

protocol::TrialRecord to_record(const TrialRow& row) {
  protocol::TrialRecord r;
  r.index = row.trial_index;
  r.attempt = static_cast<uint32_t>(row.attempt);
  r.status = to_trial_state(row.status);
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

namespace {

nlohmann::json heatmap(const LiveJob& job, Store& store) {
  auto space = effective_space(job.spec);
  if (!space.ok() || job.trial_count > kMaxHeatmapTrials) return nullptr;
  std::vector<size_t> varying;
  for (size_t i = 0; i < space->axes().size(); ++i) {
    if (space->axes()[i].second.size() > 1) varying.push_back(i);
  }
  if (varying.size() != 2) return nullptr;
  const auto& [xname, xaxis] = space->axes()[varying[0]];
  const auto& [yname, yaxis] = space->axes()[varying[1]];
  if (xaxis.size() * yaxis.size() > kMaxHeatmapTrials) return nullptr;
  std::map<std::string, size_t> xpos, ypos;
  nlohmann::json xs = nlohmann::json::array(), ys = nlohmann::json::array();
  for (uint64_t i = 0; i < xaxis.size(); ++i) {
    xpos[to_string(xaxis.at(i))] = i;
    xs.push_back(to_json(xaxis.at(i)));
  }
  for (uint64_t i = 0; i < yaxis.size(); ++i) {
    ypos[to_string(yaxis.at(i))] = i;
    ys.push_back(to_json(yaxis.at(i)));
  }
  std::vector<std::vector<double>> z(yaxis.size(), std::vector<double>(xaxis.size(), NAN));
  TrialQuery q;
  q.limit = 1000;
  q.status = TrialStatus::kCompleted;
  for (;; q.offset += q.limit) {
    auto rows = store.list_trials(job.id, q);
    if (!rows.ok()) return nullptr;
    for (const auto& row : *rows) {
      const ParamValue* x = row.params.find(xname);
      const ParamValue* y = row.params.find(yname);
      if (!x || !y) continue;
      auto xi = xpos.find(to_string(*x));
      auto yi = ypos.find(to_string(*y));
      if (xi == xpos.end() || yi == ypos.end()) continue;
      z[yi->second][xi->second] = job.top.objective().value(row.metrics);
    }
    if (rows->size() < q.limit) break;
  }
  nlohmann::json zj = nlohmann::json::array();
  for (const auto& rowv : z) {
    nlohmann::json r = nlohmann::json::array();
    for (double v : rowv) r.push_back(number_or_null(v));
    zj.push_back(std::move(r));
  }
  return {{"x", xname},
          {"y", yname},
          {"xs", std::move(xs)},
          {"ys", std::move(ys)},
          {"metric", std::string(metric_name(job.top.objective().metric))},
          {"z", std::move(zj)}};
}

}  // namespace

nlohmann::json optimization_result(const LiveJob& job, Store& store) {
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
  out["heatmap"] = heatmap(job, store);
  return out;
}

nlohmann::json backtest_result(const protocol::TrialRecord& trial,
                               const std::vector<double>& equity) {
  nlohmann::json eq = nlohmann::json::array();
  for (double v : equity) eq.push_back(number_or_null(v));
  // The worker's result carries the trade count, not the trade list.
  return {{"metrics", to_json(trial.metrics)},
          {"trades", nlohmann::json::array()},
          {"trade_count", trial.trades},
          {"equity", std::move(eq)}};
}

}  // namespace sweep::broker
