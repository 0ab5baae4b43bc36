// The overfitting statistics against values computed independently: Python's statistics module
// (NormalDist.inv_cdf is Wichura's AS241) for the fixed series below, and a brute-force CSCV that
// sorts raw day-by-day Sharpe ratios for random ones.
#include "sweep/optimize/robustness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace sweep {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(NormalQuantile, MatchesKnownValues) {
  EXPECT_EQ(normal_quantile(0.5), 0.0);
  EXPECT_NEAR(normal_quantile(0.975), 1.9599639845400536, 1e-15);
  EXPECT_NEAR(normal_quantile(0.3), -0.5244005127080407, 1e-15);
  EXPECT_NEAR(normal_quantile(0.001), -3.090232306167813, 4e-15);
  EXPECT_NEAR(normal_quantile(1e-10), -6.361340902404056, 1e-14);
  EXPECT_NEAR(normal_quantile(0.9999), 3.7190164854557084, 1e-14);
  // 1 - 1e-12 is not exactly representable: the quantile of the double nearest to it.
  EXPECT_NEAR(normal_quantile(1 - 1e-12), 7.0344869100478356, 1e-6);
  EXPECT_EQ(normal_quantile(0), -kInf);
  EXPECT_EQ(normal_quantile(1), kInf);
  EXPECT_TRUE(std::isnan(normal_quantile(-0.1)));
  for (double p = 0.0005; p < 1; p += 0.0137)
    EXPECT_NEAR(normal_cdf(normal_quantile(p)), p, 1e-15 + p * 1e-13) << p;
}

TEST(ReturnStats, MomentsAndBlocksOfAHandSeries) {
  const std::vector<double> r = {0.01, -0.02, 0.03, 0.0, 0.01, -0.01, 0.02};
  const ReturnStats s = return_stats(r, 4);
  EXPECT_EQ(s.days, 7u);
  // mean 0.04 / 7; blocks [0,1) [1,3) [3,5) [5,7) (floor(b * 7 / 4)).
  EXPECT_NEAR(s.mean, 0.04 / 7, 1e-18);
  double m2 = 0, m3 = 0, m4 = 0;
  for (double x : r) {
    const double d = x - 0.04 / 7;
    m2 += d * d / 7;
    m3 += d * d * d / 7;
    m4 += d * d * d * d / 7;
  }
  EXPECT_NEAR(s.m2, m2, 1e-18);
  EXPECT_NEAR(s.m3, m3, 1e-20);
  EXPECT_NEAR(s.m4, m4, 1e-22);
  ASSERT_EQ(s.blocks.size(), 4u);
  EXPECT_EQ(s.blocks[0], (BlockSums{1, 0.01, 0.01 * 0.01}));
  EXPECT_EQ(s.blocks[1].count, 2u);
  EXPECT_NEAR(s.blocks[1].sum, 0.01, 1e-17);
  EXPECT_NEAR(s.blocks[1].sum_sq, 0.0013, 1e-18);
  EXPECT_EQ(s.blocks[2].count, 2u);
  EXPECT_EQ(s.blocks[3].count, 2u);
  EXPECT_NEAR(s.blocks[3].sum, 0.01, 1e-17);
  // sr: mean / sample sd.
  EXPECT_NEAR(*sharpe_of(s), (0.04 / 7) / std::sqrt(m2 * 7 / 6), 1e-13);
  EXPECT_FALSE(sharpe_of(return_stats({0.0, 0.0, 0.0}, 4)));
  EXPECT_FALSE(sharpe_of(return_stats({0.01}, 4)));
  EXPECT_FALSE(sharpe_of(1, 0.01, 0.0001));
}

std::vector<double> fixed_series(int k) {
  std::vector<double> r;
  for (int t = 0; t < 40; ++t)
    r.push_back(0.01 * std::sin(t * (k + 1) * 0.7 + k) + 0.0005 * k +
                0.002 * std::cos(t * t * 0.3));
  return r;
}

