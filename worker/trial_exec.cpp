#include "trial_exec.hpp"

#include <sstream>

#include "sweep/trial_runner.hpp"

namespace sweep::worker {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string timeout_message(double timeout_s) {
  std::ostringstream out;
  out << "timed out after " << timeout_s << " s";
  return out.str();
}

protocol::TrialResult unrun_result(const std::string& job, const protocol::BatchTrial& trial,
                                   TrialStatus status, std::string error_message) {
  protocol::TrialResult r;
  r.job = job;
  r.index = trial.index;
  r.attempt = trial.attempt;
  r.status = status;
  r.metrics = Metrics::Zero();
  r.error_message = std::move(error_message);
  r.started_at = r.finished_at = now_ms();
  return r;
}

protocol::TrialResult execute_trial(const TrialJob& job, TrialControl& control,
                                    const TickSink& ticks) {
  const int64_t started = now_ms();
  control.started_ms.store(started);
  const uint64_t bars_total = job.data->size();

  RunHooks hooks;
  hooks.cancel = &control.cancel;
  std::chrono::steady_clock::time_point last_tick{};
  if (ticks) {
    hooks.progress = [&](uint64_t bars_done) {
      const auto now = std::chrono::steady_clock::now();
      if (bars_done < bars_total && now - last_tick < kTickInterval) return;
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
  r.equity = downsample(outcome.equity, kResultEquityPoints);
  r.error_message = std::move(outcome.error_message);
  r.error_stack_trace = std::move(outcome.error_stack_trace);
  r.started_at = started;
  r.finished_at = now_ms();
  r.bars = outcome.bars_done;
  if (r.status == TrialStatus::kCancelled && control.timed_out.load()) {
    r.status = TrialStatus::kFailed;
    r.metrics = Metrics::Zero();
    r.error_message = timeout_message(job.timeout_s);
  }
  return r;
}

}  // namespace sweep::worker
