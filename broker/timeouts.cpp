// Hung trials and hung workers (docs/RELIABILITY.md "hung worker"). The broker owns every trial's
// deadline: a worker's own watchdog fails a trial at its timeout, so a lease still held past it
// (plus kLeaseSlack for the result to travel) belongs to a worker that is wedged or lying.
//
// Two rules, both checked by housekeeping:
//  - a lease past its deadline (its timeout for each trial queued ahead of it on a slot);
//  - a worker holding trials that ended none for longer than their longest timeout: each slot runs
//    one trial at a time and each ends by its timeout, so a healthy worker never goes that quiet.
// Either way the timed-out trials run again elsewhere up to max_attempts, and the worker is
// drained: the rest of what it holds goes to other workers and it gets nothing new until it sends
// a result. A late result for a released lease is stale and ignored (LeaseTable::release).
#include <algorithm>

#include <spdlog/fmt/fmt.h>

#include "broker.hpp"
#include "sweep/base/log.hpp"

namespace sweep::broker {

namespace {
std::chrono::nanoseconds seconds(double s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}
}  // namespace

void Broker::expire_trials(SteadyTime now) {
  for (const Lease& lease : leases_.release_expired(now)) {
    const LiveJob* job = find_live(lease.job);
    const double timeout = job ? job->spec.trial_timeout_s : 0;
    time_out(lease, fmt::format("timed out after {:g} s (its lease deadline passed on worker {})",
                                timeout, lease.worker_name));
  }
  std::vector<std::string> stalled;
  for (const auto& [identity, s] : workers_.all()) {
    if (leases_.count_for_worker(identity) == 0) continue;
    if (now - s.quiet_since > seconds(s.lease_timeout_s) + kLeaseSlack) stalled.push_back(identity);
  }
  for (const std::string& identity : stalled) {
    WorkerSession* s = workers_.find(identity);
    if (!s) continue;
    const std::string why =
        fmt::format("worker {} ended no trial for {:g} s, longer than its trials' timeout",
                    s->hello.worker, std::chrono::duration<double>(now - s->quiet_since).count());
    // The trials its slots would have run time out; the others never started.
    drain(identity, why, std::max<uint32_t>(s->hello.slots, 1));
  }
}

void Broker::time_out(const Lease& lease, const std::string& reason) {
  requeue_or_fail(lease, reason + "; failed");
  drain(lease.worker,
        "trial " + std::to_string(lease.index) + " of job " + lease.job + " " + reason);
}

void Broker::drain(const std::string& identity, const std::string& why, size_t timed_out) {
  WorkerSession* s = workers_.find(identity);
  if (!s) return;
  s->drained = true;
  std::vector<Lease> held = leases_.release_worker(identity);
  // The trials it was given first are the ones its slots would have run.
  std::stable_sort(held.begin(), held.end(), [](const Lease& a, const Lease& b) {
    return a.started_at_ms < b.started_at_ms;
  });
  for (size_t i = 0; i < held.size(); ++i) {
    if (i < timed_out) {
      requeue_or_fail(held[i], "timed out: " + why + "; failed");
    } else {
      requeue_or_fail(held[i], why, /*count_attempt=*/false);
    }
  }
  spdlog::warn("worker {} drained ({}): {} trials go to other workers", s->hello.worker, why,
               held.size());
}

}  // namespace sweep::broker
