#include "sweep/engine/return_stats.hpp"

#include <cmath>

namespace sweep {

std::vector<double> daily_returns(const MarketData& data, const std::vector<double>& equity) {
  std::vector<double> r;
  const auto& last = data.period_last_bar;
  if (last.size() < 2) return r;
  r.reserve(last.size() - 1);
  // The same expression as the Sharpe metric's (engine/metrics.cpp), so the same doubles.
  for (size_t k = 1; k < last.size(); ++k) r.push_back(equity[last[k]] / equity[last[k - 1]] - 1);
  return r;
}

ReturnStats return_stats(const std::vector<double>& returns, int blocks) {
  ReturnStats s;
  accumulate_return_stats(returns.data(), returns.size(), blocks, s);
  return s;
}

double accumulate_return_stats(const double* r, size_t t, int blocks, ReturnStats& s) {
  s.days = static_cast<uint32_t>(t);
  s.mean = s.m2 = s.m3 = s.m4 = 0;
  s.blocks.assign(static_cast<size_t>(blocks), BlockSums{});
  // The blocks' sums and the mean's sum in one pass: three independent chains of additions, which
  // a core runs in about the time of one (each addition waits only for its own chain). Every sum
  // adds its days in order, so the result does not depend on the loop's shape.
  double sum = 0;
  const size_t nb = s.blocks.size();
  for (size_t b = 0; b < nb; ++b) {
    const size_t from = b * t / nb, to = (b + 1) * t / nb;
    double bsum = 0, bsq = 0;
    for (size_t i = from; i < to; ++i) {
      const double x = r[i];
      sum += x;
      bsum += x;
      bsq += x * x;
    }
    s.blocks[b] = {static_cast<uint32_t>(to - from), bsum, bsq};
  }
  if (t == 0) return 0;
  const double n = static_cast<double>(t);
  s.mean = sum / n;
  double m2 = 0, m3 = 0, m4 = 0;
  for (size_t i = 0; i < t; ++i) {
    const double d = r[i] - s.mean, d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  s.m2 = m2 / n;
  s.m3 = m3 / n;
  s.m4 = m4 / n;
  return m2;
}

std::optional<double> sharpe_of(double count, double sum, double sum_sq) {
  if (count < 2) return std::nullopt;
  const double mean = sum / count;
  const double var = (sum_sq - sum * mean) / (count - 1);
  if (!(var > 0)) return std::nullopt;
  return mean / std::sqrt(var);
}

std::optional<double> sharpe_of(const ReturnStats& s) {
  if (s.days < 2 || !(s.m2 > 0)) return std::nullopt;
  const double n = static_cast<double>(s.days);
  return s.mean / std::sqrt(s.m2 * n / (n - 1));
}

}  // namespace sweep
