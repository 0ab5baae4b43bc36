// Dispatch by credit, fair across jobs: each batch goes to the next live job (round robin) that
// has trials waiting and whose strategy the worker runs. A worker never holds more trials than
// the credit it granted; every trial of a batch is leased on its own.
//
// Batch size: tens of ms of work per slot (LiveJob::trials_per_slot), so that one message carries
// hundreds of short trials; and a worker holds at most two such batches (one running while the
// next waits, so it never idles between them). Trials longer than that go one per slot with
// nothing waiting: at the end of a job no worker sits on a queue while another is idle.
#include <algorithm>

#include "broker.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::broker {

namespace {
constexpr auto kLeaseSlack = std::chrono::seconds(5);
// Trial rows and job updates waiting for the SQLite writer beyond which nothing more is
// dispatched: when workers finish trials faster than the disk takes their rows, the queue (and
// the broker's memory) stays bounded and dispatch resumes as it drains (on_timer retries).
constexpr size_t kMaxPendingWrites = 64 * 1024;
}  // namespace

void Broker::dispatch() {
  if (jobs_.empty()) return;
  for (auto& [id, session] : workers_.all()) {
    while (session.credit > 0 && dispatch_to(session)) {
    }
  }
}

bool Broker::dispatch_to(WorkerSession& session) {
  if (writer_->pending() >= kMaxPendingWrites) return false;
  const size_t n = job_order_.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t pos = (rr_ + k) % n;
    LiveJob* job = find_live(job_order_[pos]);
    if (!job || !job->dispatchable() || !job->has_pending() ||
        !session.can_run(job->spec.strategy)) {
      continue;
    }
    const size_t slots = std::max<size_t>(session.hello.slots, 1);
    const size_t per_slot = job->trials_per_slot();
    const size_t batch_target = std::min(kMaxBatchTrials, slots * per_slot);
    const size_t limit = per_slot > 1 ? 2 * batch_target : slots;
    const size_t outstanding = leases_.count_for_worker(session.identity);
    if (outstanding >= limit) continue;
    rr_ = (pos + 1) % n;
    protocol::TrialsBatch batch;
    batch.job = job->id;
    batch.dataset = {job->dataset_hash, job->dataset_source};
    batch.strategy = job->spec.strategy;
    batch.cash = job->spec.cash;
    batch.commission = job->spec.commission;
    batch.trial_timeout_s = job->spec.trial_timeout_s;
    if (job->is_backtest()) {
      batch.trades = true;
    } else {
      batch.objective = job->spec.objective;
      batch.top_k = static_cast<uint32_t>(std::max(job->spec.top_k, 0));
    }
    const size_t size = std::min({batch_target, size_t{session.credit}, limit - outstanding});
    const auto now = std::chrono::steady_clock::now();
    const int64_t started = now_ms();
    while (batch.trials.size() < size) {
      auto t = job->take_next();
      if (!t) break;
      batch.trials.push_back({t->index, t->attempt, t->params});
      // Trials of a batch may run one after the other on a slot, behind those the worker
      // already holds: the deadline allows for that.
      const double ahead = double(outstanding + batch.trials.size()) / double(slots);
      const auto timeout = std::chrono::duration_cast<SteadyTime::duration>(
          std::chrono::duration<double>(job->spec.trial_timeout_s * std::max(1.0, ahead)));
      leases_.add({job->id, t->index, t->attempt, session.identity, session.hello.worker,
                   now + timeout + kLeaseSlack, started});
    }
    if (batch.trials.empty()) continue;
    session.credit -= static_cast<uint32_t>(batch.trials.size());
    if (job->state == JobState::kQueued) {
      job->started_at_ms = started;
      job->started = now;
      set_state(*job, JobState::kRunning);
    }
    // No job-row write per batch: the stored cursor (next_trial) may lag, which is safe (a
    // resume re-runs from it and skips the trials already recorded); record() refreshes the
    // row a few times a second.
    job->dirty = true;
    send_worker(session.identity, batch);
    return true;
  }
  return false;
}

}  // namespace sweep::broker
