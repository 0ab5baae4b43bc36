#include "sweep/optimize/trial_plan.hpp"

#include <gtest/gtest.h>

#include <set>

#include "sweep/optimize/seeded_permutation.hpp"

namespace sweep {
namespace {

Axis irange(int64_t a, int64_t b, int64_t step) {
  return Axis::range(a, b, step, "space.x").value();
}

// fast 5..50 step 5 x slow 10..100 step 10: the example of the brief.
ParamSpace sma_space() {
  ParamSpace s;
  EXPECT_TRUE(s.add("fast", irange(5, 50, 5)).ok());
  EXPECT_TRUE(s.add("slow", irange(10, 100, 10)).ok());
  return s;
}

// a, b in 0..99: 4950 points with a < b, enough to cross a checkpoint (every 4096 trials).
ParamSpace square_space() {
  ParamSpace s;
  EXPECT_TRUE(s.add("a", irange(0, 99, 1)).ok());
  EXPECT_TRUE(s.add("b", irange(0, 99, 1)).ok());
  return s;
}

std::vector<Trial> drain(TrialCursor c) {
  std::vector<Trial> out;
  while (auto t = c.next()) out.push_back(std::move(*t));
  return out;
}

TrialPlan plan(ParamSpace s, std::string_view constraint, SearchMethod m) {
  Result<TrialPlan> p = TrialPlan::create(std::move(s), constraint, m);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(p).value();
}

TEST(TrialPlanGrid, WithoutConstraintIsTheGrid) {
  TrialPlan p = plan(sma_space(), "", GridSearch{});
  ASSERT_EQ(p.total(), 100u);
  std::vector<Trial> all = drain(p.cursor());
  ASSERT_EQ(all.size(), 100u);
  for (uint64_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].index, i);
    EXPECT_EQ(all[i].grid_index, i);
    EXPECT_EQ(all[i].params, p.space().at(i));
  }
  EXPECT_EQ(all[0].params.ToString(), "fast=5 slow=10");
  EXPECT_EQ(all[1].params.ToString(), "fast=5 slow=20");
  EXPECT_EQ(all[99].params.ToString(), "fast=50 slow=100");
}

TEST(TrialPlanGrid, ConstraintCountMatchesBruteForce) {
  TrialPlan p = plan(sma_space(), "fast < slow", GridSearch{});
  std::vector<ParamSet> expected;
  for (int64_t fast = 5; fast <= 50; fast += 5)
    for (int64_t slow = 10; slow <= 100; slow += 10)
      if (fast < slow) {
        ParamSet ps;
        ps.set("fast", fast);
        ps.set("slow", slow);
        expected.push_back(ps);
      }
  ASSERT_EQ(p.total(), expected.size());
  ASSERT_EQ(p.total(), 75u);
  std::vector<Trial> all = drain(p.cursor());
  ASSERT_EQ(all.size(), expected.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].index, i);
    EXPECT_EQ(all[i].params, expected[i]) << i;
    EXPECT_EQ(p.space().at(all[i].grid_index), all[i].params);
  }
}

TEST(TrialPlanGrid, TrialAtAndResumeEqualContinuing) {
  TrialPlan p = plan(square_space(), "a < b", GridSearch{});
  ASSERT_EQ(p.total(), 4950u);
  const std::vector<Trial> all = drain(p.cursor());
  ASSERT_EQ(all.size(), 4950u);
  for (uint64_t i : {0u, 1u, 17u, 4095u, 4096u, 4097u, 4949u}) {
    EXPECT_EQ(p.trial_at(i).value(), all[i]);
    TrialCursor c = p.cursor_at(i).value();
    EXPECT_EQ(c.position(), i);
    std::vector<Trial> rest = drain(c);
    EXPECT_EQ(rest, std::vector<Trial>(all.begin() + static_cast<long>(i), all.end())) << i;
  }
  for (uint64_t i = 0; i < all.size(); i += 7) EXPECT_EQ(p.trial_at(i).value(), all[i]);
  EXPECT_EQ(p.trial_at(4950).status().code(), Code::kNotFound);
  EXPECT_FALSE(p.cursor_at(4950).value().next().has_value());
  EXPECT_EQ(p.cursor_at(4951).status().code(), Code::kNotFound);
}

