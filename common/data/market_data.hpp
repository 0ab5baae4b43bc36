// A dataset prepared once for many runs: real-valued price arrays for the hot loop and the
// calendar facts the metrics need. Built once per dataset and shared (read-only) by every trial.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sweep/data/bars.hpp"

namespace sweep {

struct MarketData {
  std::shared_ptr<const TimeSeries> series;
  // Real prices, bar by bar; each is the correctly rounded value of the fixed-point input.
  std::vector<double> open, high, low, close;
  // Closes in the series' fixed point, for exact integer indicators (sums, comparisons).
  std::vector<int64_t> close_fixed;

  // Calendar facts (backtesting.py's conventions, DESIGN §5):
  // the period that "daily" returns use: a day, or a week/month/year for such bars.
  int annual_periods = 252;
  // Index of the last bar of each period that has bars, in order.
  std::vector<uint32_t> period_last_bar;
  // Durations are rounded up to this unit (the finest unit of the typical bar spacing), in ms.
  int64_t duration_unit_ms = 86'400'000;

  size_t size() const { return close.size(); }
  int64_t ts(size_t i) const { return series->bars[i].ts; }

  static std::shared_ptr<const MarketData> Build(std::shared_ptr<const TimeSeries> series);
};

// Bars [begin, end) of a series: a walk-forward window's train or test part (docs/WALK_FORWARD.md).
struct BarSpan {
  uint64_t begin = 0, end = 0;
  uint64_t size() const { return end - begin; }
  bool operator==(const BarSpan&) const = default;
};

// Bars [span.begin, span.end) of `series` as a dataset of their own (calendar facts recomputed).
// The span must lie within the series and be non-empty.
std::shared_ptr<const MarketData> slice_market_data(const TimeSeries& series, BarSpan span);

}  // namespace sweep
