// Strategy parameters: typed values, a schema per strategy, and validation against it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sweep/base/status.hpp"

namespace sweep {

enum class ParamType { kInt, kFloat, kChoice };
std::string_view param_type_name(ParamType t);  // "int", "float", "choice"

// A parameter's value: integers stay integers (so grids and constraints are exact).
using ParamValue = std::variant<int64_t, double, std::string>;

std::string to_string(const ParamValue& v);  // 10, 0.5, long_short
// Numeric view of a value (choices have none).
std::optional<double> as_number(const ParamValue& v);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kInt;
  ParamValue default_value;
  // Inclusive bounds for kInt/kFloat.
  double min = 0;
  double max = 0;
  std::vector<std::string> choices;  // kChoice only
  std::string description;
};

// Parameter name -> value, in a fixed order (the schema's).
class ParamSet {
 public:
  void set(std::string name, ParamValue v);
  const ParamValue* find(std::string_view name) const;
  // Typed getters for strategies: the set was validated, so a missing or mistyped name is a bug.
  int64_t get_int(std::string_view name) const;
  double get_double(std::string_view name) const;  // int values widen
  const std::string& get_string(std::string_view name) const;

  const std::vector<std::pair<std::string, ParamValue>>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  // "fast=10 slow=30 mode=long_short"
  std::string ToString() const;
  bool operator==(const ParamSet& o) const { return items_ == o.items_; }

 private:
  std::vector<std::pair<std::string, ParamValue>> items_;
};

// Parses a command-line value by the spec's type: "10", "0.5", "long_short".
Result<ParamValue> parse_param_value(const ParamSpec& spec, std::string_view text);

// Checks names, types and bounds against the schema and fills in defaults; the result is in
// schema order. Errors name the parameter: "param 'fast': 0 is below the minimum 1".
Result<ParamSet> validate_params(const std::vector<ParamSpec>& schema, const ParamSet& given);

}  // namespace sweep
