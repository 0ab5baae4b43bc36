// A parameter space: named axes whose cartesian product is the optimization grid (DESIGN §6).
// The grid is never materialised: a point is decoded from its index on demand.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sweep/base/status.hpp"
#include "sweep/engine/params.hpp"

namespace sweep {

// One axis of the grid: an explicit list of values or an inclusive numeric range.
//
// Ranges. When start, stop and step are all int64 the values are the integers start + k*step
// (k = 0, 1, ...) up to stop; they stay int64. Otherwise the values are doubles computed by decimal
// arithmetic: if start, stop and step are each exactly the double nearest to a decimal with at
// most 22 fraction digits and at most 2^53 in significand (0.1, 2.5, 1e-4, ...), they are scaled
// to integers S, P, T by the common power of ten 10^d, the count is (P - S) / T + 1 exactly, and
// value k is (S + k*T) / 10^d rounded once — the same double that parsing the decimal text gives.
// So 0.1:0.5:0.1 yields exactly 0.1, 0.2, 0.3, 0.4, 0.5 (not 0.30000000000000004). Ranges with no
// such decimal form (e.g. a step of 1/3) fall back to start + k*step, with the count
// floor((stop - start) / step * (1 + 1e-9)) + 1 so that rounding does not drop the endpoint.
class Axis {
 public:
  // `where` names the axis in errors: "space.slow" -> "space.slow[2]: duplicate value 30".
  // Values must be non-empty and distinct (numbers compared by value: 10 and 10.0 collide).
  static Result<Axis> list(std::vector<ParamValue> values, std::string_view where);
  // Errors: "space.fast.step: must be > 0", "space.fast.stop: must be >= start".
  static Result<Axis> range(ParamValue start, ParamValue stop, ParamValue step,
                            std::string_view where);
  static Axis single(ParamValue value);

  uint64_t size() const { return size_; }
  ParamValue at(uint64_t i) const;  // requires i < size()

  bool is_range() const { return kind_ != Kind::kList; }
  // As given: the list values (when !is_range()) or the range bounds (when is_range()).
  const std::vector<ParamValue>& values() const { return values_; }
  const ParamValue& start() const { return start_; }
  const ParamValue& stop() const { return stop_; }
  const ParamValue& step() const { return step_; }

  bool operator==(const Axis& o) const;  // equal as given

 private:
  enum class Kind { kList, kIntRange, kDecimalRange, kFloatRange };
  Axis() = default;

  Kind kind_ = Kind::kList;
  std::vector<ParamValue> values_;
  ParamValue start_, stop_, step_;
  uint64_t size_ = 0;
  // kIntRange: first + k*delta. kDecimalRange: (first + k*delta) / scale.
  int64_t first_ = 0;
  int64_t delta_ = 0;
  double scale_ = 1;
  // kFloatRange: first_d + k*delta_d.
  double first_d_ = 0;
  double delta_d_ = 0;
};

// Named axes, kept sorted by name so that the same space gives the same trial numbering however it
// was built (JSON object order, command-line flag order). Grid index decoding is mixed radix with
// the LAST axis (in name order) varying fastest: for axes a = [1, 2] and b = [x, y, z] the grid is
// (1,x) (1,y) (1,z) (2,x) (2,y) (2,z).
class ParamSpace {
 public:
  // Errors: "space.fast: given twice", "space.slow: the grid has more than 2^64-1 points".
  Status add(std::string name, Axis axis);
  // A fixed parameter: a one-value axis.
  Status add_fixed(std::string name, ParamValue value) {
    return add(std::move(name), Axis::single(std::move(value)));
  }

  const std::vector<std::pair<std::string, Axis>>& axes() const { return axes_; }
  const Axis* find(std::string_view name) const;
  std::vector<std::string> names() const;
  bool empty() const { return axes_.empty(); }

  // Product of the axis sizes; 1 for an empty space. add() refuses spaces that overflow it.
  uint64_t grid_size() const { return grid_size_; }
  // The point at `grid_index` (requires grid_index < grid_size()), names in axis order.
  ParamSet at(uint64_t grid_index) const;
  // The per-axis value indices of `grid_index` (digits[i] indexes axes()[i]).
  void decode(uint64_t grid_index, std::vector<uint64_t>& digits) const;

  bool operator==(const ParamSpace& o) const { return axes_ == o.axes_; }

 private:
  std::vector<std::pair<std::string, Axis>> axes_;
  uint64_t grid_size_ = 1;
};

}  // namespace sweep
