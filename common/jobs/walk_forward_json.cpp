#include "sweep/jobs/walk_forward_json.hpp"

#include "sweep/base/limits.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/jobs/result_json.hpp"

namespace sweep {

using json = nlohmann::json;

json to_json(const BarSpan& span) {
  return json::array({span.begin, span.end});
}

namespace {
// [first bar's time, last bar's time] of a span, ms since the epoch (UTC).
json span_time_json(const BarSpan& span, const MarketData& data) {
  const auto& bars = data.series->bars;
  return json::array({bars[span.begin].ts, bars[span.end - 1].ts});
}
}  // namespace

json oos_to_json(const OutOfSampleRun& run, const MarketData& data) {
  json trades = json::array();
  for (const Trade& t : run.trades) trades.push_back(trade_to_json(t, data));
  return {{"metrics", to_json(run.metrics)}, {"trades", std::move(trades)}};
}

json walk_forward_to_json(const WalkForwardResult& r, const MarketData& data) {
  json windows = json::array();
  for (const WindowResult& w : r.windows)
    windows.push_back(
        {{"window", w.span.window},
         {"train", to_json(w.span.train)},
         {"test", to_json(w.span.test)},
         {"train_time", span_time_json(w.span.train, data)},
         {"test_time", span_time_json(w.span.test, data)},
         {"best", {{"params", to_json(w.best_params)}, {"metrics", to_json(w.best_metrics)}}},
         {"oos", oos_to_json(w.oos, data)},
         {"cash_in", w.oos.cash_in},
         {"final_equity", w.oos.final_equity}});
  // The stitched curve has a point per test bar: a result keeps kResultEquityPoints of them, as
  // a trial's curve does, with the time of each.
  json equity = json::array(), equity_time = json::array();
  if (!r.windows.empty()) {
    const uint64_t first = r.windows.front().span.test.begin;
    for (size_t i : downsample_indexes(r.equity.size(), kResultEquityPoints)) {
      equity.push_back(number_or_null(r.equity[i]));
      equity_time.push_back(data.series->bars[first + i].ts);
    }
  }
  json stability = json::object();
  for (const auto& [name, values] : r.stability) {
    json list = json::array();
    for (const ParamValue& v : values) list.push_back(to_json(v));
    stability[name] = std::move(list);
  }
  return {{"windows", std::move(windows)},
          {"equity", std::move(equity)},
          {"equity_time", std::move(equity_time)},
          {"metrics", r.windows.empty() ? json(nullptr) : to_json(r.metrics)},
          {"efficiency", number_or_null(r.efficiency)},
          {"stability", std::move(stability)}};
}

json holdout_to_json(const HoldoutResult& r, const MarketData& data) {
  json trials = json::array();
  for (const HoldoutTrial& t : r.trials)
    trials.push_back({{"index", t.in_sample.index},
                      {"params", to_json(t.in_sample.params)},
                      {"metrics", to_json(t.in_sample.metrics)},
                      {"oos", oos_to_json(t.oos, data)}});
  return {{"train", to_json(r.span.train)},
          {"test", to_json(r.span.test)},
          {"train_time", span_time_json(r.span.train, data)},
          {"test_time", span_time_json(r.span.test, data)},
          {"trials", std::move(trials)}};
}

}  // namespace sweep
