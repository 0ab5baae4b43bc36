#include "sweep/data/market_data.hpp"

#include <algorithm>
#include <string>

#include "sweep/base/civil_time.hpp"

namespace sweep {
namespace {

constexpr int64_t kDayMs = kMsPerDay;

enum class Period { kDay, kWeek, kMonth, kYear };

int64_t period_key(int64_t ts_ms, Period p) {
  const int64_t day = floor_div(ts_ms, kDayMs);
  switch (p) {
    case Period::kDay:
      return day;
    case Period::kWeek:
      return floor_div(day + 3, 7);  // weeks Monday..Sunday (day 0 is a Thursday)
    case Period::kMonth:
    case Period::kYear: {
      const CivilDate c = civil_from_days(day);
      return p == Period::kMonth ? int64_t{c.year} * 12 + c.month : c.year;
    }
  }
  return day;
}

// The typical bar spacing: the median of the first 100 timestamps' differences (as pandas does).
int64_t median_spacing_ms(const TimeSeries& s) {
  const size_t n = std::min<size_t>(s.size(), 100);
  if (n < 2) return kDayMs;
  std::vector<int64_t> d;
  for (size_t i = 1; i < n; ++i) d.push_back(s.bars[i].ts - s.bars[i - 1].ts);
  std::sort(d.begin(), d.end());
  const size_t k = d.size() / 2;
  return d.size() % 2 ? d[k] : (d[k - 1] + d[k]) / 2;
}

}  // namespace

std::shared_ptr<const MarketData> MarketData::Build(std::shared_ptr<const TimeSeries> series) {
  auto md = std::make_shared<MarketData>();
  const TimeSeries& s = *series;
  const double scale = s.price_scale();
  const size_t n = s.size();
  md->open.resize(n);
  md->high.resize(n);
  md->low.resize(n);
  md->close.resize(n);
  md->close_fixed.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Int64Bar& b = s.bars[i];
    md->open[i] = static_cast<double>(b.open) / scale;
    md->high[i] = static_cast<double>(b.high) / scale;
    md->low[i] = static_cast<double>(b.low) / scale;
    md->close[i] = static_cast<double>(b.close) / scale;
    md->close_fixed[i] = b.close;
  }

  const int64_t spacing = median_spacing_ms(s);
  const int64_t spacing_days = spacing / kDayMs;
  Period period = Period::kDay;
  if (spacing_days == 7) {
    md->annual_periods = 52;
    period = Period::kWeek;
  } else if (spacing_days == 31) {
    md->annual_periods = 12;
    period = Period::kMonth;
  } else if (spacing_days == 365) {
    md->annual_periods = 1;
    period = Period::kYear;
  } else {
    size_t weekend = 0;
    for (const Int64Bar& b : s.bars) {
      const int64_t weekday = (floor_div(b.ts, kDayMs) + 3) % 7;  // 0 = Monday
      weekend += weekday >= 5;
    }
    // More than 60% of the 2/7 a calendar-time series would have: the market trades weekends.
    const bool has_weekends =
        n > 0 && static_cast<double>(weekend) / static_cast<double>(n) > 2.0 / 7.0 * 0.6;
    md->annual_periods = has_weekends ? 365 : 252;
  }
  for (size_t i = 0; i < n; ++i) {
    if (i + 1 == n || period_key(s.bars[i].ts, period) != period_key(s.bars[i + 1].ts, period))
      md->period_last_bar.push_back(static_cast<uint32_t>(i));
  }

  constexpr int64_t kUnits[] = {kDayMs, 3'600'000, 60'000, 1'000, 1};
  md->duration_unit_ms = 1;
  for (int64_t u : kUnits) {
    if (spacing > 0 && spacing % u == 0) {
      md->duration_unit_ms = u;
      break;
    }
  }
  md->series = std::move(series);
  return md;
}

std::shared_ptr<const MarketData> slice_market_data(const TimeSeries& series, BarSpan span) {
  auto part = std::make_shared<TimeSeries>();
  part->name =
      series.name + "[" + std::to_string(span.begin) + ":" + std::to_string(span.end) + ")";
  part->price_digits = series.price_digits;
  part->volume_digits = series.volume_digits;
  part->bars.assign(series.bars.begin() + static_cast<ptrdiff_t>(span.begin),
                    series.bars.begin() + static_cast<ptrdiff_t>(span.end));
  return MarketData::Build(std::move(part));
}

}  // namespace sweep
