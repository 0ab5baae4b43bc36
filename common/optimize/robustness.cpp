#include "sweep/optimize/robustness.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>
#include <thread>

namespace sweep {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEulerGamma = 0.5772156649015329;

// Acklam's coefficients.
constexpr double kA[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                         1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
constexpr double kB[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                         6.680131188771972e+01, -1.328068155288572e+01};
constexpr double kC[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                         -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
constexpr double kD[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                         3.754408661907416e+00};

double tail(double q) {  // q = sqrt(-2 ln p), lower tail
  return (((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
         ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1);
}

// The masks of S/2 bits among the low S-1 bits (block S-1 out of sample): half the C(S, S/2)
// splits; each one's complement is one of the other half. Gosper's hack, in increasing order.
std::vector<uint32_t> half_masks(int blocks) {
  std::vector<uint32_t> out;
  const int k = blocks / 2;
  const uint32_t limit = 1u << (blocks - 1);
  for (uint32_t m = (1u << k) - 1; m < limit;) {
    out.push_back(m);
    const uint32_t c = m & (0u - m), r = m + c;
    m = (((r ^ m) >> 2) / c) | r;
  }
  return out;
}

// Trials are processed in tiles small enough to stay in cache while every split visits them: at
// most this many.
constexpr size_t kTile = 256;

}  // namespace

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

double normal_quantile(double p) {
  if (!(p > 0)) return p == 0 ? -kInf : std::nan("");
  if (!(p < 1)) return p == 1 ? kInf : std::nan("");
  constexpr double kLow = 0.02425;
  double x;
  if (p < kLow) {
    x = tail(std::sqrt(-2 * std::log(p)));
  } else if (p > 1 - kLow) {
    x = -tail(std::sqrt(-2 * std::log1p(-p)));
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((kA[0] * r + kA[1]) * r + kA[2]) * r + kA[3]) * r + kA[4]) * r + kA[5]) * q /
        (((((kB[0] * r + kB[1]) * r + kB[2]) * r + kB[3]) * r + kB[4]) * r + 1);
  }
  // One Halley step on Φ(x) - p: from about 1e-9 to full precision. In the upper tail the error
  // is taken from the complement, where p's own rounding does not swamp it.
  const double e = p > 0.5 ? (1 - p) - 0.5 * std::erfc(x / std::sqrt(2.0)) : normal_cdf(x) - p;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

std::vector<double> cscv_logits(const std::vector<BlockSums>& sums, size_t trials, int blocks,
                                unsigned threads) {
  std::vector<double> logits;
  if (trials < 2) return logits;
  const size_t nb = static_cast<size_t>(blocks);
  const std::vector<uint32_t> masks = half_masks(blocks);
  const size_t splits = masks.size();
  // Every trial covers the same days, so a split's day count is one number, and the ratio's
  // ranking needs only s|s| / (n q - s^2): (n - 1) / n is the same positive factor for all.
  double days = 0;
  for (size_t b = 0; b < nb; ++b) days += sums[b].count;
  std::vector<double> n_in(splits);
  for (size_t k = 0; k < splits; ++k)
    for (uint32_t m = masks[k]; m; m &= m - 1) n_in[k] += sums[std::countr_zero(m)].count;
  std::vector<uint64_t> below_a(splits), below_b(splits);
  const size_t lo_bits = nb / 2, lo_subsets = size_t{1} << lo_bits;
  const size_t hi_subsets = size_t{1} << (nb - lo_bits);
  const uint32_t lo_mask = static_cast<uint32_t>(lo_subsets - 1);
  // Tiles small enough that their tables stay in cache: 64 trials at S = 16 (4 x 128 kB; 256
  // trials measured 5% slower), 16 at S = 24.
  const size_t tile = std::clamp<size_t>((size_t{1} << 14) >> lo_bits, 16, kTile);
  // Splits [k0, k1): each split's sums, winner and rank are its own, so any division of the
  // splits between threads gives the same logits.
  auto run = [&](size_t k0, size_t k1) {
    // Per split: the in-sample winner of the mask (a) and of its complement (b), with its
    // out-of-sample key; filled tile by tile (trials ascend, so a strict > keeps the lowest index).
    struct Best {
      double is = -kInf, oos = -kInf;
      size_t trial = SIZE_MAX;
    };
    std::vector<Best> best_a(splits), best_b(splits);
    // A split's sums come from two tables per tile: every subset of the low `lo_bits` blocks and
    // every subset of the others, each entry the one below it (its highest block removed) plus
    // that block: one addition per split and trial instead of S/2 (the tables cost 2^(S/2) per
    // trial, against C(S, S/2) / 2 splits). Entries are [subset * tile + trial], so the loops
    // below run over trials.
    std::vector<double> ls(lo_subsets * tile), lq(lo_subsets * tile);
    std::vector<double> hs(hi_subsets * tile), hq(hi_subsets * tile);
    std::vector<double> ts(tile), tq(tile), ka(tile), kb(tile);
    auto fill = [&](std::vector<double>& table_s, std::vector<double>& table_q, size_t subsets,
                    size_t first_block, size_t from, size_t len) {
      std::fill(table_s.begin(), table_s.begin() + static_cast<ptrdiff_t>(tile), 0.0);
      std::fill(table_q.begin(), table_q.begin() + static_cast<ptrdiff_t>(tile), 0.0);
      for (size_t sub = 1; sub < subsets; ++sub) {
        const int top = std::bit_width(sub) - 1;
        const size_t below = sub & ~(size_t{1} << top), b = first_block + static_cast<size_t>(top);
        double* ds = &table_s[sub * tile];
        double* dq = &table_q[sub * tile];
        const double* bs = &table_s[below * tile];
        const double* bq = &table_q[below * tile];
        for (size_t t = 0; t < len; ++t) {
          const BlockSums& x = sums[(from + t) * nb + b];
          ds[t] = bs[t] + x.sum;
          dq[t] = bq[t] + x.sum_sq;
        }
        for (size_t t = len; t < tile; ++t) ds[t] = dq[t] = 0;
      }
    };
    // Whole tiles (the last padded with zeros, whose keys are never read): fixed trip counts that
    // the compiler vectorises.
    auto keys = [&](size_t k) {
      const uint32_t m = masks[k];
      const double* xs = &ls[(m & lo_mask) * tile];
      const double* xq = &lq[(m & lo_mask) * tile];
      const double* ys = &hs[(m >> lo_bits) * tile];
      const double* yq = &hq[(m >> lo_bits) * tile];
      const double ni = n_in[k], no = days - ni;
      for (size_t t = 0; t < tile; ++t) {
        const double si = xs[t] + ys[t], qi = xq[t] + yq[t];
        const double so = ts[t] - si, qo = tq[t] - qi;
        const double vi = ni * qi - si * si, vo = no * qo - so * so;
        ka[t] = vi > 0 && ni >= 2 ? si * std::fabs(si) / vi : -kInf;
        kb[t] = vo > 0 && no >= 2 ? so * std::fabs(so) / vo : -kInf;
      }
    };
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t from = 0; from < trials; from += tile) {
        const size_t len = std::min(trials - from, tile);
        fill(ls, lq, lo_subsets, 0, from, len);
        fill(hs, hq, hi_subsets, lo_bits, from, len);
        for (size_t t = 0; t < tile; ++t) {
          ts[t] = ls[(lo_subsets - 1) * tile + t] + hs[(hi_subsets - 1) * tile + t];
          tq[t] = lq[(lo_subsets - 1) * tile + t] + hq[(hi_subsets - 1) * tile + t];
        }
        for (size_t k = k0; k < k1; ++k) {
          keys(k);
          if (pass == 0) {
            Best& a = best_a[k];
            Best& b = best_b[k];
            for (size_t t = 0; t < len; ++t) {
              if (ka[t] > a.is || a.trial == SIZE_MAX) a = {ka[t], kb[t], from + t};
              if (kb[t] > b.is || b.trial == SIZE_MAX) b = {kb[t], ka[t], from + t};
            }
          } else {
            // ω - 1: trials ranking below n* out of sample (ties by index).
            const Best& a = best_a[k];
            const Best& b = best_b[k];
            uint64_t na = 0, nb2 = 0;
            for (size_t t = 0; t < len; ++t) {
              na += kb[t] < a.oos || (kb[t] == a.oos && from + t < a.trial);
              nb2 += ka[t] < b.oos || (ka[t] == b.oos && from + t < b.trial);
            }
            below_a[k] += na;
            below_b[k] += nb2;
          }
        }
      }
    }
  };
  const size_t n_threads = std::clamp<size_t>(threads, 1, splits);
  std::vector<std::thread> pool;
  for (size_t i = 1; i < n_threads; ++i)
    pool.emplace_back(run, splits * i / n_threads, splits * (i + 1) / n_threads);
  run(0, splits / n_threads);
  for (auto& t : pool) t.join();
  const double m = static_cast<double>(trials);
  auto logit = [m](uint64_t below) {
    const double omega = static_cast<double>(below + 1);
    return std::log(omega / (m + 1 - omega));
  };
  logits.reserve(2 * splits);
  for (size_t k = 0; k < splits; ++k) logits.push_back(logit(below_a[k]));
  for (size_t k = 0; k < splits; ++k) logits.push_back(logit(below_b[k]));
  return logits;
}

