#include "sweep/engine/trial_state.hpp"

#include <array>

namespace sweep {
namespace {
constexpr std::array<std::string_view, 5> kNames = {"queued", "running", "completed", "failed",
                                                    "cancelled"};
}  // namespace

std::string_view trial_state_name(TrialState s) {
  return kNames[static_cast<int>(s)];
}
std::optional<TrialState> trial_state_from_name(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<TrialState>(i);
  return std::nullopt;
}
std::optional<TrialState> ended_trial_state_from_name(std::string_view name) {
  auto s = trial_state_from_name(name);
  if (s && !is_ended(*s)) return std::nullopt;
  return s;
}

}  // namespace sweep