// A sparse constraint (1 point in 97: runs of empty 64-bit words) crossing checkpoints: every
// trial_at() and cursor_at() agrees with one walk, also for random search.
TEST(TrialPlanGrid, SparseConstraintTrialAtEqualsTheWalk) {
  for (SearchMethod m : {SearchMethod{GridSearch{}}, SearchMethod{RandomSearch{5000, 3}}}) {
    ParamSpace s;
    ASSERT_TRUE(s.add("a", irange(0, 9999, 1)).ok());
    ASSERT_TRUE(s.add("b", irange(0, 96, 1)).ok());
    TrialPlan p = plan(std::move(s), "b == 0", m);  // 10,000 of 970,000 points
    const std::vector<Trial> all = drain(p.cursor());
    ASSERT_EQ(all.size(), p.total());
    ASSERT_GT(p.total(), 4096u);
    for (const Trial& t : all) EXPECT_EQ(t.grid_index % 97, 0u) << t.index;
    for (uint64_t i = 0; i < all.size(); i += 13) {
      EXPECT_EQ(p.trial_at(i).value(), all[i]) << i;
      EXPECT_EQ(p.cursor_at(i).value().next().value(), all[i]) << i;
    }
    EXPECT_EQ(p.trial_at(all.size() - 1).value(), all.back());
  }
}

TEST(TrialPlanGrid, CursorPositionAdvances) {
  TrialPlan p = plan(sma_space(), "fast < slow", GridSearch{});
  TrialCursor c = p.cursor();
  EXPECT_EQ(c.position(), 0u);
  c.next();
  c.next();
  EXPECT_EQ(c.position(), 2u);
  TrialCursor copy = c;  // a copy continues independently
  EXPECT_EQ(copy.next()->index, 2u);
  EXPECT_EQ(c.next()->index, 2u);
}

