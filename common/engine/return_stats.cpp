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
  const size_t t = returns.size();
  s.days = static_cast<uint32_t>(t);
  s.blocks.resize(static_cast<size_t>(blocks));
  for (size_t b = 0; b < s.blocks.size(); ++b) {
    const size_t from = b * t / s.blocks.size();
    const size_t to = (b + 1) * t / s.blocks.size();
    BlockSums& bs = s.blocks[b];
    bs.count = static_cast<uint32_t>(to - from);
    for (size_t i = from; i < to; ++i) {
      bs.sum += returns[i];
      bs.sum_sq += returns[i] * returns[i];
    }
  }
  if (t == 0) return s;
  for (double x : returns) s.mean += x;
  s.mean /= static_cast<double>(t);
  for (double x : returns) {
    const double d = x - s.mean, d2 = d * d;
    s.m2 += d2;
    s.m3 += d2 * d;
    s.m4 += d2 * d2;
  }
  const double n = static_cast<double>(t);
  s.m2 /= n;
  s.m3 /= n;
  s.m4 /= n;
  return s;
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
