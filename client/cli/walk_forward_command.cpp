#include "walk_forward_command.hpp"

#include <cmath>
#include <cstdio>

#include "commands.hpp"
#include "local_run.hpp"
#include "metric_format.hpp"
#include "sweep/jobs/result_json.hpp"
#include "sweep/jobs/walk_forward_json.hpp"
#include "sweep/optimize/walk_forward.hpp"
#include "terminal.hpp"

namespace sweep::cli {
namespace {

std::string span_text(const BarSpan& s) {
  return "[" + std::to_string(s.begin) + ", " + std::to_string(s.end) + ")";
}

std::string label(const char* side, Metric m) {
  return std::string(side) + " " + std::string(metric_name(m));
}

nlohmann::json objective_json(const Objective& o) {
  return {{"metric", metric_name(o.metric)}, {"goal", goal_name(o.maximize)}};
}

void print_walk_forward(const WalkForwardResult& r, const JobSpec& spec, const StrategyInfo& info,
                        const MarketData& data, uint64_t plan_total) {
  const WalkForward& wf = *spec.walk_forward;
  const Metric obj = spec.objective.metric;
  std::printf(
      "%s on %s: walk-forward, %zu windows of %llu train bars (%s) and %llu test bars, "
      "%llu trials each%s\n\n",
      info.name.c_str(), data.series->name.c_str(), r.windows.size(),
      static_cast<unsigned long long>(wf.train_bars), wf.anchored ? "anchored" : "rolling",
      static_cast<unsigned long long>(wf.test_bars), static_cast<unsigned long long>(plan_total),
      r.cancelled ? " (cancelled)" : "");
  if (r.windows.empty()) return;
  std::vector<std::string> header = {"window", "train", "test"};
  for (const auto& [name, _] : r.windows.front().best_params.items()) header.push_back(name);
  header.insert(header.end(),
                {label("IS", obj), label("IS", Metric::kReturnAnnPct), label("OOS", obj),
                 label("OOS", Metric::kReturnPct), "cash_in", "final_equity"});
  std::vector<std::vector<std::string>> rows;
  for (const WindowResult& w : r.windows) {
    std::vector<std::string> row = {std::to_string(w.span.window), span_text(w.span.train),
                                    span_text(w.span.test)};
    for (const auto& [name, v] : w.best_params.items()) row.push_back(to_string(v));
    row.insert(row.end(),
               {format_metric(obj, w.best_metrics[obj]),
                format_metric(Metric::kReturnAnnPct, w.best_metrics[Metric::kReturnAnnPct]),
                format_metric(obj, w.oos.metrics[obj]),
                format_metric(Metric::kReturnPct, w.oos.metrics[Metric::kReturnPct]),
                format_metric(Metric::kFinalEquity, w.oos.cash_in),
                format_metric(Metric::kFinalEquity, w.oos.final_equity)});
    rows.push_back(std::move(row));
  }
  std::printf("%s\n", format_table(header, rows).c_str());
  const BarSpan all{r.windows.front().span.test.begin, r.windows.back().span.test.end};
  std::printf("stitched out of sample, bars %s:", span_text(all).c_str());
  for (Metric m : {Metric::kFinalEquity, Metric::kReturnPct, Metric::kReturnAnnPct, Metric::kSharpe,
                   Metric::kMaxDrawdownPct, Metric::kTrades})
    std::printf(" %s %s", std::string(metric_name(m)).c_str(),
                format_metric(m, r.metrics[m]).c_str());
  char eff[64];
  std::snprintf(eff, sizeof eff, "%.4f", r.efficiency);
  std::printf(
      "\nefficiency: %s (stitched return_ann_pct / mean in-sample return_ann_pct of each "
      "window's best)\nstability (best value per window):\n",
      std::isfinite(r.efficiency) ? eff : "--");
  for (const auto& [name, values] : r.stability) {
    std::printf("  %s:", name.c_str());
    for (const ParamValue& v : values) std::printf(" %s", to_string(v).c_str());
    std::printf("\n");
  }
}

void print_holdout(const HoldoutResult& r, const JobSpec& spec, const StrategyInfo& info,
                   const MarketData& data) {
  std::printf("%s on %s: holdout, train bars %s (%llu trials, %llu completed), test bars %s%s\n\n",
              info.name.c_str(), data.series->name.c_str(), span_text(r.span.train).c_str(),
              static_cast<unsigned long long>(r.train.total),
              static_cast<unsigned long long>(r.train.completed), span_text(r.span.test).c_str(),
              r.train.cancelled ? " (cancelled)" : "");
  if (r.trials.empty()) {
    std::printf("no trial completed\n");
    return;
  }
  const Metric obj = spec.objective.metric;
  std::vector<std::string> header = {"#", "trial"};
  for (const auto& [name, _] : r.trials.front().in_sample.params.items()) header.push_back(name);
  std::vector<Metric> cols = {obj};
  for (Metric m : {Metric::kReturnPct, Metric::kMaxDrawdownPct, Metric::kTrades})
    if (m != obj) cols.push_back(m);
  for (Metric m : cols) header.insert(header.end(), {label("IS", m), label("OOS", m)});
  header.push_back("OOS final_equity");
  std::vector<std::vector<std::string>> rows;
  int rank = 0;
  for (const HoldoutTrial& t : r.trials) {
    std::vector<std::string> row = {std::to_string(++rank), std::to_string(t.in_sample.index)};
    for (const auto& [name, v] : t.in_sample.params.items()) row.push_back(to_string(v));
    for (Metric m : cols)
      row.insert(row.end(),
                 {format_metric(m, t.in_sample.metrics[m]), format_metric(m, t.oos.metrics[m])});
    row.push_back(format_metric(Metric::kFinalEquity, t.oos.final_equity));
    rows.push_back(std::move(row));
  }
  std::printf("%s", format_table(header, rows).c_str());
}

}  // namespace

int run_windows(const JobSpec& spec, const StrategyInfo& strategy, const TrialPlan& plan,
                std::shared_ptr<const MarketData> data, unsigned threads, bool json,
                const std::atomic<bool>* cancel) {
  WalkForwardJob job;
  job.series = data->series;
  job.strategy = &strategy;
  job.plan = &plan;
  job.engine = {spec.cash, spec.commission};
  job.objective = spec.objective;
  job.top_k = static_cast<size_t>(spec.top_k);
  job.options.threads = threads;
  job.options.cancel = cancel;
  job.options.stop_value = spec.stop_value;
  const uint64_t windows =
      spec.walk_forward ? walk_forward_windows(data->size(), *spec.walk_forward).size() : 0;
  uint64_t total = spec.walk_forward ? windows * plan.total() + windows
                                     : plan.total() + static_cast<uint64_t>(spec.top_k);
  ProgressBar bar("trials", total);
  uint64_t done = 0, failed = 0;
  job.options.on_progress = [&](const OptimizationProgress& p) {
    done = p.completed + p.failed;
    failed = p.failed;
    bar.update(done, failed, "");
  };
  nlohmann::json out = {{"objective", objective_json(spec.objective)}};
  bool was_cancelled = false;
  if (spec.walk_forward) {
    Result<WalkForwardResult> r = run_walk_forward(job, *spec.walk_forward);
    if (!r.ok()) return print_error(r.status()), exit_code_for(r.status());
    bar.finish(done, failed, "");
    was_cancelled = r->cancelled;
    if (!json) {
      print_walk_forward(*r, spec, strategy, *data, plan.total());
      return was_cancelled ? kExitFailed : kExitOk;
    }
    out["walk_forward"] = walk_forward_to_json(*r, *data);
  } else {
    Result<HoldoutResult> r = run_holdout(job, *spec.holdout_bars);
    if (!r.ok()) return print_error(r.status()), exit_code_for(r.status());
    bar.finish(done, failed, "");
    was_cancelled = r->train.cancelled;
    total = plan.total() + r->trials.size();  // the top_k: at most the completed trials
    if (!json) {
      print_holdout(*r, spec, strategy, *data);
      return was_cancelled ? kExitFailed : kExitOk;
    }
    out["holdout"] = holdout_to_json(*r, *data);
  }
  out["total"] = total;
  out["completed"] = done - failed;
  out["failed"] = failed;
  out["cancelled"] = was_cancelled;
  std::printf("%s\n", out.dump().c_str());
  return was_cancelled ? kExitFailed : kExitOk;
}

}  // namespace sweep::cli
