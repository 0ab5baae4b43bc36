// Fuzz target for the constraint-expression parser and evaluator (sweep/constraint.hpp), over
// the names a, b, fast, slow, mode. Properties, beyond "no crash, no leak, no UB, no exception":
// an error is bad_request or too_large; a parsed constraint evaluates (without trapping) on a few
// points, including zeros, negatives, huge values and a string where a number may be expected,
// and gives the same answer by name lookup and by slot.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "sweep/optimize/constraint.hpp"

namespace {

using namespace sweep;

const std::vector<std::string> kNames = {"a", "b", "fast", "slow", "mode"};

std::vector<std::vector<ParamValue>> points() {
  const double inf = std::numeric_limits<double>::infinity();
  return {
      {int64_t{1}, int64_t{2}, int64_t{10}, int64_t{30}, std::string("long_short")},
      {int64_t{0}, int64_t{0}, int64_t{0}, int64_t{0}, std::string("")},
      {-1.5, 1e308, int64_t{-9'223'372'036'854'775'807}, int64_t{9'223'372'036'854'775'807},
       std::string("long_only")},
      {std::numeric_limits<double>::quiet_NaN(), inf, -inf, 5e-324, int64_t{3}},
      {std::string("x"), std::string("y"), int64_t{1}, 2.5, 0.0},
  };
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto c = Constraint::parse(text, kNames);
  if (!c.ok()) {
    const Code code = c.status().code();
    FUZZ_CHECK(code == Code::kBadRequest || code == Code::kTooLarge, c.status().ToString().c_str());
    return 0;
  }
  static const std::vector<std::vector<ParamValue>> kPoints = points();
  for (const auto& values : kPoints) {
    ParamSet by_name;
    for (size_t i = 0; i < kNames.size(); ++i) by_name.set(kNames[i], values[i]);
    const bool slot = c->eval(std::span<const ParamValue>(values));
    FUZZ_CHECK(c->eval(by_name) == slot, "eval by name != eval by slot");
  }
  return 0;
}
