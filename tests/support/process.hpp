// A child process for tests and benchmarks: started without a shell, stdout read line by line
// (to find a "ready" line), stderr kept in a file for failure messages, killed on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sweep::testing {

class ChildProcess {
 public:
  // Starts `path` with `args`. Throws std::runtime_error when the exec fails.
  ChildProcess(std::string path, std::vector<std::string> args);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits for a stdout line starting with `prefix`; returns the rest of it, or nullopt when the
  // deadline passes or the child ends first.
  std::optional<std::string> wait_for_line(const std::string& prefix,
                                           std::chrono::milliseconds timeout);
  void signal(int sig);
  // Waits for the child to end; returns its wait status, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }
  // Everything the child wrote to stderr so far.
  std::string stderr_text() const;

 private:
  void echo_sanitizer_report() const;

  std::string path_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stdout_buf_;
  std::string stderr_path_;
  std::optional<int> status_;
};

// The directory of the build's binaries (build/bin) and plugins (build/lib).
std::string bin_dir();
std::string lib_dir();

}  // namespace sweep::testing
