// sweep submit backtest|optimize (the local commands' flags, run on the cluster) and sweep watch:
// a live progress bar fed by the job's events, with Ctrl-C offering to cancel the job.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>

#include "cluster.hpp"
#include "commands.hpp"
#include "job_args.hpp"
#include "sweep/client_json.hpp"
#include "terminal.hpp"

namespace sweep::cli {
namespace {

namespace pr = protocol;

std::atomic<bool> g_interrupted{false};

// One line on stderr, redrawn in place on a terminal: bar, done/total, failed, rate, ETA, best.
class JobProgress {
 public:
  JobProgress(std::string unit, std::string metric)
      : unit_(std::move(unit)), metric_(std::move(metric)), tty_(isatty(STDERR_FILENO) != 0) {}

  void on_status(const pr::StatusReply& s) {
    set_counts(s.status, s.total, s.completed, s.failed, s.elapsed_s, s.eta_s);
    if (s.best) best_ = format_best(*s.best, metric_);
    draw(false);
  }
  void on_event(const pr::Event& e) {
    if (const auto* p = std::get_if<pr::ProgressEvent>(&e))
      set_counts(p->status, p->total, p->completed, p->failed, p->elapsed_s, p->eta_s);
    else if (const auto* st = std::get_if<pr::StateEvent>(&e))
      state_ = st->status;
    draw(false);
  }
  void finish() {
    if (tty_) std::fprintf(stderr, "\r\033[2K");
    std::fprintf(stderr, "%s\n", render().c_str());
  }
  void clear() {
    if (tty_) std::fprintf(stderr, "\r\033[2K");
  }

 private:
  void set_counts(JobState st, uint64_t total, uint64_t completed, uint64_t failed, double elapsed,
                  std::optional<double> eta) {
    state_ = st;
    total_ = total;
    done_ = completed + failed;
    failed_ = failed;
    elapsed_ = elapsed;
    eta_ = eta;
  }
  void draw(bool force) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::fprintf(stderr, "\r\033[2K%s", render().c_str());
    std::fflush(stderr);
  }
  std::string render() const {
    const double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 0.0;
    constexpr int kWidth = 30;
    std::string bar(static_cast<size_t>(std::clamp(frac, 0.0, 1.0) * kWidth), '#');
    bar.resize(kWidth, '.');
    const double rate = elapsed_ > 0 ? static_cast<double>(done_) / elapsed_ : NAN;
    char buf[320];
    std::snprintf(
        buf, sizeof buf, "[%s] %5.1f%% %llu/%llu %s  failed %llu  %s/s  ETA %s  %s", bar.c_str(),
        frac * 100, static_cast<unsigned long long>(done_), static_cast<unsigned long long>(total_),
        unit_.c_str(), static_cast<unsigned long long>(failed_), human_count(rate).c_str(),
        human_duration(eta_.value_or(NAN)).c_str(), std::string(job_state_name(state_)).c_str());
    std::string line = buf;
    if (!best_.empty()) line += "  best " + best_;
    return line;
  }

  std::string unit_, metric_, best_;
  bool tty_;
  JobState state_ = JobState::kQueued;
  uint64_t total_ = 0, done_ = 0, failed_ = 0;
  double elapsed_ = 0;
  std::optional<double> eta_;
  std::chrono::steady_clock::time_point last_draw_{};
};

// "cancel job X? [y/N]" on the controlling terminal (stdin/stderr without one).
bool confirm_cancel(const std::string& id) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  FILE* in = tty ? tty : stdin;
  FILE* out = tty ? tty : stderr;
  std::fprintf(out, "cancel job %s? [y/N] ", id.c_str());
  std::fflush(out);
  char line[64] = {0};
  const bool yes = std::fgets(line, sizeof line, in) && (line[0] == 'y' || line[0] == 'Y');
  if (tty) std::fclose(tty);
  return yes;
}

void on_sigint(int) {
  g_interrupted.store(true);
}

}  // namespace