TEST(Robustness, MatchesAnIndependentComputation) {
  std::vector<RobustnessInput> in;
  for (int k = 0; k < 5; ++k)
    in.push_back({static_cast<uint64_t>(k), return_stats(fixed_series(k), 4)});
  const Robustness r = assess_robustness(in, 4, 4);
  EXPECT_EQ(r.n_trials, 5u);
  EXPECT_NEAR(*r.sr_variance, 0.007506233282751598, 1e-14);
  EXPECT_NEAR(*r.expected_max_sr, 0.10332458013768178, 1e-13);
  EXPECT_NEAR(*r.best_sr, 0.3408826703783861, 1e-13);
  EXPECT_NEAR(*r.skew, 0.04812786978727045, 1e-12);
  EXPECT_NEAR(*r.kurtosis, 1.5157344590569393, 1e-12);
  EXPECT_NEAR(*r.psr, 0.983427755253189, 1e-12);
  EXPECT_NEAR(*r.dsr, 0.9311760230730581, 1e-12);
  // Splits' λ: 0, 0, then four of ln 5; λ <= 0 in 2 of 6.
  EXPECT_DOUBLE_EQ(*r.pbo, 1.0 / 3);
  EXPECT_EQ(r.pbo_blocks, 4);
  EXPECT_EQ(r.pbo_trials, 5u);
  EXPECT_DOUBLE_EQ(r.logit_limit, std::log(5.0));
  ASSERT_EQ(r.logit_counts.size(), static_cast<size_t>(kLogitBins));
  EXPECT_EQ(std::accumulate(r.logit_counts.begin(), r.logit_counts.end(), uint64_t{0}), 6u);
  EXPECT_EQ(r.logit_counts[kLogitBins / 2], 2u);  // λ = 0 opens the upper half
  EXPECT_EQ(r.logit_counts[kLogitBins - 1], 4u);  // λ = ln M closes the last bin
}

TEST(Robustness, FieldsAreNullWithoutTwoDefinedRatios) {
  std::vector<RobustnessInput> in = {{0, return_stats(fixed_series(0), 4)},
                                     {1, return_stats(std::vector<double>(40, 0.0), 4)}};
  Robustness r = assess_robustness(in, 0, 4);
  EXPECT_EQ(r.n_trials, 1u);
  EXPECT_FALSE(r.sr_variance || r.expected_max_sr || r.best_sr || r.psr || r.dsr || r.pbo);
  EXPECT_TRUE(r.logit_counts.empty());
  r = assess_robustness({}, std::nullopt, 16);
  EXPECT_EQ(r.n_trials, 0u);
  EXPECT_FALSE(r.pbo);
}

TEST(Robustness, ADifferentDayCountLeavesThePboNull) {
  std::vector<RobustnessInput> in;
  for (int k = 0; k < 3; ++k)
    in.push_back({static_cast<uint64_t>(k), return_stats(fixed_series(k), 4)});
  std::vector<double> shorter = fixed_series(3);
  shorter.pop_back();
  in.push_back({3, return_stats(shorter, 4)});
  const Robustness r = assess_robustness(in, 0, 4);
  EXPECT_EQ(r.n_trials, 4u);
  EXPECT_TRUE(r.dsr);
  EXPECT_FALSE(r.pbo);
}

