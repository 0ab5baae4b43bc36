#include "sweep/optimize/objective.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace sweep {
namespace {

const double kNaN = std::nan("");

TEST(ObjectiveBetter, MaximizeAndMinimize) {
  Objective max;
  EXPECT_TRUE(max.better(2.0, 5, 1.0, 0));
  EXPECT_FALSE(max.better(1.0, 0, 2.0, 5));
  Objective min{Metric::kMaxDrawdownPct, false};
  EXPECT_TRUE(min.better(1.0, 5, 2.0, 0));
  EXPECT_FALSE(min.better(2.0, 0, 1.0, 5));
}

TEST(ObjectiveBetter, NaNIsAlwaysWorst) {
  for (bool maximize : {true, false}) {
    Objective o{Metric::kSharpe, maximize};
    EXPECT_TRUE(o.better(-1e300, 9, kNaN, 0));
    EXPECT_FALSE(o.better(kNaN, 0, -1e300, 9));
    EXPECT_TRUE(o.better(-INFINITY, 9, kNaN, 0));
    EXPECT_TRUE(o.better(INFINITY, 9, kNaN, 0));
    EXPECT_TRUE(o.better(kNaN, 1, kNaN, 2));  // between NaNs: the lower index
    EXPECT_FALSE(o.better(kNaN, 2, kNaN, 1));
  }
}

TEST(ObjectiveBetter, TiesGoToTheLowerTrialIndex) {
  Objective o;
  EXPECT_TRUE(o.better(1.5, 3, 1.5, 4));
  EXPECT_FALSE(o.better(1.5, 4, 1.5, 3));
  EXPECT_FALSE(o.better(1.5, 3, 1.5, 3));  // irreflexive
  EXPECT_TRUE(o.better(0.0, 1, -0.0, 2));
  EXPECT_TRUE(o.better(-0.0, 1, 0.0, 2));
}

TEST(ObjectiveTopK, KeepsTheKBestRegardlessOfOrder) {
  std::vector<std::pair<uint64_t, double>> results;
  for (uint64_t i = 0; i < 200; ++i)
    results.push_back({i, i % 7 == 0 ? kNaN : static_cast<double>((i * 37) % 50)});
  Objective o;
  std::vector<uint64_t> reference;
  std::mt19937_64 rng(1);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(results.begin(), results.end(), rng);
    TopK<> top(o, 10);
    for (auto [trial, value] : results) top.offer(trial, value);
    std::vector<uint64_t> got;
    for (auto& e : top.entries()) got.push_back(e.trial);
    if (round == 0) reference = got;
    EXPECT_EQ(got, reference);
  }
  // Value 49 (trials 27, 127, 177), then 48 (4, 54, 104; 154 is NaN), then 47: ties by index.
  EXPECT_EQ(reference, (std::vector<uint64_t>{27, 127, 177, 4, 54, 104, 31, 81, 131, 181}));
}

TEST(ObjectiveTopK, ReportsEvictionsAndIgnoresRepeats) {
  TopK<std::string> top(Objective{}, 2);
  EXPECT_TRUE(top.offer(0, 1.0, "zero").kept);
  EXPECT_TRUE(top.offer(1, 3.0, "one").kept);
  auto o = top.offer(2, 2.0, "two");
  EXPECT_TRUE(o.kept);
  EXPECT_EQ(o.evicted, 0u);
  EXPECT_FALSE(top.offer(3, 0.5, "three").kept);
  EXPECT_FALSE(top.offer(1, 99.0, "again").kept);  // a repeat of a kept trial changes nothing
  EXPECT_FALSE(top.would_keep(kNaN, 4));
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top.best()->trial, 1u);
  EXPECT_EQ(top.best()->payload, "one");
  EXPECT_EQ(top.entries()[1].trial, 2u);
}

TEST(ObjectiveTopK, NaNsFillRemainingRoom) {
  TopK<> top(Objective{Metric::kSharpe, false}, 3);
  top.offer(5, kNaN);
  top.offer(4, kNaN);
  top.offer(9, 1.0);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top.entries()[0].trial, 9u);
  EXPECT_EQ(top.entries()[1].trial, 4u);
  EXPECT_EQ(top.entries()[2].trial, 5u);
  EXPECT_EQ(top.offer(6, 2.0).evicted, 5u);
}

}  // namespace
}  // namespace sweep

namespace sweep {
namespace {

TEST(ObjectiveReaches, AtOrBeyondTheTargetInTheGoalsDirectionNeverNaN) {
  const Objective max{Metric::kSharpe, true}, min{Metric::kMaxDrawdownPct, false};
  EXPECT_TRUE(max.reaches(1.5, 1.5));
  EXPECT_TRUE(max.reaches(2.0, 1.5));
  EXPECT_FALSE(max.reaches(1.4, 1.5));
  EXPECT_TRUE(min.reaches(-0.5, -0.5));
  EXPECT_TRUE(min.reaches(-1.0, -0.5));
  EXPECT_FALSE(min.reaches(0.0, -0.5));
  EXPECT_FALSE(max.reaches(std::nan(""), -1e300));
  EXPECT_FALSE(min.reaches(std::nan(""), 1e300));
}

}  // namespace
}  // namespace sweep
