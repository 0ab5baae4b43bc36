// sweep up: a broker plus N local workers, supervised until SIGINT/SIGTERM.
//
// The broker and workers are found next to this executable (build/bin). The broker is started
// first with the endpoints (ephemeral loopback ports for those not given) and announces on stdout
// `sweep-broker ready frontend=EP backend=EP events=EP telemetry=EP`; the workers connect to its
// backend. Once the workers have registered (or a deadline passed), this prints
// `sweep up ready frontend=EP` on stdout for scripts. A worker (or the broker, on the endpoints
// it first resolved) that dies is restarted after a backoff that doubles while it keeps dying
// quickly (a restart that fails is retried the same way); a broker that cannot start the first
// time (e.g. its database is held by another broker) ends the session (exit 1).
// On SIGINT/SIGTERM: workers are stopped, then the broker (SIGTERM, a deadline, then SIGKILL).
// Children run in their own process group (a terminal's Ctrl-C reaches only this supervisor,
// which stops them in order) and get SIGTERM should the supervisor die (PR_SET_PDEATHSIG).
//
// With --http HOST:PORT, sweep-gateway (the HTTP API and dashboard) is started once the workers
// are up, against the broker's frontend, database and data folders; it announces
// `sweep-gateway ready http://HOST:PORT` (port 0 resolved), and the ready line becomes
// `sweep up ready frontend=EP http=URL`. A gateway that dies is restarted on the same port.
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "commands.hpp"
#include "local_run.hpp"
#include "sweep/base/log.hpp"
#include "sweep/base/signal_names.hpp"
#include "sweep/client.hpp"

namespace sweep::cli {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kEphemeral = "tcp://127.0.0.1:*";
constexpr auto kBrokerReadyTimeout = std::chrono::seconds(30);
constexpr auto kWorkersReadyTimeout = std::chrono::seconds(20);
constexpr auto kStopDeadline = std::chrono::seconds(10);
constexpr milliseconds kMinBackoff{250}, kMaxBackoff{5000};
constexpr auto kHealthyRun = std::chrono::seconds(10);  // a run this long resets the backoff

std::atomic<bool> g_stop{false};

struct UpArgs {
  unsigned workers = 2;
  unsigned slots = 0;  // 0: the worker's default
  std::string db, frontend, backend, events, telemetry;
  std::string http, token;  // --http HOST:PORT runs sweep-gateway too
  std::vector<std::string> data_dirs, plugins;
  std::string log_level{log::kDefaultLevel};  // ours, and passed to every process we start
};

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "died by " + signal_name(WTERMSIG(status)) + " (" +
           signal_description(WTERMSIG(status)) + ")";
  return "stopped";
}

