#include "sweep/engine/trial_runner.hpp"

#include <exception>

#include "sweep/base/stack_trace.hpp"

namespace sweep {

TrialOutcome run_trial(const MarketData& data, const StrategyInfo& strategy, const ParamSet& params,
                       const EngineOptions& options, const RunHooks& hooks) {
  TrialOutcome out;
  try {
    Result<ParamSet> checked = validate_params(strategy.params, params);
    if (!checked.ok()) {
      out.error_message = checked.status().message();
      return out;
    }
    std::unique_ptr<Strategy> s = strategy.create();
    Result<BacktestResult> r = run_backtest(data, *s, *checked, options, hooks);
    if (!r.ok()) {
      out.error_message = r.status().message();
      return out;
    }
    out.bars_done = r->bars_done;
    if (r->cancelled) {
      out.status = TrialState::kCancelled;
      return out;
    }
    out.status = TrialState::kCompleted;
    out.metrics = r->metrics;
    out.trades = std::move(r->trades);
    out.equity = std::move(r->equity);
    out.return_stats = std::move(r->return_stats);
  } catch (const std::exception& e) {
    out = TrialOutcome{};
    out.error_message = e.what();
    out.error_stack_trace = last_throw_stack_trace();
  } catch (...) {
    out = TrialOutcome{};
    out.error_message = "unknown exception (not derived from std::exception)";
    out.error_stack_trace = last_throw_stack_trace();
  }
  return out;
}

}  // namespace sweep
