// sweep optimize: every trial of a parameter space in this process, on --threads threads, with a
// live progress bar and the top results. The spec goes through the same parser as a cluster job.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <thread>

#include "commands.hpp"
#include "job_args.hpp"
#include "local_run.hpp"
#include "metric_format.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/jobs/result_json.hpp"
#include "sweep/jobs/robustness_json.hpp"
#include "sweep/optimize/optimizer.hpp"
#include "terminal.hpp"
#include "walk_forward_command.hpp"

namespace sweep::cli {
namespace {

struct OptimizeArgs {
  JobArgs job;
  bool json = false;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
};

std::atomic<bool> g_interrupted{false};

std::string objective_text(const Objective& o, const std::optional<TrialRecord>& best) {
  if (!best) return "";
  return std::string(metric_name(o.metric)) + "=" +
         format_metric(o.metric, o.value(best->metrics)) + " (" + best->params.ToString() + ")";
}

nlohmann::json record_json(const TrialRecord& r) {
  nlohmann::json j = {{"trial", r.index},
                      {"params", to_json(r.params)},
                      {"status", std::string(trial_state_name(r.status))},
                      {"metrics", to_json(r.metrics)}};
  if (r.status == TrialState::kFailed) {
    j["error_message"] = r.error_message;
    j["error_stack_trace"] = r.error_stack_trace;
  }
  return j;
}

nlohmann::json heatmap_json(const Heatmap& h) {
  nlohmann::json xs = nlohmann::json::array(), ys = nlohmann::json::array();
  for (const auto& v : h.xs) xs.push_back(to_json(v));
  for (const auto& v : h.ys) ys.push_back(to_json(v));
  nlohmann::json z = nlohmann::json::array();
  for (const auto& row : h.z) {
    nlohmann::json r = nlohmann::json::array();
    for (double v : row) r.push_back(number_or_null(v));
    z.push_back(std::move(r));
  }
  return {{"x", h.x}, {"y", h.y}, {"xs", xs}, {"ys", ys}, {"z", z}};
}

void print_top(const OptimizationResult& r, const Objective& o) {
  if (r.top.empty()) {
    std::printf("no trial completed\n");
    return;
  }
  std::vector<std::string> header = {"#", "trial"};
  for (const auto& [name, v] : r.top.front().record.params.items()) header.push_back(name);
  const Metric shown[] = {o.metric, Metric::kReturnPct, Metric::kMaxDrawdownPct, Metric::kTrades,
                          Metric::kFinalEquity};
  std::vector<Metric> cols;
  for (Metric m : shown)
    if (std::find(cols.begin(), cols.end(), m) == cols.end()) cols.push_back(m);
  for (Metric m : cols) header.emplace_back(metric_name(m));
  std::vector<std::vector<std::string>> rows;
  int rank = 0;
  for (const auto& t : r.top) {
    std::vector<std::string> row = {std::to_string(++rank), std::to_string(t.record.index)};
    for (const auto& [name, v] : t.record.params.items()) row.push_back(to_string(v));
    for (Metric m : cols) row.push_back(format_metric(m, t.record.metrics[m]));
    rows.push_back(std::move(row));
  }
  std::printf("%s", format_table(header, rows).c_str());
}

int run(const OptimizeArgs& args) {
  const JobArgs& a = args.job;
  Result<StrategyRegistry> reg = make_registry(a.plugins);
  if (!reg.ok()) return print_error(reg.status()), exit_code_for(reg.status());
  const StrategyInfo* info = reg->find(a.strategy);
  if (!info) return print_error(reg->not_found(a.strategy)), kExitBadInput;
  Result<nlohmann::json> spec_json = spec_from_args(a, JobKind::kOptimization);
  if (!spec_json.ok()) return print_error(spec_json.status()), kExitBadInput;
  Result<JobSpec> spec = parse_job_spec(*spec_json, JobKind::kOptimization);
  if (!spec.ok()) return print_error(spec.status()), kExitBadInput;
  if (Status s = check_against_schema(*spec, info->params); !s.ok())
    return print_error(s), kExitBadInput;
  spec = conform_to_schema(*spec, info->params);
  if (!spec.ok()) return print_error(spec.status()), kExitBadInput;
  Result<TrialPlan> plan = make_trial_plan(*spec);
  if (!plan.ok()) return print_error(plan.status()), exit_code_for(plan.status());
  auto data = load_market_data(a.data);
  if (!data.ok()) return print_error(data.status()), exit_code_for(data.status());
  if (spec->walk_forward || spec->holdout_bars) {
    const Status fits = check_windows_fit((*data)->size(), spec->walk_forward, spec->holdout_bars);
    if (!fits.ok()) return print_error(fits), kExitBadInput;
    std::signal(SIGINT, [](int) { g_interrupted.store(true); });
    const int code =
        run_windows(*spec, *info, *plan, *data, args.threads, args.json, &g_interrupted);
    std::signal(SIGINT, SIG_DFL);
    return code;
  }

  ProgressBar bar("trials", plan->total());
  OptimizeOptions opt;
  opt.threads = args.threads;
  opt.cancel = &g_interrupted;
  opt.return_blocks = spec->pbo_blocks;
  opt.stop_value = spec->stop_value;
  opt.on_progress = [&](const OptimizationProgress& p) {
    bar.update(p.completed + p.failed, p.failed, objective_text(spec->objective, p.best));
  };
  std::signal(SIGINT, [](int) { g_interrupted.store(true); });
  Result<OptimizationResult> r = optimize(**data, *info, *plan, {spec->cash, spec->commission},
                                          spec->objective, static_cast<size_t>(spec->top_k), opt);
  std::signal(SIGINT, SIG_DFL);
  if (!r.ok()) return print_error(r.status()), exit_code_for(r.status());
  bar.finish(r->completed + r->failed, r->failed,
             r->top.empty() ? "" : objective_text(spec->objective, r->top.front().record));

  if (args.json) {
    nlohmann::json top = nlohmann::json::array();
    for (const auto& t : r->top) top.push_back(record_json(t.record));
    nlohmann::json out = {
        {"total", r->total},
        {"completed", r->completed},
        {"failed", r->failed},
        {"cancelled", r->cancelled},
        {"stopped", r->stopped_at ? stopped_to_json(*spec->stop_value, *r->stopped_at) : nullptr},
        {"objective",
         {{"metric", metric_name(spec->objective.metric)},
          {"goal", goal_name(spec->objective.maximize)}}},
        {"best", r->top.empty() ? nlohmann::json(nullptr) : record_json(r->top.front().record)},
        {"top", std::move(top)},
        {"heatmap", r->heatmap ? heatmap_json(*r->heatmap) : nullptr},
        {"robustness", r->robustness ? robustness_to_json(*r->robustness) : nullptr}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s on %s: %llu trials, %llu completed, %llu failed%s\n\n", info->name.c_str(),
                (*data)->series->name.c_str(), static_cast<unsigned long long>(r->total),
                static_cast<unsigned long long>(r->completed),
                static_cast<unsigned long long>(r->failed), r->cancelled ? " (cancelled)" : "");
    if (r->stopped_at) {
      std::printf("stopped on target: trial %llu reached %s %s\n\n",
                  static_cast<unsigned long long>(*r->stopped_at),
                  std::string(metric_name(spec->objective.metric)).c_str(),
                  format_metric(spec->objective.metric, *spec->stop_value).c_str());
    }
    print_top(*r, spec->objective);
    if (r->robustness) std::printf("\n%s\n", robustness_text(*r->robustness).c_str());
  }
  return r->cancelled ? kExitFailed : kExitOk;
}

}  // namespace

void add_optimize_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<OptimizeArgs>();
  CLI::App* cmd = app.add_subcommand("optimize", "Run an optimization in this process");
  add_job_options(cmd, a->job, JobKind::kOptimization);
  cmd->add_option("--threads", a->threads, "Worker threads")->capture_default_str();
  cmd->add_flag("--json", a->json, "Print the result as JSON");
  cmd->callback([a, &exit_code] { exit_code = run(*a); });
}

}  // namespace sweep::cli
