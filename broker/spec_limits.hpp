// The operator's limits (sweep::Limits, docs/LIMITS.md) applied to a submitted spec, on top of the
// compile-time ones the spec parser enforces everywhere. Errors are too_large, their message
// starting with the spec field and naming the sweep-broker flag.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "sweep/base/limits.hpp"
#include "sweep/base/status.hpp"
#include "sweep/jobs/job_spec.hpp"

namespace sweep::broker {

// The spec as compact JSON against max_spec_bytes; checked before parsing it.
Status check_spec_size(const nlohmann::json& spec, const Limits& limits);
// The strategy name, a dataset id and every choice value (params and space) against
// max_string_length.
Status check_spec_strings(const JobSpec& spec, const Limits& limits);
// Combinations the in-process optimizer runs but the cluster does not (a walk-forward with a stop
// on target: each window would need a stop of its own; docs/WALK_FORWARD.md): a bad_request
// naming the key.
Status check_cluster_support(const JobSpec& spec);
// The trial plan limits for a new optimization (max_trials).
TrialPlanLimits plan_limits(const Limits& limits);

}  // namespace sweep::broker
