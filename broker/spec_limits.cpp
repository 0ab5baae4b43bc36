#include "spec_limits.hpp"

#include <nlohmann/json.hpp>

namespace sweep::broker {

namespace {

Status check_string(const std::string& s, const std::string& field, const Limits& limits) {
  if (s.size() <= limits.max_string_length) return Status::Ok();
  return Status::TooLarge(field + ": longer than " + std::to_string(limits.max_string_length) +
                          " bytes (--max-string-length)");
}

Status check_value(const ParamValue& v, const std::string& field, const Limits& limits) {
  if (const auto* s = std::get_if<std::string>(&v)) return check_string(*s, field, limits);
  return Status::Ok();
}

}  // namespace

Status check_spec_size(const nlohmann::json& spec, const Limits& limits) {
  const size_t bytes = spec.dump().size();
  if (bytes <= limits.max_spec_bytes) return Status::Ok();
  return Status::TooLarge("spec: " + std::to_string(bytes) + " bytes as JSON, more than " +
                          std::to_string(limits.max_spec_bytes) + " (--max-spec-bytes)");
}

Status check_spec_strings(const JobSpec& spec, const Limits& limits) {
  if (Status s = check_string(spec.strategy, "spec.strategy", limits); !s.ok()) return s;
  if (const auto* id = std::get_if<DatasetId>(&spec.dataset)) {
    if (Status s = check_string(id->id, "spec.dataset.id", limits); !s.ok()) return s;
  }
  for (const auto& [name, value] : spec.params.items()) {
    if (Status s = check_value(value, "spec.params." + name, limits); !s.ok()) return s;
  }
  for (const auto& [name, axis] : spec.space.axes()) {
    if (axis.is_range()) continue;  // numbers only
    const auto& values = axis.values();
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string field = "spec.space." + name + "[" + std::to_string(i) + "]";
      if (Status s = check_value(values[i], field, limits); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status check_cluster_support(const JobSpec& spec) {
  if (!spec.walk_forward) return Status::Ok();
  if (spec.stop_value)
    return Status::BadRequest(
        "spec.walk_forward: not with a stop on target on the cluster (each window would need its "
        "own; run it with sweep optimize)");
  return Status::Ok();
}

TrialPlanLimits plan_limits(const Limits& limits) {
  TrialPlanLimits p;
  p.max_trials = limits.max_trials;
  return p;
}

}  // namespace sweep::broker
