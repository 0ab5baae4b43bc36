// The states of a job and of a trial (DESIGN §3) and their wire names (docs/PROTOCOL.md).
#pragma once

#include <optional>
#include <string_view>

#include "sweep/engine/trial_state.hpp"
#include "sweep/jobs/job_spec.hpp"

namespace sweep {

// queued -> running -> completed | failed | cancelled, with cancelling between a cancel request
// and the moment no trial of the job still runs. Terminal states never change.
enum class JobState { kQueued, kRunning, kCancelling, kCompleted, kFailed, kCancelled };
std::string_view job_state_name(JobState s);  // "queued", "running", "cancelling", ...
std::optional<JobState> job_state_from_name(std::string_view name);
inline bool is_terminal(JobState s) {
  return s == JobState::kCompleted || s == JobState::kFailed || s == JobState::kCancelled;
}

std::optional<JobKind> job_kind_from_name(std::string_view name);  // "backtest", "optimization"

}  // namespace sweep
