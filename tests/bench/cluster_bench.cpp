// The cluster against the in-process optimizer, measured side by side in one run (the machine is
// shared and noisy: ratios of runs made minutes apart would mean little). Real processes: a
// sweep-broker on ephemeral loopback ports over a SQLite file, N sweep-worker processes with one
// slot each, against `optimize` with N threads on the same trials.
//
//   cluster_bench [--workers N] [--scale X] [--only NAME]
//
// Scenarios (NAME): goog (sma_cross over GOOG, tens of microseconds per trial), 5ms (the test
// plugin's `slow` strategy, 5 ms per trial), noop (the cheapest trial: the broker's own ceiling,
// with and without trial rows written to SQLite), cancel (request to last trial stopped, p50 and
// p99), status (status round trip p50/p99 while an optimization runs and clients poll 1,000
// times per second), big-submit (health round trips while a submit's 1M-bar dataset is generated,
// hashed and stored), constraint (the same trials with and without a 3 kB constraint, status
// polled meanwhile), drain (SIGTERM to exit of a worker running 2 GOOG trials with 1,000+ queued,
// and the trials charged an extra attempt), robustness (the goog trials with and without their
// per-trial return statistics, and the job's statistics at its end), walk_forward (the GOOG demo
// grid walked forward 500:250 against the same train trials as plain jobs, one per window, and
// against the plain optimization of the grid). --scale multiplies the trial counts (and
// big-submit's bars).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../support/cluster.hpp"
#include "sweep/client.hpp"
#include "sweep/data/dataset.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/optimizer.hpp"
#include "sweep/optimize/walk_forward.hpp"

namespace sweep {
namespace {

using Clock = std::chrono::steady_clock;
using testing::LocalCluster;

struct Args {
  unsigned workers = 2;
  double scale = 1.0;
  std::string only;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU seconds (user + system) a process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; in >> field; ++i) {  // fields are numbered from 1; state is field 3
    if (i == 14) utime = std::stoull(field);
    if (i == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

struct CpuUse {
  double broker = 0, workers = 0;
};
CpuUse cpu_use(LocalCluster& cluster) {
  CpuUse u;
  u.broker = cpu_seconds(cluster.broker().pid());
  for (auto& w : cluster.workers()) u.workers += cpu_seconds(w->pid());
  return u;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * double(v.size() - 1) + 0.5));
  return v[i];
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "cluster_bench: %s\n", what.c_str());
  std::exit(1);
}

const StrategyRegistry& registry() {
  static const StrategyRegistry reg = [] {
    StrategyRegistry r = StrategyRegistry::WithBuiltins();
    if (Status s = r.load_plugin(testing::lib_dir() + "/libsweep_test_plugin.so"); !s.ok())
      die(s.ToString());
    return r;
  }();
  return reg;
}

// In-process: the same spec through `optimize` with `threads` threads; trials per second.
struct Run {
  uint64_t trials = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // in process only: of this whole process during the run
  double rate() const { return seconds > 0 ? double(trials) / seconds : 0; }
};

Run in_process(const nlohmann::json& spec_json, unsigned threads) {
  auto spec = parse_job_spec(spec_json, JobKind::kOptimization);
  if (!spec.ok()) die(spec.status().ToString());
  std::string source;
  if (const auto* p = std::get_if<DatasetPath>(&spec->dataset)) {
    source = std::string(SWEEP_DATA_DIR) + "/" + p->path;
  } else if (const auto* syn = std::get_if<SyntheticDataset>(&spec->dataset)) {
    source = "synthetic:" + std::to_string(syn->bars) + ":" + std::to_string(syn->seed);
  }
  auto series = load_dataset(source);
  if (!series.ok()) die(series.status().ToString());
  auto md = MarketData::Build(std::make_shared<const TimeSeries>(std::move(series).value()));
  auto plan = make_trial_plan(*spec);
  if (!plan.ok()) die(plan.status().ToString());
  OptimizeOptions opt;
  opt.threads = threads;
  opt.return_blocks = spec->pbo_blocks;  // as `sweep optimize` and the cluster
  const double cpu0 = own_cpu_seconds();
  const auto t0 = Clock::now();
  auto r = optimize(*md, *registry().find(spec->strategy), *plan, {spec->cash, spec->commission},
                    spec->objective, static_cast<size_t>(spec->top_k), opt);
  const double s = seconds_since(t0);
  const double cpu = own_cpu_seconds() - cpu0;
  if (!r.ok()) die(r.status().ToString());
  return {r->completed + r->failed, s, cpu};
}

// On the cluster: submit, then wait for the terminal state (polling every 5 ms, so that the
// wait adds little to runs of a second or more).
Run on_cluster(client::Client& c, const nlohmann::json& spec) {
  const auto t0 = Clock::now();
  auto acc = c.submit(JobKind::kOptimization, spec);
  if (!acc.ok()) die("submit: " + acc.status().ToString());
  client::WaitOptions w;
  w.poll_interval = std::chrono::milliseconds(5);
  auto st = c.wait(acc->id, w);
  const double s = seconds_since(t0);
  if (!st.ok()) die("wait: " + st.status().ToString());
  if (st->status != JobState::kCompleted)
    die("job ended " + std::string(job_state_name(st->status)));
  return {st->completed + st->failed, s};
}

void start(LocalCluster& cluster, unsigned workers) {
  cluster.start_broker();
  for (unsigned i = 0; i < workers; ++i) cluster.add_worker(1);
  client::Client c(cluster.endpoints().frontend);
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    auto h = c.health();
    if (h.ok() && h->workers.size() >= workers) return;
    if (Clock::now() > deadline) die("workers did not register");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a condition
  }
}

