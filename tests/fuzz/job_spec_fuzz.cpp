// Fuzz target for the job-spec parser (sweep/job_spec.hpp): JSON text as a client submits it,
// parsed as both kinds. Properties, beyond "no crash, no leak, no UB, no exception": an error is
// bad_request or too_large; an accepted spec is canonical (parse(to_json(s)) == s, also through
// the JSON text); schema checks against the built-in strategy it names, and the trial plan of an
// optimization (with small limits, so one input stays fast), fail cleanly or give trials.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.hpp"
#include "sweep/engine/strategy.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"

namespace {

using namespace sweep;

bool client_error(const Status& s) {
  return s.code() == Code::kBadRequest || s.code() == Code::kTooLarge;
}

void check_schema(const JobSpec& spec) {
  static const StrategyRegistry registry = StrategyRegistry::WithBuiltins();
  const StrategyInfo* info = registry.find(spec.strategy);
  if (info == nullptr) return;
  Status s = check_against_schema(spec, info->params);
  if (!s.ok()) {
    FUZZ_CHECK(client_error(s), s.ToString().c_str());
    return;
  }
  auto conformed = conform_to_schema(spec, info->params);
  if (!conformed.ok()) FUZZ_CHECK(client_error(conformed.status()), "conform_to_schema");
}

void check_plan(const JobSpec& spec) {
  TrialPlanLimits limits;
  limits.max_scan = 20'000;
  limits.max_trials = 1'000'000;
  auto plan = make_trial_plan(spec, limits);
  if (!plan.ok()) {
    FUZZ_CHECK(client_error(plan.status()), plan.status().ToString().c_str());
    return;
  }
  const uint64_t n = std::min<uint64_t>(plan->total(), 8);
  for (uint64_t i = 0; i < n; ++i) {
    auto trial = plan->trial_at(i);
    FUZZ_CHECK(trial.ok(), trial.status().ToString().c_str());
    FUZZ_CHECK(trial->index == i, "trial_at(i).index != i");
  }
}

void check(std::string_view text, JobKind kind) {
  auto spec = parse_job_spec_text(text, kind);
  if (!spec.ok()) {
    FUZZ_CHECK(client_error(spec.status()), spec.status().ToString().c_str());
    return;
  }
  const nlohmann::json canonical = to_json(*spec);
  auto again = parse_job_spec(canonical, kind);
  FUZZ_CHECK(again.ok(), again.status().ToString().c_str());
  FUZZ_CHECK(*again == *spec, "parse_job_spec(to_json(s)) != s");
  auto from_text = parse_job_spec_text(canonical.dump(), kind);
  FUZZ_CHECK(from_text.ok(), from_text.status().ToString().c_str());
  FUZZ_CHECK(*from_text == *spec, "parse_job_spec_text(to_json(s).dump()) != s");
  check_schema(*spec);
  if (kind == JobKind::kOptimization) check_plan(*spec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text, JobKind::kBacktest);
  check(text, JobKind::kOptimization);
  return 0;
}
