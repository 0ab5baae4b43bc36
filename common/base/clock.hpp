// The one clock seam (issue 12): every read of the time in the broker and the worker goes through
// a Clock, so that leases, heartbeats, timeouts and ETAs can be tested on a FakeClock that a test
// advances by hand, without sleeping.
//
// steady(): monotonic time, for deadlines and intervals (never jumps with the wall clock).
// wall_ms(): ms since the Unix epoch, for what is recorded or shown (started_at, finished_at).
//
// Thread safety: both implementations may be read from any thread (the worker's slot threads
// stamp trials); FakeClock may be advanced from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace sweep {

using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime steady() const = 0;
  virtual int64_t wall_ms() const = 0;
};

// The real clocks: std::chrono::steady_clock and system_clock.
class SystemClock final : public Clock {
 public:
  SteadyTime steady() const override { return std::chrono::steady_clock::now(); }
  int64_t wall_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// The process's real clock, shared by whoever is given no clock of its own.
inline std::shared_ptr<const Clock> system_clock() {
  static const auto clock = std::make_shared<const SystemClock>();
  return clock;
}

// Time that moves only when a test says so. Starts at an arbitrary, non-zero steady time (so
// that a zero-initialised time_point reads as "long ago") and at a fixed wall time.
class FakeClock final : public Clock {
 public:
  static constexpr int64_t kStartWallMs = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

  SteadyTime steady() const override {
    return SteadyTime(std::chrono::nanoseconds(steady_ns_.load()));
  }
  int64_t wall_ms() const override { return wall_ms_.load(); }

  // Both clocks move by `d` (wall time at ms resolution).
  void advance(std::chrono::nanoseconds d) {
    steady_ns_.fetch_add(d.count());
    wall_ms_.fetch_add(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  }

 private:
  std::atomic<int64_t> steady_ns_{int64_t{1'000'000} * 1'000'000'000};  // 1e6 s
  std::atomic<int64_t> wall_ms_{kStartWallMs};
};

}  // namespace sweep