int watch_job(client::Client& c, const std::string& id, bool json) {
  Result<pr::JobRecord> job = c.get(id);
  if (!job.ok()) return fail(job.status());
  JobProgress view(job->kind == JobKind::kBacktest ? "bars" : "trials",
                   objective_metric(job->spec));
  client::SubscribeOptions o;
  o.on_status = [&](const pr::StatusReply& s) { view.on_status(s); };
  o.interrupted = [] { return g_interrupted.load(); };
  auto previous = std::signal(SIGINT, on_sigint);
  Result<pr::StatusReply> final_status = Status::Cancelled("not started");
  for (;;) {
    final_status = c.subscribe(
        id, [&](const pr::Event& e) { view.on_event(e); }, o);
    if (final_status.ok() || final_status.status().code() != Code::kCancelled) break;
    g_interrupted.store(false);
    view.clear();
    if (confirm_cancel(id)) {
      Result<pr::StatusReply> s = c.cancel(id);
      if (!s.ok() && s.status().code() != Code::kConflict) {
        std::signal(SIGINT, previous);
        return fail(s.status());
      }
    }
  }
  std::signal(SIGINT, previous);
  if (!final_status.ok()) return fail(final_status.status());
  view.on_status(*final_status);
  view.finish();
  const pr::StatusReply& s = *final_status;
  if (json) {
    std::printf("%s\n", client::json_of(s).dump().c_str());
  } else {
    std::printf("job %s %s: %llu/%llu done, %llu failed\n", s.id.c_str(),
                std::string(job_state_name(s.status)).c_str(),
                static_cast<unsigned long long>(s.completed + s.failed),
                static_cast<unsigned long long>(s.total),
                static_cast<unsigned long long>(s.failed));
    if (s.best)
      std::printf("best: %s\n", format_best(*s.best, objective_metric(job->spec)).c_str());
  }
  return s.status == JobState::kCompleted ? kExitOk : kExitFailed;
}

namespace {

struct SubmitArgs {
  JobArgs job;
  BrokerArgs broker;
  bool watch = false;
  unsigned threads = 0;  // accepted for symmetry with `sweep optimize`; workers decide
};

int run_submit(const SubmitArgs& a, JobKind kind) {
  Result<nlohmann::json> spec = spec_from_args(a.job, kind);
  if (!spec.ok()) return fail(spec.status());
  auto made = make_client(a.broker);
  if (!made.ok()) return fail(made.status());
  auto& c = *made;
  Result<pr::AcceptedReply> acc = c->submit(kind, *spec);
  if (!acc.ok()) return fail(acc.status());
  if (a.broker.json) {
    std::printf("%s\n", client::json_of(*acc).dump().c_str());
  } else {
    std::printf("submitted %s job %s: %llu %s, %s\n", std::string(job_kind_name(kind)).c_str(),
                acc->id.c_str(), static_cast<unsigned long long>(acc->total),
                kind == JobKind::kBacktest ? "bars" : "trials",
                std::string(job_state_name(acc->status)).c_str());
  }
  std::fflush(stdout);
  if (!a.watch) return kExitOk;
  return watch_job(*c, acc->id, a.broker.json);
}

void add_submit_kind(CLI::App* submit, const char* name, JobKind kind, int& exit_code) {
  auto a = std::make_shared<SubmitArgs>();
  CLI::App* cmd = submit->add_subcommand(
      name, kind == JobKind::kBacktest ? "Submit a backtest job" : "Submit an optimization job");
  add_job_options(cmd, a->job, kind);
  if (kind == JobKind::kOptimization)
    cmd->add_option("--threads", a->threads, "Ignored: each worker runs its own slots");
  add_broker_options(cmd, a->broker);
  cmd->add_flag("--watch", a->watch, "Follow the job with a live progress bar until it ends");
  cmd->callback([a, kind, &exit_code] { exit_code = run_submit(*a, kind); });
}

}  // namespace

void add_submit_command(CLI::App& app, int& exit_code) {
  CLI::App* submit = app.add_subcommand("submit", "Submit a job to the cluster");
  submit->require_subcommand(1);
  add_submit_kind(submit, "backtest", JobKind::kBacktest, exit_code);
  add_submit_kind(submit, "optimize", JobKind::kOptimization, exit_code);
}

void add_watch_command(CLI::App& app, int& exit_code) {
  struct WatchArgs {
    std::string id;
    BrokerArgs broker;
  };
  auto a = std::make_shared<WatchArgs>();
  CLI::App* cmd = app.add_subcommand("watch", "Follow a job with a live progress bar");
  cmd->add_option("id", a->id, "Job id")->required();
  add_broker_options(cmd, a->broker);
  cmd->callback([a, &exit_code] {
    auto c = make_client(a->broker);
    exit_code = c.ok() ? watch_job(**c, a->id, a->broker.json) : fail(c.status());
  });
}

}  // namespace sweep::cli
