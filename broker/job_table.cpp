#include "job_table.hpp"
#include "sweep/base/log.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>

namespace sweep::broker {

bool job_transition_allowed(JobState from, JobState to) {
  using S = JobState;
  switch (from) {
    case S::kQueued:
      return to == S::kRunning || to == S::kCancelling || to == S::kFailed;
    case S::kRunning:
      return to == S::kCancelling || to == S::kCompleted || to == S::kFailed;
    case S::kCancelling:
      return to == S::kCancelled || to == S::kFailed;
    case S::kCompleted:
    case S::kFailed:
    case S::kCancelled:
      return false;  // terminal states stick
  }
  return false;
}

LiveJob& JobTable::add(std::unique_ptr<LiveJob> job, JobState stored) {
  job->state_ = stored;
  LiveJob& ref = *job;
  order_.push_back(job->id);
  jobs_[job->id] = std::move(job);
  return ref;
}

LiveJob* JobTable::find(const std::string& id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second.get();
}

const LiveJob* JobTable::find(const std::string& id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : it->second.get();
}

void JobTable::erase(const std::string& id) {
  order_.erase(std::remove(order_.begin(), order_.end(), id), order_.end());
  jobs_.erase(id);
}

Status JobTable::transition(LiveJob& job, JobState to) {
  if (job.state_ == to) return Status::Ok();
  if (!job_transition_allowed(job.state_, to)) {
    const std::string what = "illegal job transition of " + job.id + ": " +
                             std::string(job_state_name(job.state_)) + " -> " +
                             std::string(job_state_name(to));
    spdlog::critical("{}", what);
    assert(false && "illegal job transition");
    return Status::Internal(what);
  }
  job.state_ = to;
  return Status::Ok();
}

}  // namespace sweep::broker
