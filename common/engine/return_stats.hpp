// The statistics of one trial's daily returns that overfitting tests need (docs/ROBUSTNESS.md),
// small enough to travel with every trial result and be stored in its row: the whole series'
// central moments (for sr, skew, kurtosis) and, per contiguous block of days, (count, sum, sum of
// squares) (for the Sharpe ratio of any union of blocks: CSCV's PBO, and later walk-forward).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "sweep/data/market_data.hpp"

namespace sweep {

// Limits of the `pbo_blocks` spec key (S): even, so in- and out-of-sample halves are equal.
inline constexpr int kMinReturnBlocks = 4;
inline constexpr int kMaxReturnBlocks = 24;
inline constexpr int kDefaultReturnBlocks = 16;

struct BlockSums {
  uint32_t count = 0;
  double sum = 0, sum_sq = 0;
  bool operator==(const BlockSums&) const = default;
};

struct ReturnStats {
  uint32_t days = 0;  // T: daily returns in the whole run
  // Mean and population central moments m2..m4 of the daily returns, computed in two passes
  // (mean first, then powers of the deviations): no cancellation, unlike raw power sums.
  double mean = 0, m2 = 0, m3 = 0, m4 = 0;
  // Block b holds days [floor(b*T/S), floor((b+1)*T/S)). Raw sums are sound here: daily returns
  // have |mean| far below their deviation, so sum_sq - sum^2/n loses a few ulps, not digits.
  std::vector<BlockSums> blocks;
  bool operator==(const ReturnStats&) const = default;
};

// The daily returns the Sharpe metric uses: the last equity of each calendar period with bars,
// period over period (the first period has none).
std::vector<double> daily_returns(const MarketData& data, const std::vector<double>& equity);

// The statistics of `returns` cut into `blocks` blocks (>= 1).
ReturnStats return_stats(const std::vector<double>& returns, int blocks);

// return_stats over r[0, t) into `out` (bit for bit the same: return_stats is this function),
// returning the sum of squared deviations from the mean, m2 before its division by T. The
// engine's Sharpe metric needs that very sum for its sample variance, so its pass over the daily
// returns computes both at once (compute_metrics).
double accumulate_return_stats(const double* r, size_t t, int blocks,
                               ReturnStats& out);  // blocks >= 1

// mean / sample deviation (n - 1); nullopt when n < 2 or the deviation is 0.
std::optional<double> sharpe_of(double count, double sum, double sum_sq);
std::optional<double> sharpe_of(const ReturnStats& s);

}  // namespace sweep
