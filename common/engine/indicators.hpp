// Incremental indicators: O(1) per bar, no allocation after construction, no per-bar division
// where a multiplication will do. Each is fed bar by bar with update(value).
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sweep {

// Sum of the last `period` integer values, exact. Ready once `period` values were seen.
class RollingSum {
 public:
  explicit RollingSum(size_t period = 1) : window_(period, 0) {}
  void update(int64_t v) {
    sum_ += v - window_[pos_];
    window_[pos_] = v;
    pos_ = pos_ + 1 == window_.size() ? 0 : pos_ + 1;
    ++seen_;
  }
  bool ready() const { return seen_ >= window_.size(); }
  int64_t sum() const { return sum_; }
  size_t period() const { return window_.size(); }

 private:
  std::vector<int64_t> window_;
  size_t pos_ = 0;
  size_t seen_ = 0;
  int64_t sum_ = 0;
};

// Sign of (a_sum / a_n) - (b_sum / b_n), computed exactly by cross-multiplication.
inline int compare_means(int64_t a_sum, int64_t a_n, int64_t b_sum, int64_t b_n) {
  const __int128 l = static_cast<__int128>(a_sum) * b_n;
  const __int128 r = static_cast<__int128>(b_sum) * a_n;
  return (l > r) - (l < r);
}

// Tracks the sign of a difference series and reports a crossing when it changes sign, skipping
// bars where the difference is exactly zero (a touch followed by a return is no cross).
class CrossDetector {
 public:
  // Returns +1 on a cross up, -1 on a cross down, 0 otherwise.
  int update(int sign) {
    if (sign == 0) return 0;
    const int cross = (last_ == -sign) ? sign : 0;
    last_ = sign;
    return cross;
  }

 private:
  int last_ = 0;
};

// Exponential moving average with alpha = 2 / (period + 1), seeded with the simple mean of the
// first `period` inputs (so the first value is at input period - 1):
//   ema[period-1] = (x[0] + ... + x[period-1]) / period
//   ema[t]        = ema[t-1] + alpha * (x[t] - ema[t-1])
class Ema {
 public:
  explicit Ema(size_t period = 1)
      : period_(period), alpha_(2.0 / (static_cast<double>(period) + 1.0)) {}
  void update(double x) {
    if (seen_ >= period_) [[likely]] {
      value_ += alpha_ * (x - value_);
      return;
    }
    // Warm-up: value_ holds the seed's running sum; one division when it is complete.
    value_ += x;
    if (++seen_ == period_) value_ /= static_cast<double>(period_);
  }
  bool ready() const { return seen_ >= period_; }
  double value() const { return value_; }
  size_t period() const { return period_; }

 private:
  size_t period_;
  double alpha_;
  size_t seen_ = 0;
  double value_ = 0;
};

// Wilder's RSI over `period` changes of the input. With d[t] = x[t] - x[t-1], gain = max(d, 0)
// and loss = max(-d, 0):
//   G, L at input `period` = simple means of the first `period` gains and losses
//   then G = (G * (period - 1) + gain) / period, likewise L (the division is a multiplication by
//   the precomputed 1 / period)
//   RSI = 100 * G / (G + L)  (= 100 - 100 / (1 + G/L)); 50 when G + L = 0 (no movement)
// Ready from input index `period` on (period + 1 inputs).
class WilderRsi {
 public:
  explicit WilderRsi(size_t period = 14)
      : period_(period),
        keep_(static_cast<double>(period) - 1.0),
        inv_period_(1.0 / static_cast<double>(period)) {}
  void update(double x) {
    const double d = x - prev_;
    prev_ = x;
    const double gain = d > 0 ? d : 0.0;
    const double loss = d < 0 ? -d : 0.0;
    if (seen_ > period_) [[likely]] {
      gain_ = (gain_ * keep_ + gain) * inv_period_;
      loss_ = (loss_ * keep_ + loss) * inv_period_;
      return;
    }
    if (seen_ > 0) {
      gain_ += gain;
      loss_ += loss;
    }
    if (++seen_ > period_) {  // once per run
      gain_ /= static_cast<double>(period_);
      loss_ /= static_cast<double>(period_);
    }
  }
  bool ready() const { return seen_ > period_; }
  double avg_gain() const { return gain_; }
  double avg_loss() const { return loss_; }
  // The RSI value (one division: for reports and tests, not the per-bar path).
  double value() const {
    const double total = gain_ + loss_;
    return total > 0 ? 100.0 * gain_ / total : 50.0;
  }
  // Sign of (RSI - level), without a division: 100 * G vs level * (G + L).
  int compare(double level) const {
    const double total = gain_ + loss_;
    const double l = total > 0 ? 100.0 * gain_ : 50.0;
    const double r = total > 0 ? level * total : level;
    return (l > r) - (l < r);
  }
  size_t period() const { return period_; }

 private:
  size_t period_;
  double keep_;        // period - 1
  double inv_period_;  // 1 / period
  size_t seen_ = 0;
  double prev_ = 0;
  double gain_ = 0, loss_ = 0;
};

// Mean and population standard deviation of the last `period` integer values, from exact sums
// (sum in int64, sum of squares in 128 bits: no drift, no cancellation):
//   mean = S / n,  variance = (n * Q - S^2) / n^2,  sd = sqrt(variance)
// with S = sum of x and Q = sum of x^2 over the window. Ready once `period` values were seen.
// Exact while period * max|x| < 2^63 (S fits in int64; then n * Q fits in 128 bits).
class RollingMeanSd {
 public:
  explicit RollingMeanSd(size_t period = 1)
      : window_(period, 0), inv_n_(1.0 / static_cast<double>(period)) {}
  void update(int64_t v) {
    const int64_t old = window_[pos_];
    sum_ += v - old;
    sum_sq_ += static_cast<__int128>(v) * v - static_cast<__int128>(old) * old;
    window_[pos_] = v;
    pos_ = pos_ + 1 == window_.size() ? 0 : pos_ + 1;
    ++seen_;
  }
  bool ready() const { return seen_ >= window_.size(); }
  size_t period() const { return window_.size(); }
  int64_t sum() const { return sum_; }
  __int128 sum_sq() const { return sum_sq_; }
  double mean() const { return static_cast<double>(sum_) * inv_n_; }
  // n^2 * variance = n * Q - S^2, exact and >= 0.
  __int128 scaled_variance() const {
    const auto n = static_cast<__int128>(window_.size());
    return n * sum_sq_ - static_cast<__int128>(sum_) * sum_;
  }
  double sd() const { return std::sqrt(static_cast<double>(scaled_variance())) * inv_n_; }

  // Sign of x - (mean + k * sd) with no division and no square root:
  // with d = n * x - S and V = n * Q - S^2, it is the sign of d - k * sqrt(V).
  // k = 0 compares x with the mean exactly.
  int compare_band(int64_t x, double k) const {
    const __int128 d = static_cast<__int128>(window_.size()) * x - sum_;
    const __int128 v = scaled_variance();
    if (k == 0 || v == 0) return (d > 0) - (d < 0);
    if (k > 0 && d <= 0) return -1;  // d <= 0 < k * sqrt(V)
    if (k < 0 && d >= 0) return 1;   // d >= 0 > k * sqrt(V)
    // Same signs: compare magnitudes squared, d^2 vs k^2 * V.
    const double dd = static_cast<double>(d);
    const double d2 = dd * dd;
    const double t2 = k * k * static_cast<double>(v);
    const int mag = (d2 > t2) - (d2 < t2);
    return k > 0 ? mag : -mag;
  }

 private:
  std::vector<int64_t> window_;
  double inv_n_;
  size_t pos_ = 0;
  size_t seen_ = 0;
  int64_t sum_ = 0;
  __int128 sum_sq_ = 0;
};

// Highest (kMax) or lowest value of the last `period` inputs: a monotonic deque (values strictly
// decreasing for kMax, increasing for the min, from the front) held in a ring buffer allocated
// once, sized to the power of two >= period so that a slot is a mask away. Amortised O(1) per
// input. Ready once `period` inputs were seen; before that, the extremum of those seen so far.
template <class T, bool kMax>
class RollingExtremum {
 public:
  explicit RollingExtremum(size_t period = 1)
      : period_(period), mask_(std::bit_ceil(period) - 1), slots_(mask_ + 1) {}
  void update(T v) {
    // The front slid out of the window [seen - period + 1, seen]? (At most one per input.)
    if (head_ != tail_ && slots_[head_ & mask_].index + period_ <= seen_) ++head_;
    // Drop from the back every value the new one dominates (it is newer and at least as extreme).
    while (tail_ != head_) {
      const T back = slots_[(tail_ - 1) & mask_].value;
      if (kMax ? back > v : back < v) break;
      --tail_;
    }
    slots_[tail_++ & mask_] = Slot{seen_++, v};
  }
  bool ready() const { return seen_ >= period_; }
  T value() const { return slots_[head_ & mask_].value; }
  size_t period() const { return period_; }

 private:
  struct Slot {
    size_t index;  // input number
    T value;
  };
  size_t period_;
  size_t mask_;
  std::vector<Slot> slots_;
  size_t head_ = 0, tail_ = 0;  // deque = slots [head, tail), counters taken modulo the size
  size_t seen_ = 0;
};

using RollingMax = RollingExtremum<double, true>;
using RollingMin = RollingExtremum<double, false>;

}  // namespace sweep
