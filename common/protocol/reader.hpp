// Typed, field-naming access to a decoded msgpack map. Private to common/protocol.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sweep/base/status.hpp"
#include "sweep/engine/metrics.hpp"
#include "sweep/engine/params.hpp"

namespace sweep::protocol::detail {

// Reads fields of one map. The first failure is kept in status() and later reads do nothing, so a
// decoder reads every field in a row and checks once. Messages name the field by its path:
// "status.id: expected a string".
class Reader {
 public:
  Reader(const nlohmann::json& map, std::string path) : m_(map), path_(std::move(path)) {}

  bool ok() const { return status().ok(); }
  const Status& status() const { return status_; }
  const nlohmann::json& whole() const { return m_; }
  std::string path(std::string_view key) const { return path_ + "." + std::string(key); }

  // `max_len` over: too_large. Optional strings accept nil and absence as "".
  void str(std::string_view key, std::string& out, bool required = true, size_t max_len = SIZE_MAX);
  void u64(std::string_view key, uint64_t& out, bool required = true);
  void u32(std::string_view key, uint32_t& out, bool required = true);
  void i64(std::string_view key, int64_t& out, bool required = true);
  void f64(std::string_view key, double& out, bool required = true);
  void opt_f64(std::string_view key, std::optional<double>& out);
  void boolean(std::string_view key, bool& out, bool required = true);
  void opt_i64(std::string_view key, std::optional<int64_t>& out);
  // A map (required) or nil/absent (when !required: *out = nullptr).
  const nlohmann::json* map(std::string_view key, bool required = true);
  const nlohmann::json* array(std::string_view key, bool required = true);
  // Any value; absent = null.
  const nlohmann::json& any(std::string_view key);
  void metrics(std::string_view key, Metrics& out);
  void params(std::string_view key, ParamSet& out);
  void string_list(std::string_view key, std::vector<std::string>& out);
  void double_list(std::string_view key, std::vector<double>& out);

  void fail(std::string_view key, std::string what, Code code = Code::kBadRequest);
  // Records an error found in a nested map (its message already names the full path).
  void fail_with(const Status& s) {
    if (ok() && !s.ok()) status_ = s;
  }

 private:
  const nlohmann::json* get(std::string_view key, bool required);

  const nlohmann::json& m_;
  std::string path_;
  Status status_;
};

}  // namespace sweep::protocol::detail