void side_by_side(const char* name, const nlohmann::json& spec, const Args& a) {
  LocalCluster cluster;
  start(cluster, a.workers);
  client::Client c(cluster.endpoints().frontend);
  // Warm-up: the workers load the dataset once, the broker its caches.
  (void)on_cluster(c, spec);
  const Run local = in_process(spec, a.workers);
  const CpuUse before = cpu_use(cluster);
  const Run remote = on_cluster(c, spec);
  const CpuUse after = cpu_use(cluster);
  std::printf(
      "%-6s %8llu trials  in-process %u threads: %9.0f trials/s  cluster %u workers: %9.0f "
      "trials/s  ratio %.2f  (CPU per trial: in process %.1f us; cluster: broker %.1f us, "
      "workers %.1f us)\n",
      name, static_cast<unsigned long long>(remote.trials), a.workers, local.rate(), a.workers,
      remote.rate(), remote.rate() / local.rate(), local.cpu_seconds * 1e6 / double(local.trials),
      (after.broker - before.broker) * 1e6 / double(remote.trials),
      (after.workers - before.workers) * 1e6 / double(remote.trials));
}

nlohmann::json goog_spec(double scale) {
  // 80 x 500 = 40,000 trials at scale 1: runs of a few seconds, so that the cluster's start
  // (the first batches go one trial per slot until the trials' length is known) weighs little.
  const int slow_stop = 99 + static_cast<int>(500 * scale);
  return {{"dataset", {{"path", "GOOG.csv"}}},
          {"strategy", "sma_cross"},
          {"space",
           {{"fast", {{"start", 2}, {"stop", 81}, {"step", 1}}},
            {"slow", {{"start", 100}, {"stop", slow_stop}, {"step", 1}}}}}};
}

nlohmann::json label_spec(const std::string& strategy, uint64_t trials, uint64_t bars,
                          nlohmann::json extra_space = nlohmann::json::object()) {
  nlohmann::json space = std::move(extra_space);
  space["n"] = {{"start", 0}, {"stop", trials - 1}, {"step", 1}};
  return {{"dataset", {{"synthetic", {{"bars", bars}, {"seed", 1}}}}},
          {"strategy", strategy},
          {"space", space}};
}

