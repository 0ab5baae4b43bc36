// The job spec of DESIGN §9 as a value: parsed strictly from JSON (msgpack is decoded to the same
// nlohmann::json first), written back canonically, checked against a strategy's schema, and turned
// into a trial plan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sweep/base/status.hpp"
#include "sweep/engine/params.hpp"
#include "sweep/engine/return_stats.hpp"
#include "sweep/optimize/objective.hpp"
#include "sweep/optimize/param_space.hpp"
#include "sweep/optimize/trial_plan.hpp"
#include "sweep/optimize/walk_forward.hpp"

namespace sweep {

enum class JobKind { kBacktest, kOptimization };
std::string_view job_kind_name(JobKind k);  // "backtest", "optimization"

struct DatasetPath {
  std::string path;  // relative to one of the broker's data folders; confinement is checked there
  bool operator==(const DatasetPath&) const = default;
};
struct DatasetId {
  std::string id;  // content hash of an uploaded dataset
  bool operator==(const DatasetId&) const = default;
};
struct SyntheticDataset {
  uint64_t bars = 0;
  uint64_t seed = 0;
  bool operator==(const SyntheticDataset&) const = default;
};
using DatasetSource = std::variant<DatasetPath, DatasetId, SyntheticDataset>;

struct JobSpec {
  JobKind kind = JobKind::kBacktest;
  DatasetSource dataset;
  std::string strategy;
  // Backtest: the parameters. Optimization: fixed parameters, merged into the space as
  // one-value axes (see effective_space()).
  ParamSet params;
  // Optimization only.
  ParamSpace space;
  std::string constraint;  // "" = none
  SearchMethod method;     // default grid
  Objective objective;
  int top_k = 10;
  // S of the PBO's cross-validation (docs/ROBUSTNESS.md): even, in [kMinReturnBlocks,
  // kMaxReturnBlocks].
  int pbo_blocks = kDefaultReturnBlocks;
  // Stop on target (`"stop": {"value": X}`): the job ends with the first trial, in index order,
  // whose objective value reaches X (>= when maximising, <= when minimising); its trials are
  // those up to it (docs/SEARCH.md "Stop on target"). nullopt: every trial runs.
  std::optional<double> stop_value;
  // Walk-forward analysis, or a holdout of the last `holdout_bars` bars (docs/WALK_FORWARD.md);
  // at most one of the two. Whether a window fits is checked where the bars are known
  // (check_windows_fit).
  std::optional<WalkForward> walk_forward;
  std::optional<uint64_t> holdout_bars;
  // Engine and scheduling options, both kinds.
  double cash = 10000;
  double commission = 0;
  double trial_timeout_s = 600;
  int max_attempts = 3;

  bool operator==(const JobSpec&) const = default;
};

// Strict parsing: unknown top-level keys, keys of the other kind (space in a backtest), wrong
// types and out-of-range values are errors (Code::kBadRequest, kTooLarge for limits.hpp) whose
// message starts with the field path:
//   "space.slow[2]: duplicate value 30"
//   "objective.metric: unknown metric 'sharp' (expected one of trades, final_equity, ...)"
//   "dataset: exactly one of path, id, synthetic"
// JSON integer tokens become int64 values, other numbers double, strings strings. Space axes are
// ordered by name whatever the key order of the text (see ParamSpace). The constraint is parsed
// here so that its errors surface at submission.
// The spec's `dataset` map alone (the same rules and messages as within a spec).
Result<DatasetSource> parse_dataset_source(const nlohmann::json& j);
Result<JobSpec> parse_job_spec(const nlohmann::json& j, JobKind kind);
// The same from text, refusing more than kMaxSpecBytes and text that is not JSON.
Result<JobSpec> parse_job_spec_text(std::string_view text, JobKind kind);

// Canonical JSON: parse_job_spec(to_json(s), s.kind) == s. Optimization-only keys are omitted for
// a backtest; every default is written out but pbo_blocks', which appears only when it differs.
nlohmann::json to_json(const JobSpec& spec);

// Parameter names, types, bounds and choices against a strategy's schema: params, and for an
// optimization every value of every axis (a range by its first and last value). Errors name the
// field: "space.fast[3]: 0 is outside [1, 1000]", "params.foo: unknown parameter (expected fast,
// slow, mode)". The strategy registry lookup happens elsewhere.
Status check_against_schema(const JobSpec& spec, const std::vector<ParamSpec>& schema);

// The spec with values given the schema's types (after check_against_schema passed): axes and
// params of float parameters become doubles (a range 1:5:1 becomes 1.0:5.0:1.0), integral doubles
// of int parameters become int64. Apply it before make_trial_plan() so that trial parameters are
// typed alike wherever the plan is built.
Result<JobSpec> conform_to_schema(const JobSpec& spec, const std::vector<ParamSpec>& schema);

// Optimization: the space with the fixed params merged in as one-value axes.
Result<ParamSpace> effective_space(const JobSpec& spec);
// Optimization: the trials of the spec (effective space, constraint, method).
Result<TrialPlan> make_trial_plan(const JobSpec& spec, TrialPlanLimits limits = {});

}  // namespace sweep
