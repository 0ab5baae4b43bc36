#include "sweep/engine/params.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace sweep {

std::string_view param_type_name(ParamType t) {
  switch (t) {
    case ParamType::kInt:
      return "int";
    case ParamType::kFloat:
      return "float";
    case ParamType::kChoice:
      return "choice";
  }
  return "int";
}

std::string to_string(const ParamValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) {
    char buf[64];
    // Shortest text that reads back to the same double.
    auto r = std::to_chars(buf, buf + sizeof buf, *d);
    return std::string(buf, r.ptr);
  }
  return std::get<std::string>(v);
}

std::optional<double> as_number(const ParamValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

void ParamSet::set(std::string name, ParamValue v) {
  for (auto& [n, val] : items_) {
    if (n == name) {
      val = std::move(v);
      return;
    }
  }
  items_.emplace_back(std::move(name), std::move(v));
}

const ParamValue* ParamSet::find(std::string_view name) const {
  for (auto& [n, val] : items_)
    if (n == name) return &val;
  return nullptr;
}

int64_t ParamSet::get_int(std::string_view name) const {
  const ParamValue* v = find(name);
  if (!v || !std::holds_alternative<int64_t>(*v))
    throw std::logic_error("param '" + std::string(name) + "' is not an int");
  return std::get<int64_t>(*v);
}

double ParamSet::get_double(std::string_view name) const {
  const ParamValue* v = find(name);
  std::optional<double> d = v ? as_number(*v) : std::nullopt;
  if (!d) throw std::logic_error("param '" + std::string(name) + "' is not a number");
  return *d;
}

const std::string& ParamSet::get_string(std::string_view name) const {
  const ParamValue* v = find(name);
  if (!v || !std::holds_alternative<std::string>(*v))
    throw std::logic_error("param '" + std::string(name) + "' is not a string");
  return std::get<std::string>(*v);
}

std::string ParamSet::ToString() const {
  std::string out;
  for (auto& [n, v] : items_) {
    if (!out.empty()) out += ' ';
    out += n + "=" + sweep::to_string(v);
  }
  return out;
}

Result<ParamValue> parse_param_value(const ParamSpec& spec, std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::BadRequest("param '" + spec.name + "': '" + std::string(text) + "' " + why);
  };
  switch (spec.type) {
    case ParamType::kInt: {
      int64_t v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size())
        return bad("is not an integer");
      return ParamValue(v);
    }
    case ParamType::kFloat: {
      double v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v))
        return bad("is not a finite number");
      return ParamValue(v);
    }
    case ParamType::kChoice:
      return ParamValue(std::string(text));
  }
  return bad("has an unknown type");
}

namespace {

Result<ParamValue> check_value(const ParamSpec& spec, const ParamValue& v) {
  const std::string where = "param '" + spec.name + "': ";
  switch (spec.type) {
    case ParamType::kInt: {
      int64_t i = 0;
      if (auto* pi = std::get_if<int64_t>(&v)) {
        i = *pi;
      } else if (auto* pd = std::get_if<double>(&v);
                 pd && std::trunc(*pd) == *pd && std::fabs(*pd) < 9.0e15) {
        i = static_cast<int64_t>(*pd);  // 10.0 from JSON is the integer 10
      } else {
        return Status::BadRequest(where + "expected an integer, got '" + to_string(v) + "'");
      }
      if (static_cast<double>(i) < spec.min || static_cast<double>(i) > spec.max)
        return Status::BadRequest(where + std::to_string(i) + " is outside [" +
                                  std::to_string(static_cast<int64_t>(spec.min)) + ", " +
                                  std::to_string(static_cast<int64_t>(spec.max)) + "]");
      return ParamValue(i);
    }
    case ParamType::kFloat: {
      std::optional<double> d = as_number(v);
      if (!d || !std::isfinite(*d))
        return Status::BadRequest(where + "expected a number, got '" + to_string(v) + "'");
      if (*d < spec.min || *d > spec.max)
        return Status::BadRequest(where + to_string(v) + " is outside [" +
                                  to_string(ParamValue(spec.min)) + ", " +
                                  to_string(ParamValue(spec.max)) + "]");
      return ParamValue(*d);
    }
    case ParamType::kChoice: {
      auto* s = std::get_if<std::string>(&v);
      if (s)
        for (auto& c : spec.choices)
          if (c == *s) return v;
      std::string list;
      for (auto& c : spec.choices) list += (list.empty() ? "" : "|") + c;
      return Status::BadRequest(where + "'" + to_string(v) + "' is not one of " + list);
    }
  }
  return Status::Internal(where + "unknown type");
}

}  // namespace

Result<ParamSet> validate_params(const std::vector<ParamSpec>& schema, const ParamSet& given) {
  for (auto& [name, v] : given.items()) {
    bool known = false;
    for (auto& s : schema) known = known || s.name == name;
    if (!known) {
      std::string names;
      for (auto& s : schema) names += (names.empty() ? "" : ", ") + s.name;
      return Status::BadRequest("unknown param '" + name + "' (expected: " + names + ")");
    }
  }
  ParamSet out;
  for (auto& spec : schema) {
    const ParamValue* v = given.find(spec.name);
    Result<ParamValue> checked = check_value(spec, v ? *v : spec.default_value);
    if (!checked.ok()) return checked.status();
    out.set(spec.name, std::move(checked).value());
  }
  return out;
}

}  // namespace sweep
