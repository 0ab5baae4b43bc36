#include "sweep/engine/engine.hpp"

#include <algorithm>

namespace sweep {

Result<BacktestResult> run_backtest(const MarketData& data, Strategy& strategy,
                                    const ParamSet& params, const EngineOptions& options,
                                    const RunHooks& hooks) {
  BacktestResult result;
  if (Status s = run_backtest_into(data, strategy, params, options, hooks, result); !s.ok())
    return s;
  return result;
}

Status run_backtest_into(const MarketData& data, Strategy& strategy, const ParamSet& params,
                         const EngineOptions& options, const RunHooks& hooks,
                         BacktestResult& result) {
  result.metrics = Metrics();
  result.bars_done = 0;
  result.cancelled = false;
  result.return_stats.reset();
  result.trades.clear();
  result.equity.clear();
  if (!(options.cash > 0)) return Status::BadRequest("cash must be > 0");
  if (!(options.commission >= 0 && options.commission < 1))
    return Status::BadRequest("commission must be in [0, 1)");
  if (options.return_blocks < 0 || options.return_blocks > kMaxReturnBlocks)
    return Status::BadRequest("return_blocks must be in [0, " + std::to_string(kMaxReturnBlocks) +
                              "]");
  if (Status s = strategy.prepare(data, params); !s.ok()) return s;
  const size_t n = data.size();
  const size_t warmup = strategy.warmup();
  if (n < warmup + 2)
    return Status::BadRequest("the dataset has " + std::to_string(n) +
                              " bars; these parameters need at least " +
                              std::to_string(warmup + 2));

  Account account(data.open.data(), data.close.data(), n, options.cash, options.commission,
                  std::move(result.equity), std::move(result.trades));
  const bool hooked = hooks.cancel || hooks.progress;
  // Without a hook the whole series is one chunk: the hook's cost is measurable against this.
  const size_t chunk = hooked ? std::max<size_t>(hooks.chunk, 1) : n;
  for (size_t begin = 0; begin < n && !account.bankrupt(); begin += chunk) {
    const size_t end = std::min(n, begin + chunk);
    strategy.run(account, begin, end);
    result.bars_done = end;
    if (hooks.progress) hooks.progress(end);
    if (hooks.cancel && hooks.cancel->load(std::memory_order_relaxed) && end < n) {
      result.cancelled = true;
      result.equity = account.take_equity();  // keep the buffers for the next run
      result.trades = account.take_closed_trades();
      result.trades.clear();
      result.equity.clear();
      return Status::Ok();
    }
  }
  account.finish(n - 1);
  result.trades = account.take_closed_trades();
  result.equity = account.take_equity();
  ReturnStats* stats = nullptr;
  if (options.return_blocks > 0) stats = &result.return_stats.emplace();
  result.metrics =
      compute_metrics(data, result.equity, result.trades, warmup, options.return_blocks, stats);
  return Status::Ok();
}

std::vector<size_t> downsample_indexes(size_t n, size_t max_points) {
  std::vector<size_t> out;
  if (n <= max_points || max_points < 2) {
    out.resize(n);
    for (size_t i = 0; i < n; ++i) out[i] = i;
    return out;
  }
  const size_t step = (n + max_points - 2) / (max_points - 1);
  out.reserve(max_points);
  for (size_t i = 0; i < n; i += step) out.push_back(i);
  if ((n - 1) % step != 0) out.push_back(n - 1);
  return out;
}

std::vector<double> downsample(const std::vector<double>& series, size_t max_points) {
  if (series.size() <= max_points || max_points < 2) return series;
  std::vector<double> out;
  out.reserve(max_points);
  for (size_t i : downsample_indexes(series.size(), max_points)) out.push_back(series[i]);
  return out;
}

}  // namespace sweep
