// Runs one trial (a backtest with one parameter set) and turns every way it can end into a
// TrialOutcome: success, parameters the strategy rejects, an exception, cancellation. Shared by
// the in-process optimizer and the worker so that both record the same thing for the same trial.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sweep/engine/engine.hpp"
#include "sweep/engine/strategy.hpp"
#include "sweep/engine/trial_state.hpp"

namespace sweep {

struct TrialOutcome {
  TrialState status = TrialState::kFailed;  // an ended state
  Metrics metrics = Metrics::Zero();        // zero unless completed
  std::vector<Trade> trades;
  std::vector<double> equity;  // empty unless completed
  // Completed trials run with EngineOptions::return_blocks > 0: their daily-return statistics.
  std::optional<ReturnStats> return_stats;
  uint64_t bars_done = 0;
  std::string error_message;      // failed only
  std::string error_stack_trace;  // failed by an exception, where one could be captured
};

// Never throws: a strategy's exception becomes a failed outcome with its message.
TrialOutcome run_trial(const MarketData& data, const StrategyInfo& strategy, const ParamSet& params,
                       const EngineOptions& options, const RunHooks& hooks = {});

}  // namespace sweep
