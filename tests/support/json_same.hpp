// Whether two JSON values are the same all the way down: the same type at every node (nlohmann's
// == calls 5u and 5 equal), the same keys in the same order, and NaN the same as NaN (== calls
// it unequal to itself). For comparing two decoders of one frame.
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

namespace sweep::testing {

inline bool same_json(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_number_float() && std::isnan(a.get<double>())) return std::isnan(b.get<double>());
  if (!a.is_structured()) return a == b;
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (a.is_object() && ia.key() != ib.key()) return false;
    if (!same_json(*ia, *ib)) return false;
  }
  return true;
}

}  // namespace sweep::testing
