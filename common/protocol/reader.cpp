#include "reader.hpp"

#include <cmath>
#include <limits>

namespace sweep::protocol::detail {

void Reader::fail(std::string_view key, std::string what, Code code) {
  if (ok()) status_ = Status(code, path(key) + ": " + what);
}

const nlohmann::json* Reader::get(std::string_view key, bool required) {
  if (!ok()) return nullptr;
  auto it = m_.find(key);
  if (it == m_.end() || it->is_null()) {
    if (required) fail(key, "required field missing");
    return nullptr;
  }
  return &*it;
}

void Reader::str(std::string_view key, std::string& out, bool required, size_t max_len) {
  const auto* v = get(key, required);
  if (!v) {
    if (ok()) out.clear();
    return;
  }
  if (!v->is_string()) return fail(key, "expected a string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_len)
    return fail(key, "longer than " + std::to_string(max_len) + " bytes", Code::kTooLarge);
  out = s;
}

void Reader::u64(std::string_view key, uint64_t& out, bool required) {
  const auto* v = get(key, required);
  if (!v) return;
  if (v->is_number_unsigned()) {
    out = v->get<uint64_t>();
  } else if (v->is_number_integer() && v->get<int64_t>() >= 0) {
    out = static_cast<uint64_t>(v->get<int64_t>());
  } else {
    fail(key, "expected an unsigned integer");
  }
}

void Reader::boolean(std::string_view key, bool& out, bool required) {
  const auto* v = get(key, required);
  if (!v) return;
  if (!v->is_boolean()) return fail(key, "expected true or false");
  out = v->get<bool>();
}

void Reader::u32(std::string_view key, uint32_t& out, bool required) {
  uint64_t v = out;
  u64(key, v, required);
  if (!ok()) return;
  if (v > std::numeric_limits<uint32_t>::max())
    return fail(key, "expected a 32-bit unsigned integer");
  out = static_cast<uint32_t>(v);
}

void Reader::i64(std::string_view key, int64_t& out, bool required) {
  const auto* v = get(key, required);
  if (!v) return;
  if (v->is_number_unsigned() &&
      v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return fail(key, "integer out of the int64 range");
  if (!v->is_number_integer()) return fail(key, "expected an integer");  // unsigned included
  out = v->get<int64_t>();
}

void Reader::f64(std::string_view key, double& out, bool required) {
  const auto* v = get(key, required);
  if (!v) return;
  if (!v->is_number()) return fail(key, "expected a number");
  // NaN and infinity have no place in a required or optional float (senders write nil for an
  // undefined value): accepted, they would re-encode as nil and no longer decode.
  if (!std::isfinite(v->get<double>())) return fail(key, "expected a finite number");
  out = v->get<double>();
}

void Reader::opt_f64(std::string_view key, std::optional<double>& out) {
  out.reset();
  double d = 0;
  if (get(key, false)) {
    f64(key, d);
    if (ok()) out = d;
  }
}

void Reader::opt_i64(std::string_view key, std::optional<int64_t>& out) {
  out.reset();
  int64_t i = 0;
  if (get(key, false)) {
    i64(key, i);
    if (ok()) out = i;
  }
}

const nlohmann::json* Reader::map(std::string_view key, bool required) {
  const auto* v = get(key, required);
  if (v && !v->is_object()) {
    fail(key, "expected a map");
    return nullptr;
  }
  return v;
}

const nlohmann::json* Reader::array(std::string_view key, bool required) {
  const auto* v = get(key, required);
  if (v && !v->is_array()) {
    fail(key, "expected an array");
    return nullptr;
  }
  return v;
}

const nlohmann::json& Reader::any(std::string_view key) {
  static const nlohmann::json kNull;
  auto it = m_.find(key);
  return it == m_.end() ? kNull : *it;
}

void Reader::metrics(std::string_view key, Metrics& out) {
  out = Metrics();
  const auto* m = map(key);
  if (!m) return;
  for (const auto& [name, value] : m->items()) {
    auto metric = metric_from_name(name);
    if (!metric) continue;  // a newer peer's metric: ignored like any unknown key
    if (value.is_null()) continue;
    if (!value.is_number()) return fail(std::string(key) + "." + name, "expected a number or nil");
    out[*metric] = value.get<double>();
  }
}

void Reader::params(std::string_view key, ParamSet& out) {
  out = ParamSet();
  const auto* m = map(key);
  if (!m) return;
  for (const auto& [name, value] : m->items()) {
    if (value.is_number_unsigned() &&
        value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return fail(std::string(key) + "." + name, "integer out of the int64 range");
    if (value.is_number_integer()) {
      out.set(name, value.get<int64_t>());
    } else if (value.is_number_float()) {
      out.set(name, value.get<double>());
    } else if (value.is_string()) {
      out.set(name, value.get<std::string>());
    } else {
      return fail(std::string(key) + "." + name, "expected an integer, a float or a string");
    }
  }
}

void Reader::string_list(std::string_view key, std::vector<std::string>& out) {
  out.clear();
  const auto* a = array(key);
  if (!a) return;
  for (size_t i = 0; i < a->size(); ++i) {
    if (!(*a)[i].is_string())
      return fail(std::string(key) + "[" + std::to_string(i) + "]", "expected a string");
    out.push_back((*a)[i].get<std::string>());
  }
}

void Reader::double_list(std::string_view key, std::vector<double>& out) {
  out.clear();
  const auto* a = array(key);
  if (!a) return;
  out.reserve(a->size());
  for (size_t i = 0; i < a->size(); ++i) {
    const auto& e = (*a)[i];
    if (e.is_null()) {
      out.push_back(std::nan(""));
    } else if (e.is_number()) {
      out.push_back(e.get<double>());
    } else {
      return fail(std::string(key) + "[" + std::to_string(i) + "]", "expected a number");
    }
  }
}

}  // namespace sweep::protocol::detail
