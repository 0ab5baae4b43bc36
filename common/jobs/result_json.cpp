#include "sweep/jobs/result_json.hpp"

#include <cmath>

#include "sweep/base/civil_time.hpp"

namespace sweep {

namespace {
// Dates for daily-or-coarser data, date-times otherwise.
TimeFormat time_format_of(const MarketData& data) {
  return data.duration_unit_ms >= kMsPerDay ? TimeFormat::kDate
         : data.duration_unit_ms >= 1000    ? TimeFormat::kSeconds
                                            : TimeFormat::kMillis;
}
}  // namespace

nlohmann::json number_or_null(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

nlohmann::json to_json(const Metrics& m) {
  nlohmann::json j = nlohmann::json::object();
  for (int i = 0; i < kMetricCount; ++i) {
    const auto metric = static_cast<Metric>(i);
    const double v = m[metric];
    if (metric == Metric::kTrades && std::isfinite(v))
      j[std::string(metric_name(metric))] = static_cast<int64_t>(v);
    else
      j[std::string(metric_name(metric))] = number_or_null(v);
  }
  return j;
}

nlohmann::json to_json(const ParamValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return *d;
  return std::get<std::string>(v);
}

nlohmann::json to_json(const ParamSet& p) {
  nlohmann::json j = nlohmann::json::object();
  for (auto& [name, v] : p.items()) j[name] = to_json(v);
  return j;
}

nlohmann::json trade_to_json(const Trade& t, const MarketData& data) {
  return {
      {"size", t.size},
      {"entry_bar", t.entry_bar},
      {"exit_bar", t.exit_bar},
      {"entry_time", format_time(data.ts(t.entry_bar), time_format_of(data))},
      {"exit_time", format_time(data.ts(t.exit_bar), time_format_of(data))},
      {"entry_price", t.entry_price},
      {"exit_price", t.exit_price},
      {"pnl", t.pnl},
      {"return_pct", t.return_frac * 100},
      {"commissions", t.commissions},
  };
}

nlohmann::json backtest_to_json(const BacktestResult& r, const MarketData& data,
                                size_t max_equity_points) {
  nlohmann::json trades = nlohmann::json::array();
  for (const Trade& t : r.trades) trades.push_back(trade_to_json(t, data));
  return {{"metrics", to_json(r.metrics)},
          {"trades", std::move(trades)},
          {"equity", downsample(r.equity, max_equity_points)}};
}

}  // namespace sweep
