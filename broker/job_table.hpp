// The live jobs (those not yet finally written), and the one function that changes a job's state.
//
//   queued --first batch--> running --every trial recorded--> completed | failed
//   queued | running --cancel--> cancelling --no trial still running--> cancelled
//   queued | running | cancelling --cannot resume (bad spec, dataset gone)--> failed
//
// Terminal states (completed, failed, cancelled) stick: a job in one is live only until its final
// write is in (LiveJob::visible_state), and nothing moves it again. Any other change is a bug:
// transition() refuses it, logs it and asserts in debug builds (the sanitizer suites).
//
// Thread safety: the broker's loop thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "live_job.hpp"
#include "sweep/base/status.hpp"

namespace sweep::broker {

// Whether the diagram above has an edge from `from` to `to` (a state to itself is no edge).
bool job_transition_allowed(JobState from, JobState to);

class JobTable {
 public:
  // Adds a job in the state its row was stored in (a new job: queued; a resumed one: its row's).
  LiveJob& add(std::unique_ptr<LiveJob> job, JobState stored = JobState::kQueued);
  LiveJob* find(const std::string& id);
  const LiveJob* find(const std::string& id) const;
  // Drops the job (its final write is in): references to it dangle from here on.
  void erase(const std::string& id);

  // The one way a job's state changes. To the state it is in: Ok, nothing changes. Along an edge
  // of the diagram: Ok. Otherwise: Internal, the state unchanged, and an assert in debug builds.
  static Status transition(LiveJob& job, JobState to);

  bool empty() const { return jobs_.empty(); }
  size_t size() const { return jobs_.size(); }
  const std::map<std::string, std::unique_ptr<LiveJob>>& all() const { return jobs_; }
  // Live job ids, oldest first: the scheduler's round robin.
  const std::vector<std::string>& order() const { return order_; }

 private:
  std::map<std::string, std::unique_ptr<LiveJob>> jobs_;
  std::vector<std::string> order_;
};

}  // namespace sweep::broker
