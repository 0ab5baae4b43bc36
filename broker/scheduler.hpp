// Turns queued trials, leases and worker sessions into batches: pure logic, no sockets, no store.
// The broker asks for a worker's next batch, then encodes and sends it.
//
// Fair across jobs: each batch goes to the next live job (round robin, oldest first) that has
// trials waiting and whose strategy the worker runs. A worker never holds more trials than the
// credit it granted; every trial of a batch is leased on its own.
//
// Batch size: tens of ms of work per slot (trials_per_slot), so that one message carries hundreds
// of short trials; and a worker holds at most two such batches (one running while the next waits,
// so it never idles between them). Trials longer than that go one per slot with nothing waiting:
// at the end of a job no worker sits on a queue while another is idle.
//
// Thread safety: the broker's loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "job_table.hpp"
#include "lease_table.hpp"
#include "sweep/base/clock.hpp"
#include "worker_registry.hpp"

namespace sweep::broker {

// Added to every lease deadline: the worker's own watchdog fails a trial at its timeout, and its
// result should arrive before the broker gives up on the lease.
inline constexpr std::chrono::seconds kLeaseSlack{2};

// Trials holding about 50 ms of work for one slot, given the job's mean trial time (1 while that
// is unknown, 0, or longer than that; at most kMaxBatchTrials).
size_t trials_per_slot(double mean_trial_ms);

struct BatchLimits {
  size_t target = 1;       // trials per batch
  size_t outstanding = 1;  // trials the worker may hold (leased to it) at once
};
BatchLimits batch_limits(size_t slots, size_t per_slot);
// Trials the next batch may carry, given what the worker holds and the credit it has left.
size_t batch_size(const BatchLimits& limits, size_t outstanding, uint32_t credit);
// A trial's lease deadline: its timeout for each trial ahead of it on a slot (at least one:
// trials of a batch may run one after the other, behind those the worker already holds), plus
// the slack.
SteadyTime lease_deadline(SteadyTime now, double trial_timeout_s, double ahead_per_slot);

// One batch for one worker. Its trials are leased and the worker's credit spent already.
struct Assignment {
  LiveJob* job = nullptr;
  std::vector<protocol::BatchTrial> trials;
};

class Scheduler {
 public:
  // The next batch for `session` at `now` (`wall_ms`: the leases' start stamp), or nullopt when
  // no job has trials this worker may take now.
  std::optional<Assignment> next_batch(WorkerSession& session, JobTable& jobs, LeaseTable& leases,
                                       SteadyTime now, int64_t wall_ms);

 private:
  size_t rr_ = 0;  // position in JobTable::order() of the job to try first
};

}  // namespace sweep::broker
