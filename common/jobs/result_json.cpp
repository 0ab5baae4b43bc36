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

nlohmann::json stopped_to_json(double value, uint64_t trial) {
  return {{"value", value}, {"trial", trial}};
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

TradeRecord trade_record(const Trade& t, const MarketData& data) {
  TradeRecord r;
  r.size = t.size;
  r.entry_bar = t.entry_bar;
  r.exit_bar = t.exit_bar;
  r.entry_time = format_time(data.ts(t.entry_bar), time_format_of(data));
  r.exit_time = format_time(data.ts(t.exit_bar), time_format_of(data));
  r.entry_price = t.entry_price;
  r.exit_price = t.exit_price;
  r.pnl = t.pnl;
  r.return_pct = t.return_frac * 100;
  r.commissions = t.commissions;
  return r;
}

nlohmann::json to_json(const TradeRecord& t) {
  return {
      {"size", t.size},
      {"entry_bar", t.entry_bar},
      {"exit_bar", t.exit_bar},
      {"entry_time", t.entry_time},
      {"exit_time", t.exit_time},
      {"entry_price", t.entry_price},
      {"exit_price", t.exit_price},
      {"pnl", t.pnl},
      {"return_pct", t.return_pct},
      {"commissions", t.commissions},
  };
}

nlohmann::json to_json(const std::vector<TradeRecord>& trades) {
  nlohmann::json a = nlohmann::json::array();
  for (const TradeRecord& t : trades) a.push_back(to_json(t));
  return a;
}

std::vector<TradeRecord> trades_from_json_text(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::vector<TradeRecord> out;
  if (!j.is_array()) return out;
  try {
    for (const auto& t : j) {
      TradeRecord r;
      r.size = t.at("size").get<int64_t>();
      r.entry_bar = t.at("entry_bar").get<uint32_t>();
      r.exit_bar = t.at("exit_bar").get<uint32_t>();
      r.entry_time = t.at("entry_time").get<std::string>();
      r.exit_time = t.at("exit_time").get<std::string>();
      r.entry_price = t.at("entry_price").get<double>();
      r.exit_price = t.at("exit_price").get<double>();
      r.pnl = t.at("pnl").get<double>();
      r.return_pct = t.at("return_pct").get<double>();
      r.commissions = t.at("commissions").get<double>();
      out.push_back(std::move(r));
    }
  } catch (const nlohmann::json::exception&) {
    return {};
  }
  return out;
}

nlohmann::json trade_to_json(const Trade& t, const MarketData& data) {
  return to_json(trade_record(t, data));
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
