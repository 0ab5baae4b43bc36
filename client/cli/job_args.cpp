#include "job_args.hpp"

#include <algorithm>

#include "local_run.hpp"

namespace sweep::cli {

void add_job_options(CLI::App* cmd, JobArgs& a, JobKind kind) {
  const bool opt = kind == JobKind::kOptimization;
  cmd->add_option("--data", a.data, "CSV file or synthetic:BARS:SEED")->required();
  cmd->add_option("--strategy", a.strategy, "Strategy name (see: sweep strategies)")->required();
  cmd->add_option(
      "--param", a.params,
      opt ? "NAME=START:STOP:STEP | NAME=V1,V2,... | NAME=VALUE" : "NAME=VALUE (repeatable)");
  if (opt) {
    cmd->add_option("--constraint", a.constraint, "Expression over the params, e.g. 'fast < slow'");
    cmd->add_option("--objective", a.objective, "Metric to optimize")->capture_default_str();
    cmd->add_flag("--minimize", a.minimize, "Minimize the objective instead of maximizing it");
    cmd->add_option("--random", a.random_n, "Random search: N trials instead of the full grid");
    cmd->add_option("--tpe", a.tpe_n, "Adaptive (TPE) search: N trials, suggested in generations");
    cmd->add_option("--seed", a.seed, "Seed of the random or TPE search")->capture_default_str();
    cmd->add_option("--startup", a.startup, "TPE: random trials before the estimator starts")
        ->capture_default_str();
    cmd->add_option("--batch", a.batch, "TPE: trials per generation")->capture_default_str();
    cmd->add_option("--top", a.top_k, "How many best trials to keep")->capture_default_str();
    cmd->add_option("--pbo-blocks", a.pbo_blocks,
                    "Blocks of days for the PBO's cross-validation (even, 4..24)")
        ->capture_default_str();
    cmd->add_option("--stop-value", a.stop_value,
                    "Stop on target: end with the first trial (by index) whose objective "
                    "reaches this value");
    cmd->add_option("--walk-forward", a.walk_forward,
                    "Walk-forward analysis: TRAIN:TEST bars per window (docs/WALK_FORWARD.md)");
    cmd->add_flag("--anchored", a.anchored, "Walk-forward: every window trains from the first bar");
    cmd->add_option("--holdout", a.holdout,
                    "Holdout: optimize all but the last M bars, then run the top trials on them");
  }
  cmd->add_option("--cash", a.cash, "Starting cash")->capture_default_str();
  cmd->add_option("--commission", a.commission, "Commission, fraction of notional")
      ->capture_default_str();
  cmd->add_option("--plugin", a.plugins, "Strategy plugin library (repeatable)");
}

nlohmann::json scalar(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_number()) return j;
  return text;
}

namespace {

nlohmann::json list_value(const std::string& value) {
  nlohmann::json list = nlohmann::json::array();
  size_t from = 0;
  for (;;) {
    const size_t comma = value.find(',', from);
    list.push_back(scalar(value.substr(from, comma - from)));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  return list;
}

// "TRAIN:TEST" as {"train_bars", "test_bars", "anchored"}; the values' ranges are the parser's.
Result<nlohmann::json> walk_forward_json(const std::string& value, bool anchored) {
  const size_t colon = value.find(':');
  const Status bad =
      Status::BadRequest("--walk-forward '" + value + "': expected TRAIN:TEST (two bar counts)");
  if (colon == std::string::npos) return bad;
  const nlohmann::json train = scalar(value.substr(0, colon)),
                       test = scalar(value.substr(colon + 1));
  if (!train.is_number_integer() || !test.is_number_integer()) return bad;
  return nlohmann::json{{"train_bars", train}, {"test_bars", test}, {"anchored", anchored}};
}

}  // namespace

Result<nlohmann::json> spec_from_args(const JobArgs& a, JobKind kind) {
  const bool opt = kind == JobKind::kOptimization;
  nlohmann::json spec = {{"strategy", a.strategy}, {"cash", a.cash}, {"commission", a.commission}};
  spec["dataset"] = dataset_json(a.data);
  spec["params"] = nlohmann::json::object();
  if (opt) {
    spec["top_k"] = a.top_k;
    // Only when given, so that the specs of jobs without it stay as they were.
    if (a.pbo_blocks != kDefaultReturnBlocks) spec["pbo_blocks"] = a.pbo_blocks;
    spec["objective"] = {{"metric", a.objective}, {"goal", a.minimize ? "minimize" : "maximize"}};
    spec["space"] = nlohmann::json::object();
  }
  for (const std::string& item : a.params) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::BadRequest(
          "--param '" + item + "': expected " +
          (opt ? "NAME=START:STOP:STEP, NAME=V1,V2,... or NAME=VALUE" : "NAME=VALUE"));
    const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    const bool range = std::count(value.begin(), value.end(), ':') == 2;
    const bool list = value.find(',') != std::string::npos;
    if (!opt && (range || list))
      return Status::BadRequest("--param '" + item +
                                "': a backtest takes one value (NAME=VALUE); ranges and lists "
                                "are for optimizations");
    if (range) {
      const size_t c1 = value.find(':'), c2 = value.rfind(':');
      spec["space"][name] = {{"start", scalar(value.substr(0, c1))},
                             {"stop", scalar(value.substr(c1 + 1, c2 - c1 - 1))},
                             {"step", scalar(value.substr(c2 + 1))}};
    } else if (list) {
      spec["space"][name] = list_value(value);
    } else {
      spec["params"][name] = scalar(value);
    }
  }
  if (opt && !a.constraint.empty()) spec["constraint"] = a.constraint;
  if (opt && a.random_n > 0 && a.tpe_n > 0)
    return Status::BadRequest("--random and --tpe: give one search method");
  if (opt && a.random_n > 0) spec["method"] = {{"random", {{"n", a.random_n}, {"seed", a.seed}}}};
  if (opt && a.tpe_n > 0)
    spec["method"] = {
        {"tpe", {{"n", a.tpe_n}, {"seed", a.seed}, {"startup", a.startup}, {"batch", a.batch}}}};
  if (opt && a.stop_value) spec["stop"] = {{"value", *a.stop_value}};
  if (opt && !a.walk_forward.empty()) {
    Result<nlohmann::json> wf = walk_forward_json(a.walk_forward, a.anchored);
    if (!wf.ok()) return wf.status();
    spec["walk_forward"] = *wf;
  } else if (opt && a.anchored) {
    return Status::BadRequest("--anchored: only with --walk-forward");
  }
  if (opt && a.holdout > 0) spec["holdout_bars"] = a.holdout;
  return spec;
}

}  // namespace sweep::cli
