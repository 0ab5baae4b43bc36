// The in-process optimizer: every trial of a plan on a pool of threads, one process. It is the
// baseline the cluster must match bit for bit (same trials, same metrics, same best and top-k).
#pragma once

#include <atomic>
#include <functional>
#include <optional>

#include "sweep/engine/trial_runner.hpp"
#include "sweep/optimize/objective.hpp"
#include "sweep/optimize/robustness.hpp"
#include "sweep/optimize/trial_plan.hpp"

namespace sweep {

struct TrialRecord {
  uint64_t index = 0;
  ParamSet params;
  TrialState status = TrialState::kFailed;
  Metrics metrics = Metrics::Zero();
  std::string error_message;
  std::string error_stack_trace;
  std::optional<ReturnStats> return_stats;  // completed trials, with OptimizeOptions::return_blocks
};

struct OptimizationProgress {
  uint64_t total = 0, completed = 0, failed = 0;
  double elapsed_s = 0;
  std::optional<TrialRecord> best;  // best completed trial so far
};

struct OptimizeOptions {
  unsigned threads = 1;
  const std::atomic<bool>* cancel = nullptr;  // stops dispatching; running trials stop too
  // Called on the calling thread about every `progress_interval_ms`, and once at the end.
  std::function<void(const OptimizationProgress&)> on_progress;
  int progress_interval_ms = 100;
  // > 0: every completed trial's ReturnStats with this many blocks (the spec's pbo_blocks), and
  // OptimizationResult::robustness from them; 0: neither.
  int return_blocks = 0;
  // Stop on target (JobSpec::stop_value): the trials are those up to the first, in index order,
  // whose objective value reaches it; later ones are not run, or dropped when they ran alongside.
  std::optional<double> stop_value;
};

// Objective values over two parameters: for each (x, y), the best value over any other axes.
struct Heatmap {
  std::string x, y;
  std::vector<ParamValue> xs, ys;
  std::vector<std::vector<double>> z;  // z[iy][ix]; NaN where no completed trial
};

struct OptimizationResult {
  uint64_t total = 0, completed = 0, failed = 0;
  bool cancelled = false;
  std::optional<uint64_t> stopped_at;  // the trial that reached the stop value
  std::vector<TrialRecord> trials;     // every finished trial, by index
  // The top_k completed trials, best first, re-run in full (trades and equity).
  struct Top {
    TrialRecord record;
    TrialOutcome outcome;
  };
  std::vector<Top> top;
  std::optional<Heatmap> heatmap;  // when the space has exactly two varying axes
  // With OptimizeOptions::return_blocks > 0 and at least one completed trial (docs/ROBUSTNESS.md).
  std::optional<Robustness> robustness;
};

Result<OptimizationResult> optimize(const MarketData& data, const StrategyInfo& strategy,
                                    const TrialPlan& plan, const EngineOptions& engine,
                                    const Objective& objective, size_t top_k,
                                    const OptimizeOptions& options);

// The heatmap of a finished set of trials over the two varying axes of `space`, if it has two.
std::optional<Heatmap> make_heatmap(const ParamSpace& space, const Objective& objective,
                                    const std::vector<TrialRecord>& trials);

}  // namespace sweep
