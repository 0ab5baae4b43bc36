#include "sweep/optimize/param_space.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <optional>

#include "sweep/base/limits.hpp"

namespace sweep {
namespace {

constexpr int64_t kMaxExactInt = int64_t{1} << 53;  // every integer up to here is a double
constexpr int kMaxDecimalDigits = 22;               // 10^22 is the last exact power of ten

double pow10(int d) {
  static const auto table = [] {
    std::array<double, kMaxDecimalDigits + 1> t{};
    double p = 1;
    for (auto& x : t) x = p, p *= 10;  // exact up to 10^22
    return t;
  }();
  return table[d];
}

struct Decimal {
  int64_t significand;
  int digits;  // value = significand / 10^digits
};

// The shortest decimal whose nearest double is exactly x, if it has a small enough significand.
std::optional<Decimal> as_decimal(double x) {
  for (int d = 0; d <= kMaxDecimalDigits; ++d) {
    double scaled = x * pow10(d);
    if (!(std::fabs(scaled) <= static_cast<double>(kMaxExactInt))) return std::nullopt;
    auto m = static_cast<int64_t>(std::llround(scaled));
    if (static_cast<double>(m) / pow10(d) == x) return Decimal{m, d};
  }
  return std::nullopt;
}

// significand * 10^(to - from), if it stays within the exact-double integers.
std::optional<int64_t> rescale(const Decimal& x, int to) {
  int64_t v = x.significand;
  for (int d = x.digits; d < to; ++d)
    if (__builtin_mul_overflow(v, int64_t{10}, &v)) return std::nullopt;
  if (v > kMaxExactInt || v < -kMaxExactInt) return std::nullopt;
  return v;
}

bool same_value(const ParamValue& a, const ParamValue& b) {
  auto na = as_number(a), nb = as_number(b);
  if (na && nb) return *na == *nb;
  return a == b;
}

std::string field(std::string_view where, std::string_view key) {
  return std::string(where) + "." + std::string(key);
}

}  // namespace

Result<Axis> Axis::list(std::vector<ParamValue> values, std::string_view where) {
  if (values.empty()) return Status::BadRequest(std::string(where) + ": empty list");
  if (values.size() > kMaxAxisValues)
    return Status::TooLarge(std::string(where) + ": more than " + std::to_string(kMaxAxisValues) +
                            " values");
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string at = std::string(where) + "[" + std::to_string(i) + "]";
    if (auto* d = std::get_if<double>(&values[i]); d && !std::isfinite(*d))
      return Status::BadRequest(at + ": not a finite number");
    // Quadratic only up to a few hundred values; beyond, sort a copy of the indices.
    if (values.size() <= 256) {
      for (size_t j = 0; j < i; ++j)
        if (same_value(values[j], values[i]))
          return Status::BadRequest(at + ": duplicate value " + to_string(values[i]));
    }
  }
  if (values.size() > 256) {
    std::vector<size_t> order(values.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto key_less = [&](size_t a, size_t b) {
      auto na = as_number(values[a]), nb = as_number(values[b]);
      if (na.has_value() != nb.has_value()) return na.has_value();
      if (na) return *na < *nb || (*na == *nb && a < b);
      const auto& sa = std::get<std::string>(values[a]);
      const auto& sb = std::get<std::string>(values[b]);
      return sa < sb || (sa == sb && a < b);
    };
    std::sort(order.begin(), order.end(), key_less);
    for (size_t k = 1; k < order.size(); ++k)
      if (same_value(values[order[k - 1]], values[order[k]]))
        return Status::BadRequest(std::string(where) + "[" + std::to_string(order[k]) +
                                  "]: duplicate value " + to_string(values[order[k]]));
  }
  Axis a;
  a.kind_ = Kind::kList;
  a.size_ = values.size();
  a.values_ = std::move(values);
  return a;
}

Axis Axis::single(ParamValue value) {
  Axis a;
  a.kind_ = Kind::kList;
  a.size_ = 1;
  a.values_.push_back(std::move(value));
  return a;
}

Result<Axis> Axis::range(ParamValue start, ParamValue stop, ParamValue step,
                         std::string_view where) {
  const std::pair<const char*, const ParamValue*> bounds[] = {
      {"start", &start}, {"stop", &stop}, {"step", &step}};
  for (auto [key, v] : bounds) {
    auto n = as_number(*v);
    if (!n) return Status::BadRequest(field(where, key) + ": expected a number");
    if (!std::isfinite(*n)) return Status::BadRequest(field(where, key) + ": not a finite number");
  }
  if (!(*as_number(step) > 0)) return Status::BadRequest(field(where, "step") + ": must be > 0");
  if (*as_number(stop) < *as_number(start))
    return Status::BadRequest(field(where, "stop") + ": must be >= start");

  Axis a;
  a.start_ = start;
  a.stop_ = stop;
  a.step_ = step;
  const std::string too_many = field(where, "step") + ": the range has too many values";
  auto* i0 = std::get_if<int64_t>(&start);
  auto* i1 = std::get_if<int64_t>(&stop);
  auto* di = std::get_if<int64_t>(&step);
  if (i0 && i1 && di) {
    // Unsigned difference: exact even when stop - start overflows int64.
    uint64_t span = static_cast<uint64_t>(*i1) - static_cast<uint64_t>(*i0);
    uint64_t steps = span / static_cast<uint64_t>(*di);
    if (steps == std::numeric_limits<uint64_t>::max()) return Status::TooLarge(too_many);
    a.kind_ = Kind::kIntRange;
    a.size_ = steps + 1;
    a.first_ = *i0;
    a.delta_ = *di;
    return a;
  }

  const double d0 = *as_number(start), d1 = *as_number(stop), dd = *as_number(step);
  auto s = as_decimal(d0), p = as_decimal(d1), t = as_decimal(dd);
  if (s && p && t) {
    int digits = std::max({s->digits, p->digits, t->digits});
    auto S = rescale(*s, digits), P = rescale(*p, digits), T = rescale(*t, digits);
    if (S && P && T) {
      a.kind_ = Kind::kDecimalRange;
      a.size_ = static_cast<uint64_t>((*P - *S) / *T) + 1;
      a.first_ = *S;
      a.delta_ = *T;
      a.scale_ = pow10(digits);
      return a;
    }
  }
  double steps = std::floor((d1 - d0) / dd * (1 + 1e-9));
  if (!(steps < 0x1p63)) return Status::TooLarge(too_many);
  a.kind_ = Kind::kFloatRange;
  a.size_ = static_cast<uint64_t>(steps) + 1;
  a.first_d_ = d0;
  a.delta_d_ = dd;
  return a;
}

ParamValue Axis::at(uint64_t i) const {
  assert(i < size_);
  switch (kind_) {
    case Kind::kList:
      return values_[i];
    case Kind::kIntRange:
      // Wrapping arithmetic; the true result lies in [start, stop], so it is exact.
      return static_cast<int64_t>(static_cast<uint64_t>(first_) +
                                  i * static_cast<uint64_t>(delta_));
    case Kind::kDecimalRange:
      return static_cast<double>(first_ + static_cast<int64_t>(i) * delta_) / scale_;
    case Kind::kFloatRange:
      return first_d_ + static_cast<double>(i) * delta_d_;
  }
  return values_[0];
}

bool Axis::operator==(const Axis& o) const {
  if (is_range() != o.is_range()) return false;
  if (!is_range()) return values_ == o.values_;
  return start_ == o.start_ && stop_ == o.stop_ && step_ == o.step_;
}

Status ParamSpace::add(std::string name, Axis axis) {
  auto pos =
      std::lower_bound(axes_.begin(), axes_.end(), name,
                       [](const auto& item, const std::string& n) { return item.first < n; });
  if (pos != axes_.end() && pos->first == name)
    return Status::BadRequest("space." + name + ": given twice");
  uint64_t size = 0;
  if (__builtin_mul_overflow(grid_size_, axis.size(), &size))
    return Status::TooLarge("space." + name + ": the grid has more than 2^64-1 points");
  grid_size_ = size;
  axes_.emplace(pos, std::move(name), std::move(axis));
  return Status::Ok();
}

const Axis* ParamSpace::find(std::string_view name) const {
  for (auto& [n, axis] : axes_)
    if (n == name) return &axis;
  return nullptr;
}

std::vector<std::string> ParamSpace::names() const {
  std::vector<std::string> out;
  out.reserve(axes_.size());
  for (auto& item : axes_) out.push_back(item.first);
  return out;
}

void ParamSpace::decode(uint64_t grid_index, std::vector<uint64_t>& digits) const {
  assert(grid_index < grid_size_);
  digits.resize(axes_.size());
  for (size_t i = axes_.size(); i-- > 0;) {
    uint64_t radix = axes_[i].second.size();
    digits[i] = grid_index % radix;
    grid_index /= radix;
  }
}

ParamSet ParamSpace::at(uint64_t grid_index) const {
  std::vector<uint64_t> digits;
  decode(grid_index, digits);
  ParamSet out;
  for (size_t i = 0; i < axes_.size(); ++i) out.set(axes_[i].first, axes_[i].second.at(digits[i]));
  return out;
}

}  // namespace sweep
