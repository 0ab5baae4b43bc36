// A job spec against a strategy's parameter schema, and the trial plan of an optimization spec.
#include <cmath>

#include "sweep/jobs/job_spec.hpp"

namespace sweep {
namespace {

constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53

std::optional<int64_t> as_integer(const ParamValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v); d && std::trunc(*d) == *d && std::fabs(*d) <= kMaxExactInt)
    return static_cast<int64_t>(*d);
  return std::nullopt;
}

Status bad(const std::string& field, const std::string& why) {
  return Status::BadRequest(field + ": " + why);
}

// Type only; bounds are checked by check_bounds.
Status check_type(const ParamSpec& spec, const ParamValue& v, const std::string& field) {
  switch (spec.type) {
    case ParamType::kInt:
      if (!as_integer(v)) return bad(field, "expected an integer, got " + to_string(v));
      return Status::Ok();
    case ParamType::kFloat:
      if (!as_number(v)) return bad(field, "expected a number, got " + to_string(v));
      return Status::Ok();
    case ParamType::kChoice: {
      if (auto* s = std::get_if<std::string>(&v))
        for (auto& c : spec.choices)
          if (c == *s) return Status::Ok();
      std::string list;
      for (auto& c : spec.choices) list += (list.empty() ? "" : "|") + c;
      std::string got = "'";
      got += to_string(v);  // appended: GCC 12 misreports "'" + std::string under -Wrestrict
      return bad(field, got + "' is not one of " + list);
    }
  }
  return Status::Internal(field + ": unknown parameter type");
}

Status check_bounds(const ParamSpec& spec, const ParamValue& v, const std::string& field) {
  std::optional<double> d = as_number(v);
  if (spec.type == ParamType::kChoice || !d || (*d >= spec.min && *d <= spec.max))
    return Status::Ok();
  return bad(field, to_string(v) + " is outside [" + to_string(ParamValue(spec.min)) + ", " +
                        to_string(ParamValue(spec.max)) + "]");
}

Status check_value(const ParamSpec& spec, const ParamValue& v, const std::string& field) {
  if (Status s = check_type(spec, v, field); !s.ok()) return s;
  return check_bounds(spec, v, field);
}

Status check_axis(const ParamSpec& spec, const Axis& axis, const std::string& where) {
  if (!axis.is_range()) {
    for (size_t i = 0; i < axis.values().size(); ++i)
      if (Status s = check_value(spec, axis.values()[i], where + "[" + std::to_string(i) + "]");
          !s.ok())
        return s;
    return Status::Ok();
  }
  if (spec.type == ParamType::kChoice)
    return bad(where, "a range needs a numeric parameter; '" + spec.name + "' is a choice");
  // Start and step integral make every value integral; ranges are monotone, so the first and
  // the last value bound them all.
  if (Status s = check_value(spec, axis.start(), where + ".start"); !s.ok()) return s;
  if (Status s = check_type(spec, axis.step(), where + ".step"); !s.ok()) return s;
  return check_bounds(spec, axis.at(axis.size() - 1), where + ".stop");
}

const ParamSpec* find_spec(const std::vector<ParamSpec>& schema, std::string_view name) {
  for (auto& s : schema)
    if (s.name == name) return &s;
  return nullptr;
}

Status unknown(const std::string& field, const std::vector<ParamSpec>& schema) {
  std::string names;
  for (auto& s : schema) names += (names.empty() ? "" : ", ") + s.name;
  return bad(field, "unknown parameter (expected " + names + ")");
}

// The value with the schema's numeric type (after check_value passed).
ParamValue typed(const ParamSpec& spec, const ParamValue& v) {
  if (spec.type == ParamType::kInt) return *as_integer(v);
  if (spec.type == ParamType::kFloat) return *as_number(v);
  return v;
}

Result<Axis> typed_axis(const ParamSpec& spec, const Axis& axis, const std::string& where) {
  if (!axis.is_range()) {
    std::vector<ParamValue> values;
    values.reserve(axis.values().size());
    for (auto& v : axis.values()) values.push_back(typed(spec, v));
    return Axis::list(std::move(values), where);
  }
  // An int range ends at its last value, so that the integral stop needs no rounding.
  const ParamValue stop = spec.type == ParamType::kInt ? axis.at(axis.size() - 1) : axis.stop();
  return Axis::range(typed(spec, axis.start()), typed(spec, stop), typed(spec, axis.step()), where);
}

}  // namespace

Status check_against_schema(const JobSpec& spec, const std::vector<ParamSpec>& schema) {
  for (auto& [name, v] : spec.params.items()) {
    const ParamSpec* ps = find_spec(schema, name);
    if (!ps) return unknown("params." + name, schema);
    if (Status s = check_value(*ps, v, "params." + name); !s.ok()) return s;
  }
  if (spec.kind != JobKind::kOptimization) return Status::Ok();
  for (auto& [name, axis] : spec.space.axes()) {
    const ParamSpec* ps = find_spec(schema, name);
    if (!ps) return unknown("space." + name, schema);
    if (Status s = check_axis(*ps, axis, "space." + name); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<JobSpec> conform_to_schema(const JobSpec& spec, const std::vector<ParamSpec>& schema) {
  if (Status s = check_against_schema(spec, schema); !s.ok()) return s;
  JobSpec out = spec;
  out.params = ParamSet();
  for (auto& [name, v] : spec.params.items())
    out.params.set(name, typed(*find_spec(schema, name), v));
  out.space = ParamSpace();
  for (auto& [name, axis] : spec.space.axes()) {
    Result<Axis> a = typed_axis(*find_spec(schema, name), axis, "space." + name);
    if (!a.ok()) return a.status();
    if (Status s = out.space.add(name, std::move(a).value()); !s.ok()) return s;
  }
  return out;
}

Result<ParamSpace> effective_space(const JobSpec& spec) {
  ParamSpace space = spec.space;
  for (auto& [name, v] : spec.params.items()) {
    if (space.find(name)) return bad("params." + name, "also given in space");
    if (Status s = space.add_fixed(name, v); !s.ok()) return s;
  }
  return space;
}

Result<TrialPlan> make_trial_plan(const JobSpec& spec, TrialPlanLimits limits) {
  if (spec.kind != JobKind::kOptimization)
    return Status::BadRequest("a backtest job has no trial plan");
  Result<ParamSpace> space = effective_space(spec);
  if (!space.ok()) return space.status();
  return TrialPlan::create(std::move(space).value(), spec.constraint, spec.method, limits);
}

}  // namespace sweep
