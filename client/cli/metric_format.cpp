#include "metric_format.hpp"

#include <cmath>
#include <cstdio>

namespace sweep::cli {
namespace {

std::string money(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", std::fabs(v));
  std::string digits = buf;
  const size_t dot = digits.find('.');
  std::string out;
  for (size_t i = 0; i < dot; ++i) {
    if (i && (dot - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 ? "-" : "") + out + digits.substr(dot);
}

}  // namespace

std::string format_metric(Metric m, double v) {
  if (!std::isfinite(v)) return "--";
  char buf[64];
  switch (m) {
    case Metric::kTrades:
      std::snprintf(buf, sizeof buf, "%.0f", v);
      return buf;
    case Metric::kFinalEquity:
    case Metric::kPeakEquity:
      return money(v);
    case Metric::kMaxDrawdownDays:
    case Metric::kAvgDrawdownDays:
    case Metric::kMaxTradeDays:
    case Metric::kAvgTradeDays:
      std::snprintf(buf, sizeof buf, v == std::floor(v) ? "%.0f" : "%.2f", v);
      return buf;
    case Metric::kProfitFactor:
    case Metric::kSqn:
    case Metric::kSharpe:
    case Metric::kSortino:
    case Metric::kCalmar:
      std::snprintf(buf, sizeof buf, "%.4f", v);
      return buf;
    default:
      std::snprintf(buf, sizeof buf, "%.2f%%", v);
      return buf;
  }
}

std::string metric_label(Metric m) {
  switch (m) {
    case Metric::kTrades:
      return "Trades";
    case Metric::kFinalEquity:
      return "Final equity";
    case Metric::kPeakEquity:
      return "Peak equity";
    case Metric::kReturnPct:
      return "Return";
    case Metric::kBuyHoldReturnPct:
      return "Buy & hold return";
    case Metric::kExposurePct:
      return "Exposure";
    case Metric::kMaxDrawdownPct:
      return "Max drawdown";
    case Metric::kAvgDrawdownPct:
      return "Avg drawdown";
    case Metric::kMaxDrawdownDays:
      return "Max drawdown duration (days)";
    case Metric::kAvgDrawdownDays:
      return "Avg drawdown duration (days)";
    case Metric::kWinRatePct:
      return "Win rate";
    case Metric::kBestTradePct:
      return "Best trade";
    case Metric::kWorstTradePct:
      return "Worst trade";
    case Metric::kAvgTradePct:
      return "Avg trade (geometric)";
    case Metric::kMaxTradeDays:
      return "Max trade duration (days)";
    case Metric::kAvgTradeDays:
      return "Avg trade duration (days)";
    case Metric::kProfitFactor:
      return "Profit factor";
    case Metric::kExpectancyPct:
      return "Expectancy";
    case Metric::kSqn:
      return "SQN";
    case Metric::kReturnAnnPct:
      return "Return (annualised)";
    case Metric::kVolatilityAnnPct:
      return "Volatility (annualised)";
    case Metric::kSharpe:
      return "Sharpe ratio";
    case Metric::kSortino:
      return "Sortino ratio";
    case Metric::kCalmar:
      return "Calmar ratio";
    case Metric::kCount:
      break;
  }
  return "?";
}

namespace {
std::string number_text(const std::optional<double>& v, const char* format = "%.3f") {
  if (!v) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, *v);
  return buf;
}
}  // namespace

std::string robustness_text(const Robustness& r) {
  std::string text = "robustness: N=" + std::to_string(r.n_trials) + " trials, best sr " +
                     number_text(r.best_sr) + " (PSR " + number_text(r.psr, "%.2f") +
                     "), expected max sr " + number_text(r.expected_max_sr) + ", DSR " +
                     number_text(r.dsr, "%.2f") + ", PBO " + number_text(r.pbo, "%.2f") +
                     " (S=" + std::to_string(r.pbo_blocks) + ")";
  if (r.pbo)
    text += ": in " + number_text(*r.pbo * 100, "%.0f") +
            "% of splits the in-sample winner ranked at or below the median out of sample";
  return text;
}

}  // namespace sweep::cli
