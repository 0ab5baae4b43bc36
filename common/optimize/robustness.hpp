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

// The PBO's work is C(S, S/2) splits times M trials: above kMaxPboCells (ten times 10,000 trials
// at S = 16, a few seconds on two cores) it is not done and `pbo` is null, the rest stands.
inline constexpr uint64_t kMaxPboCells = 1'300'000'000;
// The most trials a PBO with `blocks` blocks takes: kMaxPboCells / C(S, S/2).
uint64_t pbo_trial_limit(int blocks);

// The statistics over completed trials given one at a time in index order, keeping per trial its
// sr (8 bytes) and, up to pbo_trial_limit trials, its block sums: so the broker reads a job's
// trials from its store a row at a time, whatever their number. `best_index`: the index of the
// job's best trial by the objective (nullopt: none).
class RobustnessAccumulator {
 public:
  RobustnessAccumulator(int blocks, std::optional<uint64_t> best_index);
  void add(uint64_t index, const ReturnStats& stats);
  // The CSCV's splits are shared among `threads` threads; the result is the same for any count.
  Robustness finish(unsigned threads = 1) const;

 private:
  int blocks_;
  uint64_t pbo_limit_;
  std::optional<uint64_t> best_index_;
  std::vector<double> srs_;  // the defined ones
  std::optional<ReturnStats> best_;
  std::vector<BlockSums> sums_;  // trial-major, while the PBO is possible
  uint64_t trials_ = 0;
  uint32_t days_ = 0;  // the first trial's
  bool pbo_possible_ = true;
};

// One completed trial: its index (for ties) and statistics.
struct RobustnessInput {
  uint64_t index = 0;
  ReturnStats stats;
};

// `trials` in index order; `best` the position in it of the job's best trial by the objective
// (nullopt: none). When the trials' day counts or block counts differ the PBO is null (the splits
// would not be the same days). A RobustnessAccumulator fed `trials`.
Robustness assess_robustness(const std::vector<RobustnessInput>& trials, std::optional<size_t> best,
                             int blocks, unsigned threads = 1);

// CSCV over trials given as block sums (trial-major: sums[t * S + b]). λ per split, in the order
// the splits are enumerated; empty when fewer than 2 trials. Exposed for tests and the benchmark.
std::vector<double> cscv_logits(const std::vector<BlockSums>& sums, size_t trials, int blocks,
                                unsigned threads = 1);

}  // namespace sweep
