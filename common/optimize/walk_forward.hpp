// Walk-forward and holdout analysis (docs/WALK_FORWARD.md): the window arithmetic, the
// out-of-sample run of one parameter set, and the assembly of per-window results into the
// stitched out-of-sample account. Each part is a function of its inputs alone, so the broker can
// assemble results that came from workers exactly as `sweep optimize` does in process.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sweep/base/status.hpp"
#include "sweep/data/market_data.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/engine/strategy.hpp"
#include "sweep/optimize/optimizer.hpp"

namespace sweep {

// The spec's `"walk_forward": {"train_bars": N, "test_bars": M, "anchored": false}`.
struct WalkForward {
  uint64_t train_bars = 0;
  uint64_t test_bars = 0;
  bool anchored = false;  // train from bar 0 in every window instead of a rolling N bars
  bool operator==(const WalkForward&) const = default;
};

struct WindowSpan {
  uint64_t window = 0;  // k
  BarSpan train, test;
  bool operator==(const WindowSpan&) const = default;
};

// Windows k = 0, 1, ... while N + k·M < bars: test [N+kM, min(N+(k+1)M, bars)), train
// [kM, N+kM) rolling or [0, N+kM) anchored. Empty when N >= bars (or N or M is 0).
std::vector<WindowSpan> walk_forward_windows(uint64_t bars, const WalkForward& wf);
// The holdout's single window: train [0, bars-M), test [bars-M, bars); nullopt unless 0 < M < bars.
std::optional<WindowSpan> holdout_window(uint64_t bars, uint64_t holdout_bars);
// "walk_forward: no window fits in 2148 bars" / "holdout_bars: ..." when a spec's key leaves no
// window in a dataset of `bars` bars; Ok otherwise (and without either key).
Status check_windows_fit(uint64_t bars, const std::optional<WalkForward>& wf,
                         const std::optional<uint64_t>& holdout_bars);

// Job trial numbering (P = the plan's trial count): window k's train trial i is job trial
// k·P + i. The out-of-sample runs are part of the result, not trials.
inline uint64_t train_trial_index(uint64_t window, uint64_t plan_total, uint64_t trial) {
  return window * plan_total + trial;
}

// The metrics of bars `span` alone: compute_metrics over slice_market_data(series, span) with
// `equity` (one point per bar of the span) and `trades` (bar indices of the whole series,
// within the span), warm-up 0 (buy & hold from the span's first close).
Metrics span_metrics(const TimeSeries& series, BarSpan span, const std::vector<double>& equity,
                     const std::vector<Trade>& trades);

struct OutOfSampleRun {
  Metrics metrics;             // of the test bars only (span_metrics)
  std::vector<Trade> trades;   // entry_bar / exit_bar: indices of the whole series
  std::vector<double> equity;  // one point per test bar, at its close
  double cash_in = 0;
  double final_equity = 0;  // equity.back(): open trades are closed at the last test bar's open
};

// One parameter set over bars [max(0, test.begin - W), test.end), W = the strategy's warm-up for
// these parameters (warmup() + 1: the bar it first decides on), so it first acts on the first
// test bar, starting with `cash_in`. Errors: those of run_backtest (parameters rejected, too few
// bars).
Result<OutOfSampleRun> run_out_of_sample(const TimeSeries& series, const StrategyInfo& strategy,
                                         const ParamSet& params, double cash_in, double commission,
                                         BarSpan test);

// One window's outcome, as the in-process driver or a broker collects it.
struct WindowResult {
  WindowSpan span;
  uint64_t best_trial = 0;  // the best's index within the window's plan (0..P-1)
  ParamSet best_params;
  Metrics best_metrics;  // in sample: over the train bars as a dataset of their own
  OutOfSampleRun oos;
};

struct WalkForwardResult {
  std::vector<WindowResult> windows;
  std::vector<double> equity;  // stitched: every window's test-bar equity, in order
  Metrics metrics;             // span_metrics of the stitched curve over all test bars
  // stitched return_ann_pct / mean of the windows' best_metrics return_ann_pct; NaN when the
  // mean is 0 or any of them undefined.
  double efficiency = 0;
  // Per parameter of the best (in the best's order), its value in each window.
  std::vector<std::pair<std::string, std::vector<ParamValue>>> stability;
  bool cancelled = false;  // the windows are then those that finished
};

// The stitched account of consecutive windows (each window's cash_in the previous one's
// final_equity), from the per-window results alone. Needs at least one window.
WalkForwardResult assemble_walk_forward(const TimeSeries& series,
                                        std::vector<WindowResult> windows);

struct HoldoutTrial {
  TrialRecord in_sample;  // the train trial, metrics over the train bars
  OutOfSampleRun oos;     // from the spec's cash
};
struct HoldoutResult {
  WindowSpan span;
  OptimizationResult train;          // the train part's whole optimization
  std::vector<HoldoutTrial> trials;  // its top_k, best first
};

// What the in-process drivers share with optimize(). `options.on_progress` sees the job's
// counts: every train trial of every window plus every out-of-sample run.
struct WalkForwardJob {
  std::shared_ptr<const TimeSeries> series;
  const StrategyInfo* strategy = nullptr;
  const TrialPlan* plan = nullptr;
  EngineOptions engine;  // cash: window 0's (walk-forward) or every run's (holdout)
  Objective objective;
  size_t top_k = 10;
  OptimizeOptions options;
};

// Each window's train part optimized in turn (optimize(), options.threads), then its best run
// out of sample; a cancel ends it with the windows finished so far. Errors: a window with no
// completed trial, or an out-of-sample run that fails.
Result<WalkForwardResult> run_walk_forward(const WalkForwardJob& job, const WalkForward& wf);
Result<HoldoutResult> run_holdout(const WalkForwardJob& job, uint64_t holdout_bars);

}  // namespace sweep