TEST(TrialPlanRandom, DistinctDeterministicAndSeeded) {
  ParamSpace s;
  ASSERT_TRUE(s.add("a", irange(1, 1000, 1)).ok());
  ASSERT_TRUE(s.add("b", irange(1, 1000, 1)).ok());
  TrialPlan p1 = plan(s, "", RandomSearch{500, 7});
  TrialPlan p2 = plan(s, "", RandomSearch{500, 7});
  TrialPlan p3 = plan(s, "", RandomSearch{500, 8});
  ASSERT_EQ(p1.total(), 500u);
  std::vector<Trial> t1 = drain(p1.cursor()), t2 = drain(p2.cursor()), t3 = drain(p3.cursor());
  EXPECT_EQ(t1, t2);
  EXPECT_NE(t1, t3);
  std::set<uint64_t> seen;
  for (auto& t : t1) {
    EXPECT_TRUE(seen.insert(t.grid_index).second) << "drawn twice: " << t.grid_index;
    EXPECT_EQ(t.params, s.at(t.grid_index));
  }
  // Spread over the grid, not a prefix of it.
  EXPECT_GT(*seen.rbegin(), 900'000u);
  EXPECT_EQ(p1.trial_at(321).value(), t1[321]);
}

TEST(TrialPlanRandom, GoldenOrder) {
  // Persisted behaviour: resumed jobs depend on this exact order. Never change it.
  ParamSpace s;
  ASSERT_TRUE(s.add("a", irange(0, 999, 1)).ok());
  TrialPlan p = plan(s, "", RandomSearch{5, 1});
  std::vector<uint64_t> got;
  for (auto& t : drain(p.cursor())) got.push_back(t.grid_index);
  EXPECT_EQ(got, (std::vector<uint64_t>{863, 171, 287, 82, 849}));
}

TEST(TrialPlanRandom, MoreThanAdmissibleGivesAllAdmissible) {
  TrialPlan all = plan(sma_space(), "", RandomSearch{1000, 3});
  EXPECT_EQ(all.total(), 100u);
  TrialPlan p = plan(sma_space(), "fast < slow", RandomSearch{1000, 3});
  ASSERT_EQ(p.total(), 75u);
  std::vector<Trial> t = drain(p.cursor());
  std::set<std::string> seen;
  for (auto& trial : t) {
    EXPECT_LT(trial.params.get_int("fast"), trial.params.get_int("slow"));
    seen.insert(trial.params.ToString());
  }
  EXPECT_EQ(seen.size(), 75u);
}

TEST(TrialPlanRandom, ConstrainedResumeEqualsContinuing) {
  TrialPlan p = plan(square_space(), "a < b", RandomSearch{4500, 11});
  ASSERT_EQ(p.total(), 4500u);
  const std::vector<Trial> all = drain(p.cursor());
  ASSERT_EQ(all.size(), 4500u);
  for (uint64_t i : {0u, 99u, 4095u, 4096u, 4499u}) {
    EXPECT_EQ(drain(p.cursor_at(i).value()),
              std::vector<Trial>(all.begin() + static_cast<long>(i), all.end()));
  }
}

TEST(TrialPlanRandom, HugeGridCostsNothing) {
  ParamSpace s;
  for (const char* name : {"a", "b", "c", "d"}) ASSERT_TRUE(s.add(name, irange(0, 9999, 1)).ok());
  ASSERT_EQ(s.grid_size(), 10'000'000'000'000'000u);
  TrialPlan p = plan(s, "a < b", RandomSearch{1000, 5});
  EXPECT_EQ(p.total(), 1000u);
  EXPECT_EQ(p.trial_at(999).value(), drain(p.cursor()).back());
}

TEST(TrialPlanErrors, Limits) {
  ParamSpace s;
  ASSERT_TRUE(s.add("a", irange(0, 9999, 1)).ok());
  ASSERT_TRUE(s.add("b", irange(0, 9999, 1)).ok());
  Result<TrialPlan> big = TrialPlan::create(s, "", GridSearch{});
  EXPECT_EQ(big.status().code(), Code::kTooLarge);
  EXPECT_EQ(big.status().message(),
            "space: the grid has 100000000 points, more than the limit of 10000000 trials "
            "(narrow it or use method random)");
  Result<TrialPlan> scan = TrialPlan::create(sma_space(), "fast < slow", GridSearch{}, {50, 1000});
  EXPECT_EQ(scan.status().message(),
            "constraint: the grid has 100 points, more than the 50 a constraint may be checked on "
            "(narrow it or use method random)");
  Result<TrialPlan> draws =
      TrialPlan::create(s, "a == 1 and b == 1", RandomSearch{1, 0}, {1000, 1000});
  EXPECT_EQ(draws.status().message(),
            "constraint: finding 1 admissible trials needs more than 1000 grid points to be "
            "checked; narrow the space");
  EXPECT_EQ(TrialPlan::create(sma_space(), "fast > 100", GridSearch{}).status().message(),
            "constraint: excludes every point of the space");
  EXPECT_EQ(TrialPlan::create(sma_space(), "fsat < slow", GridSearch{}).status().message(),
            "constraint: unknown parameter 'fsat' at column 1");
  EXPECT_EQ(TrialPlan::create(sma_space(), "", RandomSearch{0, 0}).status().message(),
            "method.random.n: must be >= 1");
  EXPECT_EQ(TrialPlan::create(sma_space(), "", GridSearch{}, {100, 99}).status().code(),
            Code::kTooLarge);
}

TEST(TrialPlanPermutation, IsABijectionForEverySmallSize) {
  for (uint64_t n = 1; n <= 300; ++n) {
    SeededPermutation p(n, n * 31);
    std::vector<bool> hit(n);
    for (uint64_t k = 0; k < n; ++k) {
      uint64_t x = p(k);
      ASSERT_LT(x, n);
      ASSERT_FALSE(hit[x]) << "n=" << n;
      hit[x] = true;
    }
  }
}

TEST(TrialPlanPermutation, WorksAtTheTopOfUint64) {
  const uint64_t n = ~uint64_t{0};
  SeededPermutation p(n, 9);
  std::set<uint64_t> seen;
  for (uint64_t k = 0; k < 1000; ++k) {
    uint64_t x = p(k);
    EXPECT_LT(x, n);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace sweep
