#include <cstring>

#include "sweep/engine/metrics.hpp"

namespace sweep {
namespace {
constexpr std::array<std::string_view, kMetricCount> kNames = {"trades",
                                                               "final_equity",
                                                               "peak_equity",
                                                               "return_pct",
                                                               "buy_hold_return_pct",
                                                               "exposure_pct",
                                                               "max_drawdown_pct",
                                                               "avg_drawdown_pct",
                                                               "max_drawdown_days",
                                                               "avg_drawdown_days",
                                                               "win_rate_pct",
                                                               "best_trade_pct",
                                                               "worst_trade_pct",
                                                               "avg_trade_pct",
                                                               "max_trade_days",
                                                               "avg_trade_days",
                                                               "profit_factor",
                                                               "expectancy_pct",
                                                               "sqn",
                                                               "return_ann_pct",
                                                               "volatility_ann_pct",
                                                               "sharpe",
                                                               "sortino",
                                                               "calmar"};
}  // namespace

std::string_view metric_name(Metric m) {
  return kNames[static_cast<int>(m)];
}

std::optional<Metric> metric_from_name(std::string_view name) {
  for (int i = 0; i < kMetricCount; ++i)
    if (kNames[i] == name) return static_cast<Metric>(i);
  return std::nullopt;
}

bool Metrics::operator==(const Metrics& o) const {
  return std::memcmp(values.data(), o.values.data(), sizeof(double) * kMetricCount) == 0;
}

}  // namespace sweep
