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
#include "windows_text.hpp"

namespace sweep::cli {
namespace {

std::string span_text(const BarSpan& s) {
  return "[" + std::to_string(s.begin) + ", " + std::to_string(s.end) + ")";
}

nlohmann::json objective_json(const Objective& o) {
  return {{"metric", metric_name(o.metric)}, {"goal", goal_name(o.maximize)}};
}

void print_walk_forward(const WalkForwardResult& r, const JobSpec& spec, const StrategyInfo& info,
                        const MarketData& data, uint64_t plan_total) {
  const WalkForward& wf = *spec.walk_forward;
  std::printf(
      "%s on %s: walk-forward, %zu windows of %llu train bars (%s) and %llu test bars, "
      "%llu trials each%s\n\n",
      info.name.c_str(), data.series->name.c_str(), r.windows.size(),
      static_cast<unsigned long long>(wf.train_bars), wf.anchored ? "anchored" : "rolling",
      static_cast<unsigned long long>(wf.test_bars), static_cast<unsigned long long>(plan_total),
      r.cancelled ? " (cancelled)" : "");
  if (r.windows.empty()) return;
  std::printf("%s",
              walk_forward_text(walk_forward_to_json(r, data), spec.objective.metric).c_str());
}

void print_holdout(const HoldoutResult& r, const JobSpec& spec, const StrategyInfo& info,
                   const MarketData& data) {
  std::printf("%s on %s: holdout, train bars %s (%llu trials, %llu completed), test bars %s%s\n\n",
              info.name.c_str(), data.series->name.c_str(), span_text(r.span.train).c_str(),
              static_cast<unsigned long long>(r.train.total),
              static_cast<unsigned long long>(r.train.completed), span_text(r.span.test).c_str(),
              r.train.cancelled ? " (cancelled)" : "");
  std::printf("%s", holdout_text(holdout_to_json(r, data), spec.objective.metric).c_str());
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
