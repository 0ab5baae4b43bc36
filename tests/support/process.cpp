#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace sweep::testing {

using Clock = std::chrono::steady_clock;

std::string bin_dir() {
  return SWEEP_BIN_DIR;
}
std::string lib_dir() {
  return SWEEP_LIB_DIR;
}

ChildProcess::ChildProcess(std::string path, std::vector<std::string> args)
    : path_(std::move(path)) {
  char tmpl[] = "/tmp/sweep-child-XXXXXX";
  const int err_fd = mkstemp(tmpl);
  if (err_fd < 0) throw std::runtime_error("mkstemp failed");
  stderr_path_ = tmpl;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  std::vector<char*> argv;
  argv.push_back(path_.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = posix_spawn(&pid_, path_.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(pipe_fds[1]);
  close(err_fd);
  if (rc != 0) {
    close(pipe_fds[0]);
    throw std::runtime_error("cannot start " + path_);
  }
  stdout_fd_ = pipe_fds[0];
}

ChildProcess::~ChildProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
  if (stdout_fd_ >= 0) close(stdout_fd_);
  echo_sanitizer_report();
  std::remove(stderr_path_.c_str());
}

void ChildProcess::echo_sanitizer_report() const {
  // The stderr file is deleted with the process; a sanitizer report in it (a broker or worker
  // that a test outlived or did not check) would vanish with it. Copy it to the test's own
  // stderr, where deploy/run-sanitizers.sh looks for reports.
  const std::string text = stderr_text();
  for (const char* marker : {"WARNING: ThreadSanitizer", "ERROR: AddressSanitizer",
                             "ERROR: LeakSanitizer", "runtime error:"}) {
    if (text.find(marker) != std::string::npos) {
      std::cerr << "==== stderr of child " << path_ << " (pid " << pid_
                << "), which holds a sanitizer report:\n"
                << text << "==== end of the stderr of pid " << pid_ << "\n";
      return;
    }
  }
}

std::optional<std::string> ChildProcess::wait_for_line(const std::string& prefix,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    size_t start = 0;
    for (size_t nl; (nl = stdout_buf_.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::string line = stdout_buf_.substr(start, nl - start);
      if (line.rfind(prefix, 0) == 0) {
        stdout_buf_.erase(0, nl + 1);
        return line.substr(prefix.size());
      }
    }
    stdout_buf_.erase(0, start);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) return std::nullopt;  // the child closed stdout: it ended
    stdout_buf_.append(buf, static_cast<size_t>(n));
  }
}

void ChildProcess::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  const auto deadline = Clock::now() + timeout;
  for (auto pause = std::chrono::milliseconds(1);;
       pause = std::min(pause * 2, std::chrono::milliseconds(50))) {
    int st = 0;
    const pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      status_ = st;
      return status_;
    }
    if (r < 0 || Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);  // polling a child's exit: there is no fd to wait on
  }
}

bool ChildProcess::running() {
  if (status_ || pid_ <= 0) return false;
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

std::string ChildProcess::stderr_text() const {
  std::ifstream f(stderr_path_);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace sweep::testing