// fork + exec with `stdout_fd` (when >= 0) as the child's stdout; no shell. The child gets its
// own process group and SIGTERM when this process dies.
Result<pid_t> spawn(const std::string& path, const std::vector<std::string>& args, int stdout_fd) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {  // child: async-signal-safe calls only
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    if (stdout_fd >= 0) dup2(stdout_fd, STDOUT_FILENO);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

// Sends SIGTERM to every pid, waits for them until the deadline, then SIGKILLs the rest.
void stop_all(const std::vector<pid_t>& pids, const char* what) {
  std::vector<pid_t> live;
  for (pid_t p : pids)
    if (p > 0 && kill(p, SIGTERM) == 0) live.push_back(p);
  const auto deadline = Clock::now() + kStopDeadline;
  while (!live.empty() && Clock::now() < deadline) {
    std::erase_if(live, [](pid_t p) {
      int st = 0;
      return waitpid(p, &st, WNOHANG) != 0;
    });
    if (!live.empty()) std::this_thread::sleep_for(milliseconds(20));
  }
  for (pid_t p : live) {
    spdlog::warn("{} pid {} did not stop in time; killing it", what, p);
    kill(p, SIGKILL);
    int st = 0;
    waitpid(p, &st, 0);
  }
}

struct WorkerSlot {
  pid_t pid = -1;
  Clock::time_point started, restart_at;
  milliseconds backoff = kMinBackoff;
};

class Supervisor {
 public:
  explicit Supervisor(UpArgs a) : a_(std::move(a)) {}

  int run() {
    const std::filesystem::path dir = std::filesystem::read_symlink("/proc/self/exe").parent_path();
    broker_path_ = (dir / "sweep-broker").string();
    worker_path_ = (dir / "sweep-worker").string();
    gateway_path_ = (dir / "sweep-gateway").string();
    std::vector<std::string> needed = {broker_path_, worker_path_};
    if (!a_.http.empty()) needed.push_back(gateway_path_);
    for (const std::string& p : needed)
      if (access(p.c_str(), X_OK) != 0)
        return print_error(Status::NotFound("cannot run " + p + ": " + std::strerror(errno))),
               kExitFailed;
    if (Status s = start_broker(); !s.ok()) {
      print_error(s);
      stop_all({broker_}, "broker");
      return kExitFailed;
    }
    workers_.resize(a_.workers);
    for (size_t i = 0; i < workers_.size(); ++i) start_worker(i);
    wait_for_workers();
    if (!a_.http.empty() && !g_stop && code_ == kExitOk) {
      if (Status s = start_gateway(a_.http); !s.ok()) {
        print_error(s);
        code_ = kExitFailed;
      }
    }
    if (!g_stop && code_ == kExitOk) {
      const std::string http = http_url_.empty() ? "" : " http=" + http_url_;
      std::printf("sweep up ready frontend=%s%s\n", endpoints_["frontend"].c_str(), http.c_str());
      std::fflush(stdout);
      spdlog::info("broker pid {}, {} workers; frontend {} (Ctrl-C to stop)", broker_, a_.workers,
                   endpoints_["frontend"]);
    }
    while (!g_stop && code_ == kExitOk) code_ = supervise_once(milliseconds(200));
    shutdown();
    return code_;
  }

 private:
  Status start_broker() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
      return Status::Internal(std::string("pipe: ") + strerror(errno));
    // A restart binds what the first start resolved (ephemeral ports included).
    auto ep = [this](const std::string& name, const std::string& given) {
      if (auto it = endpoints_.find(name); it != endpoints_.end() && !it->second.empty())
        return it->second;
      return given.empty() ? std::string(kEphemeral) : given;
    };
    std::vector<std::string> args = {
        "--frontend", ep("frontend", a_.frontend), "--backend",   ep("backend", a_.backend),
        "--events",   ep("events", a_.events),     "--telemetry", ep("telemetry", a_.telemetry)};
    args.insert(args.end(), {"--db", db_path(), "--log-level", a_.log_level});
    for (const std::string& d : a_.data_dirs) args.insert(args.end(), {"--data-dir", d});
    for (const std::string& p : a_.plugins) args.insert(args.end(), {"--plugin", p});
    Result<pid_t> pid = spawn(broker_path_, args, fds[1]);
    close(fds[1]);
    if (!pid.ok()) {
      close(fds[0]);
      return pid.status();
    }
    broker_ = *pid;
    broker_started_ = Clock::now();
    if (broker_out_ >= 0) close(broker_out_);
    broker_out_ = fds[0];
    out_buf_.clear();
    const auto deadline = Clock::now() + kBrokerReadyTimeout;
    while (Clock::now() < deadline && !g_stop) {
      std::string line;
      if (!read_broker_line(milliseconds(100), line)) {
        int st = 0;
        if (waitpid(broker_, &st, WNOHANG) == broker_) {
          broker_ = -1;
          return Status::Unavailable("sweep-broker " + describe_exit(st) + " before it was ready");
        }
        continue;
      }
      constexpr std::string_view kReady = "sweep-broker ready ";
      if (line.rfind(kReady, 0) != 0) {
        std::fprintf(stderr, "%s\n", line.c_str());
        continue;
      }
      std::istringstream in(line.substr(kReady.size()));
      for (std::string kv; in >> kv;)
        if (size_t eq = kv.find('='); eq != std::string::npos)
          endpoints_[kv.substr(0, eq)] = kv.substr(eq + 1);
      if (endpoints_["frontend"].empty() || endpoints_["backend"].empty())
        return Status::Internal("sweep-broker's ready line lacks frontend/backend: " + line);
      return Status::Ok();
    }
    return Status::Unavailable("sweep-broker did not report ready within 30 s");
  }

  // The broker's database; the gateway reads stored datasets from it too.
  std::string db_path() const { return a_.db.empty() ? "sweep.db" : a_.db; }

  // Starts sweep-gateway listening on `listen` and waits for its ready line, which gives the URL
  // (a port 0 resolved). Its later restarts use that URL's port.
  Status start_gateway(const std::string& listen) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
      return Status::Internal(std::string("pipe: ") + strerror(errno));
    std::vector<std::string> args = {"--listen", listen,    "--broker",    endpoints_["frontend"],
                                     "--db",     db_path(), "--log-level", a_.log_level};
    // The token goes by environment, not argv, which every local user can read in /proc.
    if (!a_.token.empty()) setenv("SWEEP_TOKEN", a_.token.c_str(), 1);
    for (const std::string& d : a_.data_dirs) args.insert(args.end(), {"--data-dir", d});
    for (const std::string& p : a_.plugins) args.insert(args.end(), {"--plugin", p});
    Result<pid_t> pid = spawn(gateway_path_, args, fds[1]);
    close(fds[1]);
    gateway_started_ = Clock::now();
    if (!pid.ok()) {
      close(fds[0]);
      return pid.status();
    }
    gateway_ = *pid;
    const int fd = fds[0];
    std::string buf;
    const auto deadline = Clock::now() + kBrokerReadyTimeout;
    constexpr std::string_view kReady = "sweep-gateway ready ";
    while (Clock::now() < deadline && !g_stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        char chunk[1024];
        const ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) break;  // the gateway ended before it was ready
        buf.append(chunk, static_cast<size_t>(n));
        if (size_t nl = buf.find('\n'); nl != std::string::npos) {
          const std::string line = buf.substr(0, nl);
          close(fd);
          if (line.rfind(kReady, 0) != 0)
            return Status::Internal("sweep-gateway printed '" + line + "' instead of ready");
          http_url_ = line.substr(kReady.size());
          const size_t colon = http_url_.rfind(':');
          gateway_listen_ = listen.substr(0, listen.rfind(':')) + http_url_.substr(colon);
          return Status::Ok();
        }
      }
    }
    close(fd);
    int st = 0;
    if (waitpid(gateway_, &st, WNOHANG) == gateway_) {
      gateway_ = -1;
      return Status::Unavailable("sweep-gateway " + describe_exit(st) + " before it was ready");
    }
    return Status::Unavailable("sweep-gateway did not report ready within 30 s");
  }

  // One complete line of the broker's stdout, waiting up to `timeout`; false when none yet.
  bool read_broker_line(milliseconds timeout, std::string& line) {
    for (;;) {
      if (size_t nl = out_buf_.find('\n'); nl != std::string::npos) {
        line = out_buf_.substr(0, nl);
        out_buf_.erase(0, nl + 1);
        return true;
      }
      if (broker_out_ < 0) return false;
      pollfd p{broker_out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
      char buf[4096];
      const ssize_t n = read(broker_out_, buf, sizeof buf);
      if (n <= 0) {
        close(broker_out_);
        broker_out_ = -1;
        return false;
      }
      out_buf_.append(buf, static_cast<size_t>(n));
      timeout = milliseconds(0);
    }
  }

  void start_worker(size_t i) {
    // Ctrl-C stops the broker too: finishing running trials would only delay the exit, so they
    // are handed back at once and run again when the jobs resume (docs/RELIABILITY.md).
    std::vector<std::string> args = {"--broker",   endpoints_["backend"], "--log-level",
                                     a_.log_level, "--drain-timeout",     "0"};
    if (a_.slots > 0) args.insert(args.end(), {"--slots", std::to_string(a_.slots)});
    for (const std::string& p : a_.plugins) args.insert(args.end(), {"--plugin", p});
    Result<pid_t> pid = spawn(worker_path_, args, -1);
    WorkerSlot& w = workers_[i];
    w.started = Clock::now();
    if (!pid.ok()) {
      spdlog::error("cannot start worker {}: {}", i, pid.status().message());
      w.pid = -1;
      w.restart_at = Clock::now() + w.backoff;
      return;
    }
    w.pid = *pid;
  }

  // Forwards broker output, reaps children and restarts workers that are due. Returns non-zero
  // when the session must end (the broker died).
  int supervise_once(milliseconds wait) {
    std::string line;
    while (read_broker_line(wait, line)) {
      std::fprintf(stderr, "%s\n", line.c_str());
      wait = milliseconds(0);
    }
    if (broker_out_ < 0 && wait.count() > 0) std::this_thread::sleep_for(wait);
    for (;;) {
      int st = 0;
      const pid_t pid = waitpid(-1, &st, WNOHANG);
      if (pid <= 0) break;
      if (pid == broker_) {
        // Restarted on the endpoints it had, so workers, the gateway and clients find it again.
        broker_ = -1;
        broker_backoff_ = Clock::now() - broker_started_ >= kHealthyRun
                              ? kMinBackoff
                              : std::min(kMaxBackoff, broker_backoff_ * 2);
        broker_restart_at_ = Clock::now() + broker_backoff_;
        if (!g_stop)
          spdlog::warn("sweep-broker (pid {}) {}; restarting on the same endpoints in {} ms", pid,
                       describe_exit(st), broker_backoff_.count());
      }
      if (pid == gateway_) {
        gateway_ = -1;
        gateway_backoff_ = Clock::now() - gateway_started_ >= kHealthyRun
                               ? kMinBackoff
                               : std::min(kMaxBackoff, gateway_backoff_ * 2);
        gateway_restart_at_ = Clock::now() + gateway_backoff_;
        if (!g_stop)
          spdlog::warn("sweep-gateway (pid {}) {}; restarting in {} ms", pid, describe_exit(st),
                       gateway_backoff_.count());
      }
      for (size_t i = 0; i < workers_.size(); ++i) {
        WorkerSlot& w = workers_[i];
        if (w.pid != pid) continue;
        w.pid = -1;
        w.backoff = Clock::now() - w.started >= kHealthyRun ? kMinBackoff
                                                            : std::min(kMaxBackoff, w.backoff * 2);
        w.restart_at = Clock::now() + w.backoff;
        if (!g_stop)
          spdlog::warn("worker {} (pid {}) {}; restarting in {} ms", i, pid, describe_exit(st),
                       w.backoff.count());
      }
    }
    if (broker_ < 0 && Clock::now() >= broker_restart_at_ && !g_stop) {
      if (Status s = start_broker(); !s.ok()) {
        spdlog::error("cannot restart sweep-broker: {}", s.message());
        if (broker_ > 0) stop_all({broker_}, "broker");
        broker_ = -1;
        broker_backoff_ = std::min(kMaxBackoff, broker_backoff_ * 2);
        broker_restart_at_ = Clock::now() + broker_backoff_;
      }
    }
    for (size_t i = 0; i < workers_.size(); ++i)
      if (workers_[i].pid < 0 && Clock::now() >= workers_[i].restart_at && !g_stop) start_worker(i);
    if (!gateway_listen_.empty() && gateway_ < 0 && Clock::now() >= gateway_restart_at_ &&
        !g_stop) {
      if (Status s = start_gateway(gateway_listen_); !s.ok()) {
        spdlog::error("cannot restart sweep-gateway: {}", s.message());
        gateway_backoff_ = std::min(kMaxBackoff, gateway_backoff_ * 2);
        gateway_restart_at_ = Clock::now() + gateway_backoff_;
      }
    }
    return kExitOk;
  }

  void wait_for_workers() {
    client::ClientOptions o;
    o.timeout = milliseconds(500);
    o.retries = 0;
    client::Client c(endpoints_["frontend"], o);
    const auto deadline = Clock::now() + kWorkersReadyTimeout;
    size_t seen = 0;
    while (!g_stop && code_ == kExitOk && Clock::now() < deadline) {
      if (Result<protocol::HealthReply> h = c.health(); h.ok()) {
        seen = h->workers.size();
        if (seen >= a_.workers) return;
      }
      code_ = supervise_once(milliseconds(100));
      if (code_ != kExitOk) return;
    }
    if (!g_stop && code_ == kExitOk)
      spdlog::warn("only {} of {} workers registered within {} s; going on", seen, a_.workers,
                   kWorkersReadyTimeout.count());
  }

  void shutdown() {
    std::vector<pid_t> pids;
    for (const WorkerSlot& w : workers_)
      if (w.pid > 0) pids.push_back(w.pid);
    if (gateway_ > 0) {
      spdlog::info("stopping the gateway");
      stop_all({gateway_}, "gateway");
    }
    spdlog::info("stopping {} workers", pids.size());
    stop_all(pids, "worker");
    if (broker_ > 0) {
      spdlog::info("stopping the broker");
      stop_all({broker_}, "broker");
    }
    if (broker_out_ >= 0) close(broker_out_);
  }

  UpArgs a_;
  int code_ = kExitOk;
  std::string broker_path_, worker_path_, gateway_path_;
  pid_t broker_ = -1;
  pid_t gateway_ = -1;
  std::string http_url_, gateway_listen_;  // empty until the gateway first reported ready
  Clock::time_point gateway_started_, gateway_restart_at_;
  milliseconds gateway_backoff_ = kMinBackoff;
  Clock::time_point broker_started_, broker_restart_at_;
  milliseconds broker_backoff_ = kMinBackoff;
  int broker_out_ = -1;
  std::string out_buf_;
  std::map<std::string, std::string> endpoints_;
  std::vector<WorkerSlot> workers_;
};