uint64_t pbo_trial_limit(int blocks) {
  uint64_t splits = 1;  // C(S, S/2), exact in 64 bits for S <= 24
  for (int i = 1; i <= blocks / 2; ++i)
    splits = splits * static_cast<uint64_t>(blocks / 2 + i) / static_cast<uint64_t>(i);
  return kMaxPboCells / splits;
}

RobustnessAccumulator::RobustnessAccumulator(int blocks, std::optional<uint64_t> best_index)
    : blocks_(blocks), pbo_limit_(pbo_trial_limit(blocks)), best_index_(best_index) {}

void RobustnessAccumulator::add(uint64_t index, const ReturnStats& stats) {
  if (auto sr = sharpe_of(stats)) srs_.push_back(*sr);
  if (best_index_ && index == *best_index_) best_ = stats;
  if (trials_++ == 0) days_ = stats.days;
  const size_t nb = static_cast<size_t>(blocks_);
  if (pbo_possible_ && (stats.days != days_ || stats.blocks.size() != nb || trials_ > pbo_limit_)) {
    pbo_possible_ = false;
    std::vector<BlockSums>().swap(sums_);
  }
  if (pbo_possible_) sums_.insert(sums_.end(), stats.blocks.begin(), stats.blocks.end());
}

Robustness RobustnessAccumulator::finish(unsigned threads) const {
  Robustness r;
  r.pbo_blocks = blocks_;
  const std::vector<double>& srs = srs_;
  r.n_trials = srs.size();
  if (srs.size() < 2 || !best_) return r;
  const double n = static_cast<double>(srs.size());
  double mean = 0;
  for (double x : srs) mean += x;
  mean /= n;
  double ss = 0;
  for (double x : srs) ss += (x - mean) * (x - mean);
  const double v = ss / (n - 1);
  r.sr_variance = v;
  r.expected_max_sr = std::sqrt(v) * ((1 - kEulerGamma) * normal_quantile(1 - 1 / n) +
                                      kEulerGamma * normal_quantile(1 - 1 / (n * std::numbers::e)));

  const ReturnStats& bs = *best_;
  if (auto sr = sharpe_of(bs)) {
    r.best_sr = *sr;
    r.skew = bs.m3 / std::pow(bs.m2, 1.5);
    r.kurtosis = bs.m4 / (bs.m2 * bs.m2);
    const double radicand = 1 - *r.skew * *sr + (*r.kurtosis - 1) / 4 * *sr * *sr;
    if (radicand > 0) {
      const double scale = std::sqrt(static_cast<double>(bs.days) - 1) / std::sqrt(radicand);
      r.psr = normal_cdf(*sr * scale);
      r.dsr = normal_cdf((*sr - *r.expected_max_sr) * scale);
    }
  }

  // PBO over every completed trial (undefined Sharpe ratios rank lowest).
  if (!pbo_possible_) return r;
  const std::vector<double> logits = cscv_logits(sums_, trials_, blocks_, threads);
  r.pbo_trials = trials_;
  r.logit_limit = std::log(static_cast<double>(trials_));
  r.logit_counts.assign(kLogitBins, 0);
  uint64_t overfit = 0;
  for (double l : logits) {
    overfit += l <= 0;
    const double pos = (l + r.logit_limit) / (2 * r.logit_limit) * kLogitBins;
    const int bin = std::clamp(static_cast<int>(std::floor(pos)), 0, kLogitBins - 1);
    ++r.logit_counts[static_cast<size_t>(bin)];
  }
  r.pbo = static_cast<double>(overfit) / static_cast<double>(logits.size());
  return r;
}

Robustness assess_robustness(const std::vector<RobustnessInput>& trials, std::optional<size_t> best,
                             int blocks, unsigned threads) {
  RobustnessAccumulator acc(
      blocks, best ? std::optional<uint64_t>(trials[*best].index) : std::optional<uint64_t>());
  for (const auto& t : trials) acc.add(t.index, t.stats);
  return acc.finish(threads);
}

}  // namespace sweep
