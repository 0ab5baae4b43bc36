#include "sweep/trial_runner.hpp"

#include <exception>

#include "sweep/stack_trace.hpp"

namespace sweep {

std::string_view trial_status_name(TrialStatus s) {
  switch (s) {
    case TrialStatus::kCompleted:
      return "completed";
    case TrialStatus::kFailed:
      return "failed";
    case TrialStatus::kCancelled:
      return "cancelled";
  }
  return "failed";
}

std::optional<TrialStatus> trial_status_from_name(std::string_view name) {
  for (TrialStatus s : {TrialStatus::kCompleted, TrialStatus::kFailed, TrialStatus::kCancelled})
    if (trial_status_name(s) == name) return s;
  return std::nullopt;
}

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
      out.status = TrialStatus::kCancelled;
      return out;
    }
    out.status = TrialStatus::kCompleted;
    out.metrics = r->metrics;
    out.trades = std::move(r->trades);
    out.equity = std::move(r->equity);
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
