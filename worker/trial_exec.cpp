#include "trial_exec.hpp"

#include <algorithm>
#include <sstream>

#include "sweep/engine/trial_runner.hpp"
#include "sweep/jobs/result_json.hpp"

namespace sweep::worker {

std::string timeout_message(double timeout_s) {
  std::ostringstream out;
  out << "timed out after " << timeout_s << " s";
  return out.str();
}

protocol::TrialResult unrun_result(const Clock& clock, const std::string& job,
                                   const protocol::BatchTrial& trial, TrialState status,
                                   std::string error_message) {
  protocol::TrialResult r;
  r.job = job;
  r.index = trial.index;
  r.attempt = trial.attempt;
  r.status = status;
  r.metrics = Metrics::Zero();
  r.error_message = std::move(error_message);
  r.started_at = r.finished_at = clock.wall_ms();
  return r;
}

protocol::TrialResult execute_trial(const TrialJob& job, TrialControl& control,
                                    const TickSink& ticks) {
  const Clock& clock = *job.clock;
  const int64_t started = clock.wall_ms();
  const auto t0 = clock.steady();
  control.started_ms.store(started);
  const uint64_t bars_total = job.data->size();

  RunHooks hooks;
  hooks.cancel = &control.cancel;
  // The first tick comes kTickInterval into the trial: a trial shorter than that says nothing
  // until its result (most optimization trials take microseconds).
  auto last_tick = t0;
  if (ticks) {
    hooks.progress = [&](uint64_t bars_done) {
      const auto now = clock.steady();
      if (now - last_tick < kTickInterval) return;
      last_tick = now;
      ticks(protocol::Tick{job.job, job.trial.index, job.trial.attempt, bars_done, bars_total});
    };
  }
  TrialOutcome outcome = run_trial(*job.data, *job.strategy, job.trial.params, job.options, hooks);

  protocol::TrialResult r;
  r.job = job.job;
  r.index = job.trial.index;
  r.attempt = job.trial.attempt;
  r.status = outcome.status;
  r.metrics = outcome.metrics;
  r.trades = outcome.trades.size();
  if (outcome.status == TrialState::kCompleted) {
    const bool keep_equity =
        !job.objective || job.top_k == 0 || !job.equity_filter ||
        job.equity_filter->admit(job.job, *job.objective, job.top_k, job.trial.index,
                                 job.objective->value(outcome.metrics));
    if (keep_equity) r.equity = downsample(outcome.equity, kResultEquityPoints);
    if (job.trades) {
      r.trade_list.emplace();
      r.trade_list->reserve(outcome.trades.size());
      for (const Trade& t : outcome.trades) r.trade_list->push_back(trade_record(t, *job.data));
    }
    r.return_stats = std::move(outcome.return_stats);
  }
  r.error_message = std::move(outcome.error_message);
  r.error_stack_trace = std::move(outcome.error_stack_trace);
  r.started_at = started;
  r.finished_at = clock.wall_ms();
  r.bars = outcome.bars_done;
  // At least 1: 0 means "not measured" on the wire.
  r.duration_us = std::max<uint64_t>(
      1, static_cast<uint64_t>(
             std::chrono::duration_cast<std::chrono::microseconds>(clock.steady() - t0).count()));
  if (r.status == TrialState::kCancelled && control.timed_out.load()) {
    r.status = TrialState::kFailed;
    r.metrics = Metrics::Zero();
    r.error_message = timeout_message(job.timeout_s);
  }
  return r;
}

}  // namespace sweep::worker
