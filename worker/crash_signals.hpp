// Fatal signals in a worker process (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT): say which one,
// and which trial caused it, before dying by it.
//
// The handler (async-signal-safe calls only: write, poll, raise, syscall) writes a CrashReport to
// a pipe that the session's I/O thread polls, then waits up to kCrashAckWait for the I/O thread
// to acknowledge (the broker has answered `crashed` with `crash_ack`, or there is no broker to
// tell), then raises the signal again with its default action (SA_RESETHAND restored it): the
// process dies by that signal as it would have, exit status and core dump unchanged. A fault on
// the I/O thread itself does not wait (nobody would acknowledge). Handlers run on an alternate
// stack on slot threads, so that a stack overflow in a strategy reports too.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "sweep/base/status.hpp"

namespace sweep::worker {

inline constexpr std::chrono::milliseconds kCrashAckWait{1000};

struct CrashReport {
  int32_t signal = 0;
  uint64_t task = 0;  // the session's id of the trial running on the faulting thread; 0: none
};

// Process-wide (signal dispositions are). The installing thread is taken as the I/O thread.
class CrashSignals {
 public:
  // Once per process; later calls return Ok and change nothing.
  static Status install();
  // The pipe end the I/O thread polls for reports; -1 until install().
  static int report_fd();
  // I/O thread: the next report, or nullopt when none is waiting.
  static std::optional<CrashReport> read_report();
  // I/O thread: lets every waiting handler go on and die.
  static void acknowledge();

  // Slot threads: gives the calling thread an alternate signal stack (once per thread; freed when
  // it ends). Does nothing before install().
  static void ensure_alt_stack();
  // Slot threads: the task now running on the calling thread (0: none).
  static void set_current_task(uint64_t task);
};

}  // namespace sweep::worker
