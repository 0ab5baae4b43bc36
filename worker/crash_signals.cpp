#include "crash_signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <string>

namespace sweep::worker {
namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr size_t kAltStackBytes = 64 * 1024;

// Written once by install() before any handler can run; read by handlers.
int g_report[2] = {-1, -1};  // handler -> I/O thread
int g_ack[2] = {-1, -1};     // I/O thread -> handlers (never drained: every waiter sees it)
long g_io_tid = -1;
std::atomic<bool> g_installed{false};

// Initial-exec TLS of the executable: plain memory, safe to read in a handler.
thread_local uint64_t t_current_task = 0;

struct AltStack {
  std::unique_ptr<char[]> memory;
  ~AltStack() {
    if (!memory) return;
    stack_t off = {};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
  }
};
thread_local AltStack t_alt_stack;

extern "C" void on_fatal_signal(int sig) {
  const int saved_errno = errno;
  if (syscall(SYS_gettid) != g_io_tid) {
    const CrashReport report{sig, t_current_task};
    // Smaller than PIPE_BUF: written whole or not at all.
    if (write(g_report[1], &report, sizeof report) == static_cast<ssize_t>(sizeof report)) {
      pollfd ack = {g_ack[0], POLLIN, 0};
      (void)poll(&ack, 1, static_cast<int>(kCrashAckWait.count()));
    }
  }
  errno = saved_errno;
  // The disposition is the default again (SA_RESETHAND): this kills the process by `sig` once the
  // handler returns (at once if the signal is not blocked here).
  raise(sig);
}

Status pipe_status(const char* what) {
  return Status::Io(std::string("crash signals: ") + what + ": " + std::strerror(errno));
}

}  // namespace

Status CrashSignals::install() {
  if (g_installed.load()) return Status::Ok();
  if (pipe2(g_report, O_CLOEXEC | O_NONBLOCK) != 0) return pipe_status("pipe");
  if (pipe2(g_ack, O_CLOEXEC | O_NONBLOCK) != 0) return pipe_status("pipe");
  g_io_tid = syscall(SYS_gettid);
  struct sigaction sa = {};
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_ONSTACK;
  for (int sig : kFatalSignals) {
    if (sigaction(sig, &sa, nullptr) != 0) return pipe_status("sigaction");
  }
  g_installed.store(true);
  return Status::Ok();
}

int CrashSignals::report_fd() {
  return g_installed.load() ? g_report[0] : -1;
}

std::optional<CrashReport> CrashSignals::read_report() {
  if (!g_installed.load()) return std::nullopt;
  CrashReport report;
  if (read(g_report[0], &report, sizeof report) != static_cast<ssize_t>(sizeof report)) {
    return std::nullopt;
  }
  return report;
}

void CrashSignals::acknowledge() {
  if (!g_installed.load()) return;
  const char byte = 1;
  (void)!write(g_ack[1], &byte, 1);
}

void CrashSignals::ensure_alt_stack() {
  if (!g_installed.load() || t_alt_stack.memory) return;
  const size_t bytes = std::max<size_t>(kAltStackBytes, SIGSTKSZ);
  auto memory = std::make_unique<char[]>(bytes);
  stack_t ss = {};
  ss.ss_sp = memory.get();
  ss.ss_size = bytes;
  if (sigaltstack(&ss, nullptr) == 0) t_alt_stack.memory = std::move(memory);
}

void CrashSignals::set_current_task(uint64_t task) {
  t_current_task = task;
}

}  // namespace sweep::worker
