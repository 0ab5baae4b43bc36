#include <array>

#include "sweep/jobs/job_state.hpp"

namespace sweep {
namespace {
constexpr std::array<std::string_view, 6> kJobStates = {"queued",    "running", "cancelling",
                                                        "completed", "failed",  "cancelled"};
}  // namespace

std::string_view job_state_name(JobState s) {
  return kJobStates[static_cast<int>(s)];
}
std::optional<JobState> job_state_from_name(std::string_view name) {
  for (size_t i = 0; i < kJobStates.size(); ++i)
    if (kJobStates[i] == name) return static_cast<JobState>(i);
  return std::nullopt;
}
std::optional<JobKind> job_kind_from_name(std::string_view name) {
  for (auto k : {JobKind::kBacktest, JobKind::kOptimization})
    if (job_kind_name(k) == name) return k;
  return std::nullopt;
}

}  // namespace sweep