void noop(const Args& a) {
  const uint64_t n = static_cast<uint64_t>(200'000 * a.scale);
  const nlohmann::json spec = label_spec("noop", n, 16);
  double rates[2] = {};
  CpuUse per_trial[2];
  for (int with_rows = 1; with_rows >= 0; --with_rows) {
    testing::ClusterOptions o;
    if (!with_rows) o.broker_args = {"--no-trial-rows"};
    LocalCluster cluster(o);
    start(cluster, a.workers);
    client::Client c(cluster.endpoints().frontend);
    (void)on_cluster(c, label_spec("noop", 1000, 16));
    const CpuUse before = cpu_use(cluster);
    const Run run = on_cluster(c, spec);
    const CpuUse after = cpu_use(cluster);
    rates[with_rows] = run.rate();
    per_trial[with_rows].broker = (after.broker - before.broker) * 1e6 / double(run.trials);
    per_trial[with_rows].workers = (after.workers - before.workers) * 1e6 / double(run.trials);
  }
  std::printf(
      "noop   %8llu trials  with SQLite rows: %9.0f trials/s  without: %9.0f trials/s  "
      "ratio %.2f  (CPU per trial with / without rows: broker %.1f / %.1f us, workers %.1f / "
      "%.1f us)\n",
      static_cast<unsigned long long>(n), rates[1], rates[0], rates[1] / rates[0],
      per_trial[1].broker, per_trial[0].broker, per_trial[1].workers, per_trial[0].workers);
}

void cancel_latency(const Args& a) {
  LocalCluster cluster;
  start(cluster, a.workers);
  client::Client c(cluster.endpoints().frontend);
  std::vector<double> ms;
  const int reps = std::max(5, static_cast<int>(20 * a.scale));
  // Rep 0 is a warm-up, not counted: the workers generate the 3M-bar dataset on its first batch
  // (they then cache it), and a trial is counted running from its dispatch.
  for (int i = -1; i < reps; ++i) {
    // sma_cross over 3 million bars: ~0.1 s a trial, the engine checking for a cancel every
    // 4,096 bars (~0.1 ms). Every slot is busy when the cancel comes.
    nlohmann::json spec = {
        {"dataset", {{"synthetic", {{"bars", 3'000'000}, {"seed", 5}}}}},
        {"strategy", "sma_cross"},
        {"space", {{"fast", {{"start", 2}, {"stop", 400}, {"step", 1}}}, {"slow", {500}}}}};
    auto acc = c.submit(JobKind::kOptimization, spec);
    if (!acc.ok()) die(acc.status().ToString());
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    for (;;) {
      auto st = c.status(acc->id);
      if (st.ok() && st->running >= a.workers) break;
      if (Clock::now() > deadline) die("trials did not start");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const auto t0 = Clock::now();
    if (auto r = c.cancel(acc->id); !r.ok()) die(r.status().ToString());
    for (;;) {
      auto st = c.status(acc->id);
      if (st.ok() && is_terminal(st->status)) break;
      if (Clock::now() > deadline) die("cancel did not finish");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (i >= 0) ms.push_back(seconds_since(t0) * 1000);
  }
  std::printf(
      "cancel %8d jobs    request to cancelled (every running trial stopped): p50 %.1f ms  "
      "p99 %.1f ms  max %.1f ms\n",
      reps, percentile(ms, 0.5), percentile(ms, 0.99), percentile(ms, 1.0));
}

// Status round trips polled 1,000 times a second while `spec` runs; prints them and returns the
// run (its trials per second).
// The pollers start before the submit (asking for health until the job's id is known), so that
// a submit that held the broker's loop shows in the figures.
Run status_while_running(LocalCluster& cluster, const char* name, const nlohmann::json& spec) {
  constexpr int kClients = 4;
  constexpr int kPerClientHz = 250;  // 4 x 250 = 1,000 polls per second
  std::atomic<bool> stop{false};
  std::mutex id_mu;
  std::string id;
  std::vector<std::vector<double>> lat(kClients);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < kClients; ++k) {
    threads.emplace_back([&, k] {
      client::Client mine(cluster.endpoints().frontend);
      auto next = Clock::now();
      while (!stop.load()) {
        next += std::chrono::microseconds(1'000'000 / kPerClientHz);
        std::string job;
        {
          std::lock_guard lock(id_mu);
          job = id;
        }
        const auto q0 = Clock::now();
        if (job.empty()) {
          if (!mine.health().ok()) ++errors;
        } else if (auto st = mine.status(job); !st.ok()) {
          ++errors;
        } else if (is_terminal(st->status)) {
          stop.store(true);
        }
        lat[k].push_back(seconds_since(q0) * 1000);
        std::this_thread::sleep_until(next);  // the poll rate, not a wait for a condition
      }
    });
  }
  client::Client c(cluster.endpoints().frontend);
  const auto t0 = Clock::now();
  auto acc = c.submit(JobKind::kOptimization, spec);
  if (!acc.ok()) die(acc.status().ToString());
  {
    std::lock_guard lock(id_mu);
    id = acc->id;
  }
  client::WaitOptions w;
  w.poll_interval = std::chrono::milliseconds(50);
  auto st = c.wait(acc->id, w);
  const double s = seconds_since(t0);
  stop.store(true);
  for (auto& t : threads) t.join();
  if (!st.ok() || st->status != JobState::kCompleted) die(std::string(name) + ": did not complete");
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::printf(
      "  %-13s %8llu trials in %.2f s (%.0f trials/s); %zu status polls: p50 %.2f ms  p99 %.2f ms  "
      "max %.2f ms  errors %d\n",
      name, static_cast<unsigned long long>(st->total), s, double(st->total) / s, all.size(),
      percentile(all, 0.5), percentile(all, 0.99), percentile(all, 1.0), errors.load());
  return {st->total, s};
}

void status_under_load(const Args& a) {
  LocalCluster cluster;
  start(cluster, a.workers);
  std::printf("status: while sma_cross runs over GOOG\n");
  (void)status_while_running(cluster, "goog", goog_spec(a.scale));
}

// The same trials with and without a constraint (issue: a constraint stalled the broker, which
// re-evaluated it thousands of times per result). The constrained job's grid has 2 points per
// admissible one, and its constraint is a 3 kB expression, near the 4 kB limit.
// The GOOG trials with and without their return statistics (the broker's --no-robustness): what
// the per-block sums cost the workers and the broker per trial, and the job's wall time, which
// with them includes the statistics computed at its end (the broker logs how long they took).
void robustness(const Args& a) {
  const nlohmann::json spec = goog_spec(a.scale);
  Run runs[2];
  CpuUse per_trial[2];
  std::string logged;
  for (int with = 1; with >= 0; --with) {
    testing::ClusterOptions o;
    if (!with) o.broker_args = {"--no-robustness"};
    LocalCluster cluster(o);
    start(cluster, a.workers);
    client::Client c(cluster.endpoints().frontend);
    (void)on_cluster(c, goog_spec(0.02));  // warm-up: both workers hold GOOG
    const CpuUse before = cpu_use(cluster);
    runs[with] = on_cluster(c, spec);
    const CpuUse after = cpu_use(cluster);
    per_trial[with].broker = (after.broker - before.broker) * 1e6 / double(runs[with].trials);
    per_trial[with].workers = (after.workers - before.workers) * 1e6 / double(runs[with].trials);
    if (with) {
      const std::string log = cluster.broker_stderr();
      const size_t at = log.rfind("robustness statistics of");
      if (at != std::string::npos) logged = log.substr(at, log.find('\n', at) - at);
    }
  }
  std::printf(
      "robust %8llu trials  with statistics: %.3f s (workers %.1f us/trial, broker %.1f us/trial)"
      "  without: %.3f s (workers %.1f us/trial, broker %.1f us/trial)  wall ratio %.3f\n"
      "       broker: %s\n",
      static_cast<unsigned long long>(runs[1].trials), runs[1].seconds, per_trial[1].workers,
      per_trial[1].broker, runs[0].seconds, per_trial[0].workers, per_trial[0].broker,
      runs[1].seconds / runs[0].seconds, logged.c_str());
}

// A walk-forward's wall time against the cost of its own train trials: the same trials as plain
// jobs, one per window, each over its window's train bars written out as a CSV file of their own
// (the windows' out-of-sample part then shows as the difference), and against the plain
// optimization of the grid over all the bars. On GOOG (the demo grid, 500:250) each trial takes
// microseconds and a job's fixed cost shows; on a million synthetic bars (200,000:100,000) the
// trials dominate.
void walk_forward_case(const char* name, const TimeSeries& series, const WalkForward& wf,
                       int reps, const Args& a) {
  const nlohmann::json grid = {{"strategy", "sma_cross"},
                               {"space",
                                {{"fast", {{"start", 2}, {"stop", 40}, {"step", 2}}},
                                 {"slow", {{"start", 20}, {"stop", 120}, {"step", 10}}}}},
                               {"constraint", "fast < slow"}};
  const std::vector<WindowSpan> windows = walk_forward_windows(series.size(), wf);
  char dir_template[] = "/tmp/sweep-wf-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  std::vector<std::string> files = {"all.csv"};
  std::ofstream(dir + "/all.csv") << to_csv(series);
  for (const WindowSpan& w : windows) {
    files.push_back("train" + std::to_string(w.window) + ".csv");
    std::ofstream(dir + "/" + files.back()) << to_csv(*slice_market_data(series, w.train)->series);
  }
  // Without robustness statistics: a walk-forward has none, a plain job would compute them.
  testing::ClusterOptions o;
  o.broker_args = {"--data-dir", dir, "--no-robustness"};
  LocalCluster cluster(o);
  start(cluster, a.workers);
  client::Client c(cluster.endpoints().frontend);
  auto on = [&](const std::string& file) {
    nlohmann::json spec = grid;
    spec["dataset"] = {{"path", file}};
    return spec;
  };
  nlohmann::json walked = on("all.csv");
  walked["walk_forward"] = {{"train_bars", wf.train_bars}, {"test_bars", wf.test_bars}};
  // Warm-up: the workers hold every dataset.
  for (const std::string& f : files) (void)on_cluster(c, on(f));
  for (int rep = 0; rep < reps; ++rep) {
    const Run w = on_cluster(c, walked);
    Run own;
    for (size_t k = 1; k < files.size(); ++k) {
      const Run r = on_cluster(c, on(files[k]));
      own.trials += r.trials;
      own.seconds += r.seconds;
    }
    const Run plain = on_cluster(c, on("all.csv"));
    std::printf(
        "walk %-5s %llu trials + %zu out-of-sample runs: %.3f s  its train trials as %zu plain "
        "jobs: %.3f s  ratio %.2f  plain optimization of the grid: %.3f s (%llu trials)  ratio "
        "%.2f\n",
        name, static_cast<unsigned long long>(w.trials - windows.size()), windows.size(),
        w.seconds, windows.size(), own.seconds, w.seconds / own.seconds, plain.seconds,
        static_cast<unsigned long long>(plain.trials), w.seconds / plain.seconds);
  }
  for (const std::string& f : files) std::remove((dir + "/" + f).c_str());
  rmdir(dir.c_str());
}

void walk_forward(const Args& a) {
  auto goog = load_dataset(std::string(SWEEP_DATA_DIR) + "/GOOG.csv");
  if (!goog.ok()) die(goog.status().ToString());
  const int reps = std::max(1, static_cast<int>(3 * a.scale));
  walk_forward_case("goog", *goog, {500, 250, false}, reps, a);
  const auto bars = static_cast<uint64_t>(1'000'000 * a.scale);
  walk_forward_case("1M", make_synthetic(bars, 5), {bars / 5, bars / 10, false}, 2, a);
}

void constraint(const Args& a) {
  const auto n = static_cast<uint64_t>(200'000 * a.scale);
  const nlohmann::json plain = label_spec("noop", n, 16);
  nlohmann::json constrained = label_spec("noop", 2 * n, 16);
  nlohmann::json short_one = constrained;
  short_one["constraint"] = "n < " + std::to_string(n);
  std::string expr = "n < " + std::to_string(n);
  while (expr.size() < 3000) expr += " and n >= 0";
  constrained["constraint"] = expr;
  LocalCluster cluster;
  start(cluster, a.workers);
  {
    client::Client c(cluster.endpoints().frontend);
    (void)on_cluster(c, label_spec("noop", 1000, 16));  // warm-up
  }
  std::printf("constraint: %llu noop trials, %zu-character constraint\n",
              static_cast<unsigned long long>(n), expr.size());
  const Run u = status_while_running(cluster, "unconstrained", plain);
  const Run k = status_while_running(cluster, "n < N", short_one);
  const Run l = status_while_running(cluster, "3 kB", constrained);
  std::printf("  trials/s against unconstrained: n < N %.2f, 3 kB %.2f\n", k.rate() / u.rate(),
              l.rate() / u.rate());
}

// A submit whose dataset takes the broker a while to generate, hash and store (1M bars x scale)
// while a client asks for health 200 times a second: the loop must keep answering (the dataset
// thread does the work), so the health max stays far below the submit's own time.
void big_submit(const Args& a) {
  LocalCluster cluster;
  start(cluster, a.workers);
  const auto bars = static_cast<uint64_t>(1'000'000 * a.scale);
  nlohmann::json spec = {{"dataset", {{"synthetic", {{"bars", bars}, {"seed", 99}}}}},
                         {"strategy", "sma_cross"},
                         {"space", {{"fast", {5, 10}}, {"slow", {20, 30}}}}};
  std::atomic<bool> stop{false};
  std::vector<double> lat;
  int errors = 0;
  std::thread poller([&] {
    client::Client mine(cluster.endpoints().frontend);
    auto next = Clock::now();
    while (!stop.load()) {
      next += std::chrono::milliseconds(5);
      const auto t0 = Clock::now();
      if (!mine.health().ok()) ++errors;
      lat.push_back(seconds_since(t0) * 1000);
      std::this_thread::sleep_until(next);  // the poll rate, not a wait for a condition
    }
  });
  client::ClientOptions o;
  o.timeout = std::chrono::seconds(60);
  client::Client c(cluster.endpoints().frontend, o);
  const auto t0 = Clock::now();
  auto acc = c.submit(JobKind::kOptimization, spec);
  const double s = seconds_since(t0);
  stop.store(true);
  poller.join();
  if (!acc.ok()) die("submit: " + acc.status().ToString());
  std::printf(
      "big-submit %llu-bar synthetic dataset: accepted after %.3f s; meanwhile %zu health "
      "polls: p50 %.2f ms  max %.2f ms  errors %d\n",
      static_cast<unsigned long long>(bars), s, lat.size(), percentile(lat, 0.5),
      percentile(lat, 1.0), errors);
}

// A worker with 2 slots running GOOG trials and at least 1,000 more queued with it is sent
// SIGTERM: the time until it exits (queued leases handed back, the running trials finished, bye),
// and, once the job is done on the other worker, how many trials were charged an extra attempt.
void drain(const Args& a) {
  LocalCluster cluster;
  cluster.start_broker();
  testing::ChildProcess& victim = cluster.add_worker(2);
  cluster.add_worker(1);
  client::Client c(cluster.endpoints().frontend);
  (void)on_cluster(c, goog_spec(0.02));  // warm-up: both workers hold GOOG
  auto acc = c.submit(JobKind::kOptimization, goog_spec(std::max(a.scale, 1.0)));
  if (!acc.ok()) die("submit: " + acc.status().ToString());
  uint32_t held = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (held < 1002) {
    if (Clock::now() > deadline) die("the worker never held 1,002 trials");
    auto h = c.health();
    if (h.ok()) {
      for (const auto& w : h->workers)
        if (w.pid == victim.pid()) held = w.busy;
    }
  }
  const auto t0 = Clock::now();
  victim.signal(SIGTERM);
  const auto status = victim.wait(std::chrono::seconds(60));
  const double ms = seconds_since(t0) * 1000;
  if (!status || !WIFEXITED(*status) || WEXITSTATUS(*status) != 0) die("the worker did not exit 0");
  client::WaitOptions w;
  w.poll_interval = std::chrono::milliseconds(5);
  auto st = c.wait(acc->id, w);
  if (!st.ok() || st->status != JobState::kCompleted) die("the job did not complete");
  uint64_t extra = 0, trials = 0;
  client::TrialsQuery q;
  q.limit = 1000;
  for (;; q.offset += q.limit) {
    auto page = c.trials(acc->id, q);
    if (!page.ok()) die(page.status().ToString());
    for (const auto& t : page->trials) extra += t.attempt > 1, ++trials;
    if (page->trials.size() < q.limit) break;
  }
  std::printf(
      "drain  SIGTERM to exit %.1f ms, the worker holding %u trials (2 running, the rest queued); "
      "%llu trials recorded, %llu with an extra attempt\n",
      ms, held, static_cast<unsigned long long>(trials), static_cast<unsigned long long>(extra));
}

}  // namespace
}  // namespace sweep

int main(int argc, char** argv) {
  sweep::Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) sweep::die(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--workers")
      a.workers = static_cast<unsigned>(std::stoul(value()));
    else if (arg == "--scale")
      a.scale = std::stod(value());
    else if (arg == "--only")
      a.only = value();
    else
      sweep::die("unknown argument " + arg);
  }
  auto want = [&](const char* name) { return a.only.empty() || a.only == name; };
  std::printf("cluster_bench: %u workers x 1 slot vs %u threads in process, %u CPUs\n", a.workers,
              a.workers, std::thread::hardware_concurrency());
  if (want("goog")) sweep::side_by_side("goog", sweep::goog_spec(a.scale), a);
  if (want("5ms")) {
    // 500 bars x 10 us: 5 ms a trial.
    const auto n = static_cast<uint64_t>(400 * a.scale);
    sweep::side_by_side("5ms", sweep::label_spec("slow", n, 500, {{"us_per_bar", {10}}}), a);
  }
  if (want("noop")) sweep::noop(a);
  if (want("cancel")) sweep::cancel_latency(a);
  if (want("status")) sweep::status_under_load(a);
  if (want("big-submit")) sweep::big_submit(a);
  if (want("constraint")) sweep::constraint(a);
  if (want("robustness")) sweep::robustness(a);
  if (want("walk_forward")) sweep::walk_forward(a);
  if (want("drain")) sweep::drain(a);
  return 0;
}
