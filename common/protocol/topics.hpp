// Every PUB/SUB topic of the system, built in one place (docs/PROTOCOL.md §5, §6). ZeroMQ matches
// topics by prefix: a subscriber to "job.<id>" also receives "job.<id>x", so receivers compare
// the payload's job id as well.
#pragma once

#include <string>
#include <string_view>

namespace sweep {

inline constexpr std::string_view kJobPrefix = "job.";        // events PUB: progress, trial, state
inline constexpr std::string_view kCancelPrefix = "cancel.";  // events PUB: workers subscribe
inline constexpr std::string_view kTickTopic = "tick";        // worker PUB -> broker telemetry SUB

inline std::string job_topic(std::string_view job_id) {
  return std::string(kJobPrefix) + std::string(job_id);
}
inline std::string cancel_topic(std::string_view job_id) {
  return std::string(kCancelPrefix) + std::string(job_id);
}

}  // namespace sweep
