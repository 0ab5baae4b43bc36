#include "sweep/optimize/param_space.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace sweep {
namespace {

Axis list(std::vector<ParamValue> v) {
  return Axis::list(std::move(v), "space.x").value();
}
Axis range(ParamValue a, ParamValue b, ParamValue c) {
  return Axis::range(a, b, c, "space.x").value();
}

std::vector<ParamValue> values(const Axis& a) {
  std::vector<ParamValue> out;
  for (uint64_t i = 0; i < a.size(); ++i) out.push_back(a.at(i));
  return out;
}

TEST(SpaceAxis, IntRangeStaysInt) {
  Axis a = range(int64_t{5}, int64_t{25}, int64_t{5});
  EXPECT_EQ(values(a), (std::vector<ParamValue>{int64_t{5}, int64_t{10}, int64_t{15}, int64_t{20},
                                                int64_t{25}}));
  // stop not on the step: the range ends below it.
  EXPECT_EQ(range(int64_t{1}, int64_t{10}, int64_t{4}).size(), 3u);
  EXPECT_EQ(range(int64_t{7}, int64_t{7}, int64_t{1}).size(), 1u);
}

TEST(SpaceAxis, IntRangeAtTheEdgesOfInt64) {
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  Axis a = range(lo, hi, hi);
  EXPECT_EQ(values(a), (std::vector<ParamValue>{lo, lo + hi, lo + hi + hi}));
  Result<Axis> all = Axis::range(lo, hi, int64_t{1}, "space.x");
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.status().message(), "space.x.step: the range has too many values");
}

TEST(SpaceAxis, FloatRangeIsExactDecimal) {
  Axis a = range(0.1, 0.5, 0.1);
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(values(a), (std::vector<ParamValue>{0.1, 0.2, 0.3, 0.4, 0.5}));
  // Each value is the double that parsing its decimal text gives.
  Axis b = range(0.0, 1.0, 0.05);
  ASSERT_EQ(b.size(), 21u);
  EXPECT_EQ(b.at(3), ParamValue(0.15));
  EXPECT_EQ(b.at(7), ParamValue(0.35));
  EXPECT_EQ(b.at(20), ParamValue(1.0));
  EXPECT_EQ(range(-1.5, 1.5, 0.5).at(1), ParamValue(-1.0));
  EXPECT_EQ(range(1e-4, 5e-4, 1e-4).size(), 5u);
  // Mixed int/float bounds make a float range.
  EXPECT_EQ(values(range(int64_t{1}, int64_t{2}, 0.5)), (std::vector<ParamValue>{1.0, 1.5, 2.0}));
}

TEST(SpaceAxis, FloatRangeWithoutDecimalFormKeepsTheEndpoint) {
  const double third = 1.0 / 3.0;
  Axis a = range(0.0, 1.0, third);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_NEAR(std::get<double>(a.at(3)), 1.0, 1e-12);
}

TEST(SpaceAxis, RangeErrorsNameTheField) {
  auto err = [](ParamValue a, ParamValue b, ParamValue c) {
    return Axis::range(a, b, c, "space.fast").status().message();
  };
  EXPECT_EQ(err(int64_t{1}, int64_t{5}, int64_t{0}), "space.fast.step: must be > 0");
  EXPECT_EQ(err(int64_t{1}, int64_t{5}, -1.0), "space.fast.step: must be > 0");
  EXPECT_EQ(err(int64_t{5}, int64_t{1}, int64_t{1}), "space.fast.stop: must be >= start");
  EXPECT_EQ(err(std::string("a"), int64_t{1}, int64_t{1}), "space.fast.start: expected a number");
  EXPECT_EQ(err(0.0, std::numeric_limits<double>::infinity(), 1.0),
            "space.fast.stop: not a finite number");
}

TEST(SpaceAxis, ListErrors) {
  EXPECT_EQ(Axis::list({}, "space.slow").status().message(), "space.slow: empty list");
  EXPECT_EQ(Axis::list({int64_t{20}, int64_t{30}, 30.0}, "space.slow").status().message(),
            "space.slow[2]: duplicate value 30");
  std::vector<ParamValue> many;
  for (int64_t i = 0; i < 1000; ++i) many.push_back(i);
  EXPECT_TRUE(Axis::list(many, "space.slow").ok());
  many.push_back(int64_t{500});
  EXPECT_EQ(Axis::list(many, "space.slow").status().message(),
            "space.slow[1000]: duplicate value 500");
}

TEST(SpaceGrid, LastAxisVariesFastest) {
  ParamSpace s;
  ASSERT_TRUE(s.add("b", list({std::string("x"), std::string("y"), std::string("z")})).ok());
  ASSERT_TRUE(s.add("a", list({int64_t{1}, int64_t{2}})).ok());
  ASSERT_EQ(s.grid_size(), 6u);
  EXPECT_EQ(s.names(), (std::vector<std::string>{"a", "b"}));  // sorted by name
  EXPECT_EQ(s.at(0).ToString(), "a=1 b=x");
  EXPECT_EQ(s.at(1).ToString(), "a=1 b=y");
  EXPECT_EQ(s.at(2).ToString(), "a=1 b=z");
  EXPECT_EQ(s.at(3).ToString(), "a=2 b=x");
  EXPECT_EQ(s.at(5).ToString(), "a=2 b=z");
  std::vector<uint64_t> digits;
  s.decode(4, digits);
  EXPECT_EQ(digits, (std::vector<uint64_t>{1, 1}));
}

TEST(SpaceGrid, FixedParamsAreOneValueAxes) {
  ParamSpace s;
  ASSERT_TRUE(s.add("fast", range(int64_t{5}, int64_t{50}, int64_t{5})).ok());
  ASSERT_TRUE(s.add_fixed("mode", std::string("long_only")).ok());
  EXPECT_EQ(s.grid_size(), 10u);
  EXPECT_EQ(s.at(9).ToString(), "fast=50 mode=long_only");
  EXPECT_EQ(s.add_fixed("fast", int64_t{3}).message(), "space.fast: given twice");
}

TEST(SpaceGrid, EmptySpaceHasOnePoint) {
  ParamSpace s;
  EXPECT_EQ(s.grid_size(), 1u);
  EXPECT_EQ(s.at(0).size(), 0u);
}

TEST(SpaceGrid, SizeOverflowIsAnError) {
  ParamSpace s;
  const Axis big = range(int64_t{0}, int64_t{(1LL << 32) - 1}, int64_t{1});  // 2^32 values
  ASSERT_TRUE(s.add("a", big).ok());
  ASSERT_TRUE(s.add("b", range(int64_t{0}, int64_t{(1LL << 31) - 1}, int64_t{1})).ok());
  EXPECT_EQ(s.grid_size(), uint64_t{1} << 63);
  ASSERT_TRUE(s.add("c", list({int64_t{0}})).ok());
  Status st = s.add("d", list({int64_t{0}, int64_t{1}}));
  EXPECT_EQ(st.code(), Code::kTooLarge);
  EXPECT_EQ(st.message(), "space.d: the grid has more than 2^64-1 points");
  EXPECT_EQ(s.grid_size(), uint64_t{1} << 63);  // unchanged by the refused axis
  // Decoding the last point of a huge grid needs nothing materialised.
  EXPECT_EQ(s.at(s.grid_size() - 1).ToString(), "a=4294967295 b=2147483647 c=0");
}

}  // namespace
}  // namespace sweep