// C(S, S/2) splits times M trials is bounded: past kMaxPboCells the PBO is skipped (null) and the
// rest is computed as ever, by the accumulator the broker feeds a stored row at a time too.
TEST(Robustness, PastTheCellLimitThePboIsNullAndTheRestStands) {
  EXPECT_EQ(pbo_trial_limit(16), kMaxPboCells / 12'870);
  EXPECT_EQ(pbo_trial_limit(24), kMaxPboCells / 2'704'156);
  EXPECT_EQ(pbo_trial_limit(4), kMaxPboCells / 6);
  const uint64_t limit = pbo_trial_limit(24);
  std::vector<RobustnessInput> in;
  std::vector<std::vector<double>> series(limit + 1, std::vector<double>(48));
  for (uint64_t k = 0; k <= limit; ++k) {
    for (size_t t = 0; t < 48; ++t)
      series[k][t] = 0.01 * std::sin(static_cast<double>(t * (k + 1)) * 0.7 + double(k));
    in.push_back({k, return_stats(series[k], 24)});
  }
  const Robustness over = assess_robustness(in, 7, 24);
  EXPECT_EQ(over.n_trials, limit + 1);
  EXPECT_TRUE(over.dsr && over.psr && over.expected_max_sr);
  EXPECT_FALSE(over.pbo);
  EXPECT_TRUE(over.logit_counts.empty());
  // The same trials at S = 4 (six splits) are well within it: the PBO is there, the rest equal.
  RobustnessAccumulator acc(4, 7);
  for (uint64_t k = 0; k <= limit; ++k) acc.add(k, return_stats(series[k], 4));
  const Robustness under = acc.finish();
  EXPECT_TRUE(under.pbo);
  ASSERT_TRUE(under.dsr && under.sr_variance);
  EXPECT_NEAR(*under.dsr, *over.dsr, 1e-12);
  EXPECT_NEAR(*under.sr_variance, *over.sr_variance, 1e-15);
}

// Brute force: every mask of S bits with S/2 set; Sharpe ratios from the raw days; ω by sorting.
std::vector<double> reference_logits(const std::vector<std::vector<double>>& series, int s) {
  const size_t n = series.size(), t = series[0].size();
  auto sharpe = [](const std::vector<double>& x) {
    if (x.size() < 2) return -kInf;
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
    double ss = 0;
    for (double v : x) ss += (v - mean) * (v - mean);
    const double sd = std::sqrt(ss / static_cast<double>(x.size() - 1));
    return sd > 1e-300 ? mean / sd : -kInf;
  };
  std::vector<double> out;
  for (uint32_t mask = 0; mask < (1u << s); ++mask) {
    if (std::popcount(mask) != s / 2) continue;
    std::vector<double> is(n), oos(n);
    for (size_t k = 0; k < n; ++k) {
      std::vector<double> a, b;
      for (int blk = 0; blk < s; ++blk) {
        for (size_t d = blk * t / s; d < (blk + 1) * t / s; ++d)
          ((mask >> blk) & 1 ? a : b).push_back(series[k][d]);
      }
      is[k] = sharpe(a);
      oos[k] = sharpe(b);
    }
    const size_t star = static_cast<size_t>(std::max_element(is.begin(), is.end()) - is.begin());
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t x, size_t y) { return oos[x] < oos[y]; });
    const double omega =
        static_cast<double>(std::find(order.begin(), order.end(), star) - order.begin() + 1);
    out.push_back(std::log(omega / (static_cast<double>(n) + 1 - omega)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Cscv, MatchesBruteForceOnRandomSeries) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0.0003, 0.01);
  for (int s : {4, 6, 8}) {
    std::vector<std::vector<double>> series(9, std::vector<double>(61));
    for (size_t k = 0; k < series.size(); ++k)
      for (double& x : series[k]) x = noise(rng) + 0.0002 * static_cast<double>(k);
    series[3].assign(61, 0.0);  // never trades: undefined everywhere
    series[7] = series[2];      // an exact tie: the lower index wins
    std::vector<BlockSums> sums;
    std::vector<RobustnessInput> in;
    for (size_t k = 0; k < series.size(); ++k) {
      const ReturnStats st = return_stats(series[k], s);
      sums.insert(sums.end(), st.blocks.begin(), st.blocks.end());
      in.push_back({k, st});
    }
    std::vector<double> got = cscv_logits(sums, series.size(), s);
    std::sort(got.begin(), got.end());
    const std::vector<double> want = reference_logits(series, s);
    ASSERT_EQ(got.size(), want.size()) << s;
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << s << " " << i;
    const double pbo = static_cast<double>(std::count_if(want.begin(), want.end(),
                                                         [](double l) { return l <= 0; })) /
                       static_cast<double>(want.size());
    EXPECT_DOUBLE_EQ(*assess_robustness(in, 0, s).pbo, pbo);
  }
}

// The splits shared among threads: the same λ for every split, in the same order, and more
// threads than splits (S = 4: 3 visited) are fine.
TEST(Cscv, AnyThreadCountGivesTheSameLogits) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0003, 0.01);
  for (int s : {4, 16}) {
    std::vector<BlockSums> sums;
    const size_t trials = 600;  // more than two tiles
    std::vector<double> r(320);
    for (size_t k = 0; k < trials; ++k) {
      for (double& x : r) x = noise(rng);
      const ReturnStats st = return_stats(r, s);
      sums.insert(sums.end(), st.blocks.begin(), st.blocks.end());
    }
    const std::vector<double> one = cscv_logits(sums, trials, s, 1);
    ASSERT_FALSE(one.empty());
    for (unsigned threads : {2u, 3u, 8u}) EXPECT_EQ(cscv_logits(sums, trials, s, threads), one);
  }
}

}  // namespace
}  // namespace sweep
