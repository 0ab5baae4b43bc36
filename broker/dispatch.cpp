// Dispatch: the scheduler picks a worker's next batch; the broker starts the job, encodes the
// batch and sends it.
#include "broker.hpp"

namespace sweep::broker {

namespace {
// Trial rows and job updates waiting for the SQLite writer beyond which nothing more is
// dispatched: when workers finish trials faster than the disk takes their rows, the queue (and
// the broker's memory) stays bounded and dispatch resumes as it drains (on_timer retries).
constexpr size_t kMaxPendingWrites = 64 * 1024;

protocol::TrialsBatch batch_of(const LiveJob& job, std::vector<protocol::BatchTrial> trials,
                               bool robustness) {
  protocol::TrialsBatch batch;
  batch.job = job.id;
  batch.dataset = {job.dataset_hash, job.dataset_source};
  batch.strategy = job.spec.strategy;
  batch.cash = job.spec.cash;
  batch.commission = job.spec.commission;
  batch.trial_timeout_s = job.spec.trial_timeout_s;
  if (job.is_backtest()) {
    batch.trades = true;
  } else {
    batch.objective = job.spec.objective;
    batch.top_k = static_cast<uint32_t>(std::max(job.spec.top_k, 0));
    // A window's train trials are scored on their own bars: no statistics of the whole data.
    if (robustness && job.windows.empty())
      batch.return_blocks = static_cast<uint32_t>(job.spec.pbo_blocks);
  }
  batch.trials = std::move(trials);
  return batch;
}
}  // namespace

void Broker::dispatch() {
  if (jobs_.empty()) return;
  for (auto& [id, session] : workers_.all()) {
    while (session.takes_trials() && dispatch_to(session)) {
    }
  }
}

bool Broker::dispatch_to(WorkerSession& session) {
  if (draining_ || writer_->pending() >= kMaxPendingWrites) return false;
  // The database file is gone (store_error_): results could not be kept, so trials are not
  // handed out; those already running finish and are counted.
  if (!store_error_.empty()) return false;
  const auto now = this->now();
  const int64_t started = now_ms();
  auto a = scheduler_.next_batch(session, jobs_, leases_, now, started);
  if (!a) return false;
  LiveJob& job = *a->job;
  if (job.state() == JobState::kQueued) {
    job.started_at_ms = started;
    job.started = now;
    set_state(job, JobState::kRunning);
  }
  // No job-row write per batch: the stored cursor (next_trial) may lag, which is safe (a resume
  // re-runs from it and skips the trials already recorded); record() refreshes the row a few
  // times a second.
  job.dirty = true;
  send_worker(session.identity, batch_of(job, std::move(a->trials), config_.robustness));
  return true;
}

}  // namespace sweep::broker
