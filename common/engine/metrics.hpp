// The statistics of one backtest. Keys and formulas are fixed by DESIGN §5/§9; a value that is
// undefined (no trades, zero variance) is NaN here and null in JSON/msgpack/SQLite.
#pragma once

#include <array>
#include <cmath>
#include <optional>
#include <string_view>

namespace sweep {

// Order is part of the wire format of result arrays: append only, never reorder.
enum class Metric : int {
  kTrades,
  kFinalEquity,
  kPeakEquity,
  kReturnPct,
  kBuyHoldReturnPct,
  kExposurePct,
  kMaxDrawdownPct,
  kAvgDrawdownPct,
  kMaxDrawdownDays,
  kAvgDrawdownDays,
  kWinRatePct,
  kBestTradePct,
  kWorstTradePct,
  kAvgTradePct,
  kMaxTradeDays,
  kAvgTradeDays,
  kProfitFactor,
  kExpectancyPct,
  kSqn,
  kReturnAnnPct,
  kVolatilityAnnPct,
  kSharpe,
  kSortino,
  kCalmar,
  kCount
};
inline constexpr int kMetricCount = static_cast<int>(Metric::kCount);

// "trades", "final_equity", ... (DESIGN §9).
std::string_view metric_name(Metric m);
std::optional<Metric> metric_from_name(std::string_view name);

struct Metrics {
  std::array<double, kMetricCount> values;

  Metrics() { values.fill(std::nan("")); }
  double operator[](Metric m) const { return values[static_cast<int>(m)]; }
  double& operator[](Metric m) { return values[static_cast<int>(m)]; }
  // All-zero metrics: what a failed trial records.
  static Metrics Zero() {
    Metrics z;
    z.values.fill(0.0);
    return z;
  }
  bool operator==(const Metrics& o) const;  // bitwise: NaN equals NaN
};

}  // namespace sweep
