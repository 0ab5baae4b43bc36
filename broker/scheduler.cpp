// Dispatch by credit, fair across jobs: each batch goes to the next live job (round robin) that
// has trials waiting and whose strategy the worker runs. A worker never holds more trials than
// the credit it granted; every trial of a batch is leased on its own.
#include "broker.hpp"
#include "sweep/topics.hpp"

namespace sweep::broker {

namespace {
constexpr auto kLeaseSlack = std::chrono::seconds(5);
}

void Broker::dispatch() {
  if (jobs_.empty()) return;
  for (auto& [id, session] : workers_.all()) {
    while (session.credit > 0 && dispatch_to(session)) {
    }
  }
}

bool Broker::dispatch_to(WorkerSession& session) {
  const size_t n = job_order_.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t pos = (rr_ + k) % n;
    LiveJob* job = find_live(job_order_[pos]);
    if (!job || !job->dispatchable() || !job->has_pending() ||
        !session.can_run(job->spec.strategy)) {
      continue;
    }
    rr_ = (pos + 1) % n;
    protocol::TrialsBatch batch;
    batch.job = job->id;
    batch.dataset = {job->dataset_hash, job->dataset_source};
    batch.strategy = job->spec.strategy;
    batch.cash = job->spec.cash;
    batch.commission = job->spec.commission;
    batch.trial_timeout_s = job->spec.trial_timeout_s;
    const size_t size = job->batch_size(session.credit);
    const auto now = std::chrono::steady_clock::now();
    const int64_t started = now_ms();
    while (batch.trials.size() < size) {
      auto t = job->take_next();
      if (!t) break;
      batch.trials.push_back({t->index, t->attempt, t->params});
      // Trials of a batch may run one after the other on a slot: the deadline allows for that.
      const auto timeout = std::chrono::duration_cast<SteadyTime::duration>(
          std::chrono::duration<double>(job->spec.trial_timeout_s * double(batch.trials.size())));
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
    job->dirty = true;
    push_update(*job);
    send_worker(session.identity, batch);
    return true;
  }
  return false;
}

}  // namespace sweep::broker
