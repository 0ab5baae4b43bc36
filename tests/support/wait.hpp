// Waiting in tests: on a condition with a deadline, never on a fixed sleep.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace sweep::testing {

// True as soon as `cond` holds; false if it still does not at the deadline. `cond` is polled
// every `poll`: a polling interval, not a wait for an outcome.
inline bool wait_until(const std::function<bool()>& cond,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(poll);
  }
  return cond();
}

}  // namespace sweep::testing
