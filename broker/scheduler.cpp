#include "scheduler.hpp"

#include <algorithm>

#include "sweep/base/limits.hpp"

namespace sweep::broker {

namespace {
constexpr double kTargetBatchMs = 50;
}  // namespace

size_t trials_per_slot(double mean_trial_ms) {
  if (mean_trial_ms <= 0) return 1;
  return static_cast<size_t>(
      std::clamp(kTargetBatchMs / mean_trial_ms, 1.0, double(kMaxBatchTrials)));
}

BatchLimits batch_limits(size_t slots, size_t per_slot) {
  BatchLimits l;
  l.target = std::min(kMaxBatchTrials, slots * per_slot);
  l.outstanding = per_slot > 1 ? 2 * l.target : slots;
  return l;
}

size_t batch_size(const BatchLimits& limits, size_t outstanding, uint32_t credit) {
  if (outstanding >= limits.outstanding) return 0;
  return std::min({limits.target, size_t{credit}, limits.outstanding - outstanding});
}

SteadyTime lease_deadline(SteadyTime now, double trial_timeout_s, double ahead_per_slot) {
  const auto timeout = std::chrono::duration_cast<SteadyTime::duration>(
      std::chrono::duration<double>(trial_timeout_s * std::max(1.0, ahead_per_slot)));
  return now + timeout + kLeaseSlack;
}

std::optional<Assignment> Scheduler::next_batch(WorkerSession& session, JobTable& jobs,
                                                LeaseTable& leases, SteadyTime now,
                                                int64_t wall_ms) {
  const auto& order = jobs.order();
  const size_t n = order.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t pos = (rr_ + k) % n;
    LiveJob* job = jobs.find(order[pos]);
    if (!job || !job->dispatchable() || !job->has_pending() ||
        !session.can_run(job->spec.strategy)) {
      continue;
    }
    const size_t slots = std::max<size_t>(session.hello.slots, 1);
    const BatchLimits limits = batch_limits(slots, trials_per_slot(job->mean_trial_ms));
    const size_t outstanding = leases.count_for_worker(session.identity);
    if (outstanding >= limits.outstanding) continue;
    const size_t size = batch_size(limits, outstanding, session.credit);
    rr_ = (pos + 1) % n;
    if (outstanding == 0) {  // it begins to hold trials: the stall clock starts
      session.quiet_since = now;
      session.lease_timeout_s = 0;
    }
    session.lease_timeout_s = std::max(session.lease_timeout_s, job->spec.trial_timeout_s);
    Assignment a{job, {}};
    while (a.trials.size() < size) {
      auto t = job->take_next();
      if (!t) break;
      a.trials.push_back({t->index, t->attempt, t->params, job->train_bars(t->index)});
      const double ahead = double(outstanding + a.trials.size()) / double(slots);
      leases.add({job->id, t->index, t->attempt, session.identity, session.hello.worker,
                  lease_deadline(now, job->spec.trial_timeout_s, ahead), wall_ms,
                  std::move(t->params)});
    }
    if (a.trials.empty()) continue;
    session.credit -= static_cast<uint32_t>(a.trials.size());
    return a;
  }
  return std::nullopt;
}

}  // namespace sweep::broker