void on_stop(int) {
  g_stop.store(true);
}

int run_up(const UpArgs& a) {
  if (Status s = log::init("sweep up", a.log_level); !s.ok()) {
    std::fprintf(stderr, "sweep up: %s\n", s.message().c_str());
    return kExitBadInput;
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return Supervisor(a).run();
}

}  // namespace

void add_up_command(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<UpArgs>();
  CLI::App* cmd = app.add_subcommand("up", "Run a broker and N supervised local workers");
  cmd->add_option("--workers", a->workers, "Worker processes")->capture_default_str();
  cmd->add_option("--slots", a->slots, "Trials each worker runs at once (default: CPU count)");
  cmd->add_option("--db", a->db, "SQLite database of the broker");
  cmd->add_option("--data-dir", a->data_dirs, "Folder of datasets the broker serves (repeatable)");
  cmd->add_option("--frontend", a->frontend, "Frontend endpoint (default: ephemeral loopback)");
  cmd->add_option("--backend", a->backend, "Backend endpoint (default: ephemeral loopback)");
  cmd->add_option("--events", a->events, "Events PUB endpoint (default: ephemeral loopback)");
  cmd->add_option("--telemetry", a->telemetry, "Telemetry endpoint (default: ephemeral loopback)");
  cmd->add_option("--plugin", a->plugins,
                  "Strategy plugin for the broker and workers (repeatable)");
  cmd->add_option(
      "--http", a->http,
      "Also run sweep-gateway (HTTP API and dashboard) on HOST:PORT (port 0: ephemeral)");
  cmd->add_option("--token", a->token,
                  "With --http: require 'Authorization: Bearer TOKEN' on the API (or $SWEEP_TOKEN)")
      ->envname("SWEEP_TOKEN");
  cmd->add_option("--log-level", a->log_level,
                  "Diagnostics on stderr from this level up, of sweep up and every process it "
                  "starts")
      ->capture_default_str()
      ->check(CLI::IsMember(log::level_names()));
  cmd->callback([a, &exit_code] { exit_code = run_up(*a); });
}

}  // namespace sweep::cli
