// The out-of-sample part of a walk-forward or holdout job (docs/WALK_FORWARD.md), once every
// train trial is recorded: each window's best (or the holdout's top_k) read from the store, run
// out of sample over the stored dataset, and the result assembled by the same code and written by
// the same JSON writer as `sweep optimize` in process, so both give the same numbers. The runs
// are a window's worth of bars each, one after another (each window's account starts from the
// previous one's final equity): milliseconds where the train trials took the cluster's time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/base/status.hpp"
#include "sweep/data/bars.hpp"
#include "sweep/engine/strategy.hpp"
#include "sweep/optimize/objective.hpp"
#include "sweep/optimize/walk_forward.hpp"
#include "sweep/store/store.hpp"

namespace sweep::broker {

struct WindowsTask {
  StrategyInfo strategy;  // a copy: the loop's registry is not shared with the thread
  double cash = 0, commission = 0;
  Objective objective;
  size_t top_k = 0;
  std::vector<WindowSpan> windows;  // walk-forward: every window; holdout: its one
  uint64_t plan_total = 0;          // P
  bool holdout = false;
};

struct WindowsOutcome {
  nlohmann::json json;  // the result's `walk_forward` or `holdout`
  uint64_t runs = 0;    // out-of-sample runs made
};

// Errors: a window without a completed train trial ("window 2: no trial completed"), an
// out-of-sample run that fails ("window 2: ..."), the store's.
Result<WindowsOutcome> run_windows(Store& store, const std::string& job, const WindowsTask& task,
                                   const std::shared_ptr<const TimeSeries>& series);

}  // namespace sweep::broker
