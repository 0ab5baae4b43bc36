// The one state type of a trial, from the engine's outcome to the broker's records and the wire
// (docs/PROTOCOL.md): queued, running (leased to a worker, attempt counted) or ended.
#pragma once

#include <optional>
#include <string_view>

namespace sweep {

enum class TrialState { kQueued, kRunning, kCompleted, kFailed, kCancelled };
std::string_view trial_state_name(TrialState s);  // "queued", "running", "completed", ...
std::optional<TrialState> trial_state_from_name(std::string_view name);
// Only the ended states, "completed", "failed" and "cancelled": what a run can end in (a result's
// or a trial row's status).
std::optional<TrialState> ended_trial_state_from_name(std::string_view name);
inline bool is_ended(TrialState s) {
  return s == TrialState::kCompleted || s == TrialState::kFailed || s == TrialState::kCancelled;
}

}  // namespace sweep
