#include "windows_result.hpp"

#include "sweep/data/market_data.hpp"
#include "sweep/jobs/walk_forward_json.hpp"

namespace sweep::broker {

namespace {

Status in_window(uint64_t k, const Status& s) {
  return Status(s.code(), "window " + std::to_string(k) + ": " + s.message());
}

// Trials [begin, end) best first by the objective (undefined values last, ties to the lower
// index: the order optimize() keeps its top in), completed only.
Result<std::vector<TrialRow>> best_of(Store& store, const std::string& job,
                                      const Objective& objective, uint64_t begin, uint64_t end,
                                      size_t limit) {
  TrialQuery q;
  q.sort = std::string(metric_name(objective.metric));
  q.ascending = !objective.maximize;
  q.limit = limit;
  q.status = TrialState::kCompleted;
  q.index_begin = begin;
  q.index_end = end;
  return store.list_trials(job, q);
}

Result<WindowsOutcome> walk_forward(Store& store, const std::string& job, const WindowsTask& t,
                                    const std::shared_ptr<const TimeSeries>& series) {
  std::vector<WindowResult> windows;
  double cash = t.cash;
  const uint64_t p = t.plan_total;
  for (const WindowSpan& span : t.windows) {
    const uint64_t first = train_trial_index(span.window, p, 0);
    auto best = best_of(store, job, t.objective, first, first + p, 1);
    if (!best.ok()) return best.status();
    if (best->empty())
      return Status::Internal("window " + std::to_string(span.window) + ": no trial completed");
    const TrialRow& row = best->front();
    auto oos = run_out_of_sample(*series, t.strategy, row.params, cash, t.commission, span.test);
    if (!oos.ok()) return in_window(span.window, oos.status());
    cash = oos->final_equity;
    windows.push_back(
        {span, row.trial_index - first, row.params, row.metrics, std::move(oos).value()});
  }
  WindowsOutcome out;
  out.runs = windows.size();
  const WalkForwardResult r = assemble_walk_forward(*series, std::move(windows));
  out.json = walk_forward_to_json(r, *MarketData::Build(series));
  return out;
}

Result<WindowsOutcome> holdout(Store& store, const std::string& job, const WindowsTask& t,
                               const std::shared_ptr<const TimeSeries>& series) {
  HoldoutResult r;
  r.span = t.windows.front();
  auto top = best_of(store, job, t.objective, 0, t.plan_total, t.top_k);
  if (!top.ok()) return top.status();
  for (const TrialRow& row : *top) {
    auto oos =
        run_out_of_sample(*series, t.strategy, row.params, t.cash, t.commission, r.span.test);
    if (!oos.ok()) return oos.status();
    TrialRecord in_sample;
    in_sample.index = row.trial_index;
    in_sample.params = row.params;
    in_sample.status = row.status;
    in_sample.metrics = row.metrics;
    r.trials.push_back({std::move(in_sample), std::move(oos).value()});
  }
  WindowsOutcome out;
  out.runs = r.trials.size();
  out.json = holdout_to_json(r, *MarketData::Build(series));
  return out;
}

}  // namespace

Result<WindowsOutcome> run_windows(Store& store, const std::string& job, const WindowsTask& task,
                                   const std::shared_ptr<const TimeSeries>& series) {
  if (task.windows.empty()) return Status::Internal("a job without windows");
  return task.holdout ? holdout(store, job, task, series) : walk_forward(store, job, task, series);
}

}  // namespace sweep::broker
