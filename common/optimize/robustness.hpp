// Overfitting statistics of a finished optimization (docs/ROBUSTNESS.md): the probabilistic and
// deflated Sharpe ratios of the best trial (Bailey & López de Prado 2014) and the probability of
// backtest overfitting by combinatorially symmetric cross-validation (Bailey, Borwein, López de
// Prado & Zhu 2015). Computed from each trial's ReturnStats alone, so the broker needs no return
// series; the broker and `sweep optimize` call the same function and get the same numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sweep/engine/return_stats.hpp"

namespace sweep {

// Standard normal distribution function and its inverse (Acklam's rational approximation with
// one Halley step: about 1e-15 relative). normal_quantile(0) = -inf, (1) = +inf.
double normal_cdf(double x);
double normal_quantile(double p);

// Bins of the λ histogram, equal width over [-ln M, ln M] (M trials in the PBO), the range every
// λ falls in. An even count puts λ = 0 on an edge: bins below it are the overfit splits.
inline constexpr int kLogitBins = 16;

struct Robustness {
  uint64_t n_trials = 0;  // N: completed trials with a defined sr
  std::optional<double> sr_variance, expected_max_sr, best_sr, skew, kurtosis, psr, dsr;
  std::optional<double> pbo;
  int pbo_blocks = 0;                  // S
  uint64_t pbo_trials = 0;             // M: the trials ranked in every split
  std::vector<uint64_t> logit_counts;  // kLogitBins counts, summing to C(S, S/2); empty: no PBO
  double logit_limit = 0;              // ln M: the histogram spans [-ln M, ln M]
  bool operator==(const Robustness&) const = default;
};

// One completed trial: its index (for ties) and statistics.
struct RobustnessInput {
  uint64_t index = 0;
  ReturnStats stats;
};

// `trials` in index order; `best` the position in it of the job's best trial by the objective
// (nullopt: none). Trials whose day count or block count differs from the best trial's take no
// part in the PBO, which is then null (the splits would not be the same days). The CSCV's splits
// are shared among `threads` threads; the result is the same for any count.
Robustness assess_robustness(const std::vector<RobustnessInput>& trials, std::optional<size_t> best,
                             int blocks, unsigned threads = 1);

// CSCV over trials given as block sums (trial-major: sums[t * S + b]). λ per split, in the order
// the splits are enumerated; empty when fewer than 2 trials. Exposed for tests and the benchmark.
std::vector<double> cscv_logits(const std::vector<BlockSums>& sums, size_t trials, int blocks,
                                unsigned threads = 1);

}  // namespace sweep
