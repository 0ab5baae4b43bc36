// compute_metrics: backtesting.py's statistics (DESIGN §5), operation for operation where the
// order of floating-point operations decides the last digits.
#include <algorithm>
#include <cmath>
#include <limits>

#include "sweep/engine/engine.hpp"

namespace sweep {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDayMs = 86'400'000.0;

// Rounds a duration up to the data's unit (pandas' Timedelta.ceil(resolution)), in days.
double ceil_days(double total_ms, double count, int64_t unit_ms) {
  if (count == 0) return kNaN;
  const double unit = static_cast<double>(unit_ms);
  const double mean = total_ms / count;
  return std::ceil(mean / unit) * unit / kDayMs;
}

// exp(mean(log(1 + r))) - 1; 0 if any 1 + r <= 0 (a total loss).
double geometric_mean(const double* r, size_t n) {
  const size_t count = n;
  if (count == 0) return kNaN;
  double log_sum = 0;
  for (size_t i = 0; i < n; ++i) {
    const double g = r[i] + 1;
    if (g <= 0) return 0;
    log_sum += std::log(g);
  }
  return std::exp(log_sum / static_cast<double>(count)) - 1;
}

double sample_variance(const std::vector<double>& v) {
  if (v.size() < 2) return kNaN;
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return ss / static_cast<double>(v.size() - 1);
}

double or_nan(double x) {
  return x == 0 ? kNaN : x;
}

// Returns the largest drawdown as a fraction.
//
// backtesting.py's drawdown is dd = 1 - equity / running peak per bar. A drawdown period runs
// from a bar where dd == 0 to the next such bar (or the last bar); only periods with a bar
// strictly inside count. Within a period the peak is constant (a new peak has dd == 0 exactly),
// and 1 - e / peak falls as e rises, so the period's deepest point is its lowest equity: one
// division per period instead of one per bar. The per-bar test for dd == 0 divides only when
// the equity is within 1e-9 of the peak, where rounding could make e / peak exactly 1.
double drawdown_metrics(const MarketData& data, const std::vector<double>& equity, Metrics& m) {
  const size_t n = equity.size();
  double peak = equity[0];
  double max_dd = 0;
  size_t last_zero = 0;
  double low = peak;  // lowest equity since last_zero
  double periods = 0, dd_sum = 0, dur_sum_ms = 0, dur_max_ms = -1;
  auto close_period = [&](size_t at) {
    const double dd = 1 - low / peak;
    max_dd = std::max(max_dd, dd);
    if (at > last_zero + 1) {
      periods += 1;
      dd_sum += dd;
      const double dur = static_cast<double>(data.ts(at) - data.ts(last_zero));
      dur_sum_ms += dur;
      dur_max_ms = std::max(dur_max_ms, dur);
    }
  };
  for (size_t i = 0; i < n; ++i) {
    const double e = equity[i];
    bool zero;
    if (e >= peak) {
      zero = true;
    } else if (e >= peak * (1 - 1e-9)) {
      zero = 1 - e / peak == 0;
    } else {
      zero = false;
    }
    if (zero) {
      close_period(i);
      peak = std::max(peak, e);
      last_zero = i;
      low = e;
    } else {
      low = std::min(low, e);
      if (i + 1 == n) close_period(i);
    }
  }
  m[Metric::kMaxDrawdownPct] = -max_dd * 100;
  if (periods > 0) {
    m[Metric::kAvgDrawdownPct] = -(dd_sum / periods) * 100;
    m[Metric::kMaxDrawdownDays] = ceil_days(dur_max_ms, 1, data.duration_unit_ms);
    m[Metric::kAvgDrawdownDays] = ceil_days(dur_sum_ms, periods, data.duration_unit_ms);
  } else if (max_dd > 0) {
    // Only the last bar is below its peak: backtesting.py then averages the nonzero drawdowns
    // (that one bar's) and defines no duration.
    m[Metric::kAvgDrawdownPct] = -max_dd * 100;
  }
  return max_dd;
}

void trade_metrics(const MarketData& data, const std::vector<Trade>& trades, Metrics& m) {
  const size_t n = trades.size();
  m[Metric::kTrades] = static_cast<double>(n);
  if (n == 0) return;
  double log_growth = 0;
  bool total_loss = false;
  double wins = 0, pos = 0, neg = 0, ret_sum = 0, pnl_sum = 0;
  double best = -std::numeric_limits<double>::infinity(), worst = -best;
  double dur_sum = 0, dur_max = 0;
  for (size_t k = 0; k < n; ++k) {
    const Trade& t = trades[k];
    if (t.return_frac + 1 <= 0)
      total_loss = true;
    else
      log_growth += std::log(t.return_frac + 1);
    wins += t.pnl > 0;
    if (t.return_frac > 0) pos += t.return_frac;
    if (t.return_frac < 0) neg += t.return_frac;
    ret_sum += t.return_frac;
    pnl_sum += t.pnl;
    best = std::max(best, t.return_frac);
    worst = std::min(worst, t.return_frac);
    const double dur = static_cast<double>(data.ts(t.exit_bar) - data.ts(t.entry_bar));
    dur_sum += dur;
    dur_max = std::max(dur_max, dur);
  }
  const double count = static_cast<double>(n);
  m[Metric::kWinRatePct] = wins / count * 100;
  m[Metric::kBestTradePct] = best * 100;
  m[Metric::kWorstTradePct] = worst * 100;
  m[Metric::kAvgTradePct] = total_loss ? 0 : (std::exp(log_growth / count) - 1) * 100;
  m[Metric::kMaxTradeDays] = ceil_days(dur_max, 1, data.duration_unit_ms);
  m[Metric::kAvgTradeDays] = ceil_days(dur_sum, count, data.duration_unit_ms);
  m[Metric::kProfitFactor] = pos / or_nan(std::fabs(neg));
  m[Metric::kExpectancyPct] = ret_sum / count * 100;
  const double pnl_mean = pnl_sum / count;
  double ss = 0;
  for (const Trade& t : trades) ss += (t.pnl - pnl_mean) * (t.pnl - pnl_mean);
  const double sd = n > 1 ? std::sqrt(ss / (count - 1)) : kNaN;
  m[Metric::kSqn] = std::sqrt(count) * pnl_mean / or_nan(sd);
}

void exposure_metric(size_t bars, const std::vector<Trade>& trades, Metrics& m) {
  std::vector<std::pair<uint32_t, uint32_t>> spans;
  spans.reserve(trades.size());
  for (const Trade& t : trades) spans.emplace_back(t.entry_bar, t.exit_bar);
  std::sort(spans.begin(), spans.end());
  uint64_t covered = 0;
  int64_t reach = -1;  // last bar already counted
  for (auto [a, b] : spans) {
    const int64_t from = std::max<int64_t>(a, reach + 1);
    if (b >= from) covered += static_cast<uint64_t>(b - from + 1);
    reach = std::max<int64_t>(reach, b);
  }
  m[Metric::kExposurePct] = static_cast<double>(covered) / static_cast<double>(bars) * 100;
}

void annualised_metrics(const MarketData& data, const std::vector<double>& equity, double max_dd,
                        int return_blocks, ReturnStats* stats, Metrics& m) {
  // Period ("daily") returns from the last equity of each period with bars; the first period
  // has no return and counts nowhere (as in the reference backtesting.py version).
  std::vector<double> r;
  r.reserve(data.period_last_bar.size());
  for (size_t k = 1; k < data.period_last_bar.size(); ++k)
    r.push_back(equity[data.period_last_bar[k]] / equity[data.period_last_bar[k - 1]] - 1);
  const double g = geometric_mean(r.data(), r.size());
  const double d = data.annual_periods;
  const double annual = std::pow(1 + g, d) - 1;
  // The return statistics' passes add the same returns in the same order as sample_variance's,
  // so one set of passes gives both: what the statistics add is a few multiplications a day.
  double var;
  if (stats) {
    const double ss = accumulate_return_stats(r.data(), r.size(), return_blocks, *stats);
    var = r.size() < 2 ? kNaN : ss / static_cast<double>(r.size() - 1);
  } else {
    var = sample_variance(r);
  }
  const double vol = std::sqrt(std::pow(var + (1 + g) * (1 + g), d) - std::pow(1 + g, 2 * d));
  m[Metric::kReturnAnnPct] = annual * 100;
  m[Metric::kVolatilityAnnPct] = vol * 100;
  m[Metric::kSharpe] = (annual * 100) / or_nan(vol * 100);
  double down = 0;
  for (double x : r) down += std::min(x, 0.0) * std::min(x, 0.0);
  const double down_dev = r.empty() ? kNaN : std::sqrt(down / static_cast<double>(r.size()));
  m[Metric::kSortino] = annual / (down_dev * std::sqrt(d));
  m[Metric::kCalmar] = annual / or_nan(max_dd);
}

}  // namespace

Metrics compute_metrics(const MarketData& data, const std::vector<double>& equity,
                        const std::vector<Trade>& trades, size_t warmup, int return_blocks,
                        ReturnStats* stats) {
  Metrics m;
  const size_t n = equity.size();
  m[Metric::kFinalEquity] = equity[n - 1];
  m[Metric::kPeakEquity] = *std::max_element(equity.begin(), equity.end());
  m[Metric::kReturnPct] = (equity[n - 1] - equity[0]) / equity[0] * 100;
  const double c0 = data.close[warmup];
  m[Metric::kBuyHoldReturnPct] = (data.close[n - 1] - c0) / c0 * 100;
  exposure_metric(n, trades, m);
  const double max_dd = drawdown_metrics(data, equity, m);
  trade_metrics(data, trades, m);
  if (return_blocks <= 0) stats = nullptr;
  annualised_metrics(data, equity, max_dd, return_blocks, stats, m);
  return m;
}

}  // namespace sweep
