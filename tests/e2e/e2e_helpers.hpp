// Helpers of the fault tests (poison trials, network cut, disk trouble): waits on conditions with
// deadlines, every trial record of a job, and a look at the broker's database from outside.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster.hpp"
#include "sweep/client.hpp"
#include "sweep/data/csv_loader.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/optimizer.hpp"
#include "wait.hpp"

namespace sweep::e2e {

using sweep::testing::wait_until;

// `n` trials of the test plugin's `slow` strategy, `us_per_bar` x 200 bars each, one attempt.
inline nlohmann::json slow_spec(int n, int us_per_bar) {
  return {{"dataset", {{"synthetic", {{"bars", 200}, {"seed", 4}}}}},
          {"strategy", "slow"},
          {"space",
           {{"n", {{"start", 0}, {"stop", n - 1}, {"step", 1}}}, {"us_per_bar", {us_per_bar}}}},
          {"max_attempts", 1},
          {"top_k", 1}};
}

inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Every trial record of a job (pages of 1000).
inline std::vector<protocol::TrialRecord> all_trials(client::Client& c, const std::string& id) {
  std::vector<protocol::TrialRecord> out;
  client::TrialsQuery q;
  q.limit = 1000;
  for (;; q.offset += q.limit) {
    auto page = c.trials(id, q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    out.insert(out.end(), page->trials.begin(), page->trials.end());
    if (page->trials.size() < q.limit) break;
  }
  return out;
}

// The job's status once terminal, or the last one read when `timeout` passed first (callers
// check `is_terminal(status)`).
inline protocol::StatusReply wait_terminal(client::Client& c, const std::string& id,
                                           std::chrono::milliseconds timeout) {
  protocol::StatusReply last;
  wait_until(
      [&] {
        auto st = c.status(id);
        if (st.ok()) last = *st;
        return st.ok() && is_terminal(st->status);
      },
      timeout);
  return last;
}

// The GOOG demo grid (fast 2..40 step 2, slow 20..120 step 10, fast < slow: 202 trials) on
// `dataset`, its 3 best kept.
inline nlohmann::json demo_grid_spec(nlohmann::json dataset) {
  return {{"dataset", std::move(dataset)},
          {"strategy", "sma_cross"},
          {"space",
           {{"fast", {{"start", 2}, {"stop", 40}, {"step", 2}}},
            {"slow", {{"start", 20}, {"stop", 120}, {"step", 10}}}}},
          {"constraint", "fast < slow"},
          {"top_k", 3}};
}

inline const TimeSeries& goog() {
  static const TimeSeries s = load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv").value();
  return s;
}

// The in-process reference of a cluster job: `sweep optimize` on the same spec and data (its stop
// on target too), with the robustness statistics when `robustness`.
inline OptimizationResult optimize_in_process(const nlohmann::json& text, TimeSeries series,
                                              bool robustness = false) {
  static const StrategyRegistry registry = StrategyRegistry::WithBuiltins();
  JobSpec spec = parse_job_spec(text, JobKind::kOptimization).value();
  const StrategyInfo* info = registry.find(spec.strategy);
  spec = conform_to_schema(spec, info->params).value();
  const auto md = MarketData::Build(std::make_shared<const TimeSeries>(std::move(series)));
  OptimizeOptions opt;
  opt.threads = 2;
  opt.stop_value = spec.stop_value;
  if (robustness) opt.return_blocks = spec.pbo_blocks;
  return optimize(*md, *info, make_trial_plan(spec).value(), {spec.cash, spec.commission},
                  spec.objective, 1, opt)
      .value();
}

// A broker and one-slot workers on loopback (start), with a client to it.
class ClusterTest : public ::testing::Test {
 protected:
  void start(unsigned workers) {
    cluster_.start_broker();
    for (unsigned i = 0; i < workers; ++i) cluster_.add_worker(1);
    client_ = std::make_unique<client::Client>(cluster_.endpoints().frontend);
    wait_workers(workers);
  }
  void wait_workers(unsigned workers) {
    ASSERT_TRUE(wait_until(
        [&] {
          auto h = client_->health();
          return h.ok() && h->workers.size() >= workers;
        },
        std::chrono::seconds(20)))
        << cluster_.broker_stderr();
  }
  // An optimization's id ("" and a test failure when refused).
  std::string submit(const nlohmann::json& spec) {
    auto acc = client_->submit(JobKind::kOptimization, spec);
    EXPECT_TRUE(acc.ok()) << acc.status().ToString();
    return acc.ok() ? acc->id : "";
  }
  // Whether job `id` has `n` completed trials (or ended) within `timeout`.
  bool completed_at_least(const std::string& id, uint64_t n, std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
          auto st = client_->status(id);
          return st.ok() && (st->completed >= n || is_terminal(st->status));
        },
        timeout);
  }
  // Mid-run faults: the broker SIGKILLed once `broker_at` trials of job `id` are in and started
  // again, then worker 0 SIGKILLed once `worker_at` are (its trials run again elsewhere).
  void kill_broker_then_worker(const std::string& id, uint64_t broker_at, uint64_t worker_at,
                               std::chrono::milliseconds timeout) {
    ASSERT_TRUE(completed_at_least(id, broker_at, timeout)) << cluster_.broker_stderr();
    cluster_.kill_broker(SIGKILL);
    cluster_.start_broker();
    ASSERT_TRUE(completed_at_least(id, worker_at, timeout)) << cluster_.broker_stderr();
    cluster_.workers()[0]->signal(SIGKILL);
  }
  protocol::StatusReply wait_terminal(const std::string& id, std::chrono::milliseconds timeout) {
    const protocol::StatusReply last = e2e::wait_terminal(*client_, id, timeout);
    EXPECT_TRUE(is_terminal(last.status)) << "job " << id << " not terminal\n"
                                          << cluster_.broker_stderr();
    return last;
  }

  sweep::testing::LocalCluster cluster_;
  std::unique_ptr<client::Client> client_;
};

// A second SQLite connection to the broker's database, from this (another) process.
class OtherConnection {
 public:
  explicit OtherConnection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
    sqlite3_busy_timeout(db_, 10'000);
  }
  ~OtherConnection() { sqlite3_close(db_); }
  OtherConnection(const OtherConnection&) = delete;
  OtherConnection& operator=(const OtherConnection&) = delete;
  bool exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  // The first column of the first row (-1: none); `arg`, when given, is bound to `?1`.
  int64_t scalar(const std::string& sql, const std::string& arg = {}) {
    sqlite3_stmt* st = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        (arg.empty() || sqlite3_bind_text(st, 1, arg.c_str(), -1, SQLITE_TRANSIENT) == SQLITE_OK) &&
        sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace sweep::e2e
