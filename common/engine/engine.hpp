// Runs one backtest: a strategy over prepared market data, with a cheap per-chunk hook for
// progress and cancellation, then the metrics. Deterministic: same inputs, bit-identical output.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "sweep/base/status.hpp"
#include "sweep/data/market_data.hpp"
#include "sweep/engine/account.hpp"
#include "sweep/engine/metrics.hpp"
#include "sweep/engine/params.hpp"
#include "sweep/engine/return_stats.hpp"
#include "sweep/engine/strategy.hpp"

namespace sweep {

struct EngineOptions {
  double cash = 10'000;
  double commission = 0;  // fraction of traded notional, charged on entry and on exit
  // > 0: also the run's ReturnStats with this many blocks (docs/ROBUSTNESS.md), at most
  // kMaxReturnBlocks; 0: none (a backtest has no use for them, an optimization does).
  int return_blocks = 0;
};

// The hook the loop calls between chunks of bars. Both parts are optional.
struct RunHooks {
  // Polled every `chunk` bars: when set, the run stops and reports cancelled.
  const std::atomic<bool>* cancel = nullptr;
  // Told the number of bars processed so far, every `chunk` bars and at the end.
  std::function<void(uint64_t bars_done)> progress;
  size_t chunk = 4096;
};

struct BacktestResult {
  Metrics metrics;
  std::vector<Trade> trades;
  std::vector<double> equity;  // one point per bar
  uint64_t bars_done = 0;
  bool cancelled = false;                   // metrics and trades are then empty
  std::optional<ReturnStats> return_stats;  // finished runs with EngineOptions::return_blocks > 0
};

// Errors: the strategy's prepare() rejecting the parameters, or data too short for its warm-up.
Result<BacktestResult> run_backtest(const MarketData& data, Strategy& strategy,
                                    const ParamSet& params, const EngineOptions& options,
                                    const RunHooks& hooks = {});

// The same, into `out`, whose equity and trade vectors are reused (their capacity kept): the
// form for loops that run many backtests. `out` is overwritten whatever happens.
Status run_backtest_into(const MarketData& data, Strategy& strategy, const ParamSet& params,
                         const EngineOptions& options, const RunHooks& hooks, BacktestResult& out);

// The metrics of a finished run (DESIGN §5). `warmup` is the strategy's first bar on which
// every indicator has a value (the buy & hold reference). With `return_blocks` > 0, also the
// run's ReturnStats into `*stats`, from the metrics' own pass over the daily returns: bit for bit
// return_stats(daily_returns(data, equity), return_blocks), the metrics unchanged.
Metrics compute_metrics(const MarketData& data, const std::vector<double>& equity,
                        const std::vector<Trade>& trades, size_t warmup, int return_blocks = 0,
                        ReturnStats* stats = nullptr);

// Keeps every k-th point (and the last) so that at most `max_points` remain.
std::vector<double> downsample(const std::vector<double>& series, size_t max_points);
// The positions downsample() keeps of a series of `n` points, in order.
std::vector<size_t> downsample_indexes(size_t n, size_t max_points);

}  // namespace sweep
