// End-to-end: workers that die or hang mid-trial (DESIGN §1 leases, issue "Reliability"). A real
// sweep-broker with a short heartbeat (200 ms, liveness 3) and real sweep-worker processes; the
// test kills or stops one of them while it runs a trial and checks that the broker notices in
// bounded time, runs the trial elsewhere, and records every trial exactly once. Also: `sweep up`
// restarts a local worker that dies.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "cluster.hpp"
#include "e2e_helpers.hpp"
#include "sweep/client.hpp"
#include "wait.hpp"

namespace sweep {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ChildProcess;
using testing::LocalCluster;

constexpr int kHeartbeatMs = 200;  // the broker's; liveness 3: a silent worker is dead at 600 ms

using sweep::testing::wait_until;

// `n` trials of about `ms` each (the test plugin's `slow`: 500 bars), up to 3 attempts.
nlohmann::json slow_spec(int n, int ms) {
  return {
      {"dataset", {{"synthetic", {{"bars", 500}, {"seed", 3}}}}},
      {"strategy", "slow"},
      {"space", {{"n", {{"start", 0}, {"stop", n - 1}, {"step", 1}}}, {"us_per_bar", {ms * 2}}}},
      {"max_attempts", 3}};
}

std::vector<protocol::TrialRecord> all_trials(client::Client& c, const std::string& id) {
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

class WorkerFaultsE2E : public ::testing::Test {
 protected:
  WorkerFaultsE2E()
      : cluster_(testing::ClusterOptions{{"--heartbeat-ms", std::to_string(kHeartbeatMs)}}) {}

  void SetUp() override {
    cluster_.start_broker();
    cluster_.add_worker(1);
    cluster_.add_worker(1);
    client_ = std::make_unique<client::Client>(cluster_.endpoints().frontend);
    ASSERT_TRUE(wait_until([&] { return worker_count() == 2; }, 20s)) << cluster_.broker_stderr();
  }

  size_t worker_count() {
    auto h = client_->health();
    return h.ok() ? h->workers.size() : 0;
  }
  // The worker with this pid as the broker sees it, if it is registered.
  std::optional<protocol::WorkerInfo> worker(pid_t pid) {
    auto h = client_->health();
    if (!h.ok()) return std::nullopt;
    for (const auto& w : h->workers)
      if (w.pid == pid) return w;
    return std::nullopt;
  }

  protocol::StatusReply wait_terminal(const std::string& id) {
    const protocol::StatusReply last = e2e::wait_terminal(*client_, id, 60s);
    EXPECT_TRUE(is_terminal(last.status)) << "last status " << job_state_name(last.status) << "\n"
                                          << cluster_.broker_stderr();
    return last;
  }

  // Every trial recorded exactly once, completed; returns them by index.
  std::map<uint64_t, protocol::TrialRecord> expect_each_trial_once(const std::string& id, int n) {
    std::map<uint64_t, protocol::TrialRecord> by_index;
    const auto trials = all_trials(*client_, id);
    EXPECT_EQ(trials.size(), size_t(n));
    for (const auto& t : trials) {
      EXPECT_TRUE(by_index.emplace(t.index, t).second) << "trial " << t.index << " twice";
      EXPECT_EQ(t.status, TrialState::kCompleted) << "trial " << t.index << ": " << t.error_message;
    }
    EXPECT_EQ(by_index.size(), size_t(n));
    return by_index;
  }

  // Starts a job and returns once worker `victim` is running one of its trials.
  std::string start_job_and_wait_busy(ChildProcess& victim, int n, int ms) {
    auto acc = client_->submit(JobKind::kOptimization, slow_spec(n, ms));
    EXPECT_TRUE(acc.ok()) << acc.status().ToString();
    if (!acc.ok()) return "";
    EXPECT_TRUE(wait_until(
        [&] {
          auto st = client_->status(acc->id);
          auto w = worker(victim.pid());
          return st.ok() && st->completed >= 4 && w && w->busy > 0;
        },
        30s))
        << cluster_.broker_stderr();
    return acc->id;
  }

  LocalCluster cluster_;
  std::unique_ptr<client::Client> client_;
};

TEST_F(WorkerFaultsE2E, AWorkerKilledMidTrialIsDetectedAndItsTrialRunsElsewhereOnce) {
  constexpr int kTrials = 40;
  ChildProcess& victim = *cluster_.workers()[0];
  const std::string id = start_job_and_wait_busy(victim, kTrials, 50);
  ASSERT_FALSE(id.empty());

  const auto t0 = Clock::now();
  victim.signal(SIGKILL);
  ASSERT_TRUE(wait_until([&] { return !worker(victim.pid()); }, 10s)) << cluster_.broker_stderr();
  const double detect_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  // Missed heartbeats (3 x 200 ms) plus the broker's housekeeping tick: well under 2 s.
  EXPECT_LT(detect_ms, 2000.0);

  const auto final = wait_terminal(id);
  EXPECT_EQ(final.status, JobState::kCompleted);
  EXPECT_EQ(final.completed, uint64_t{kTrials});
  EXPECT_EQ(final.failed, 0u);
  const auto trials = expect_each_trial_once(id, kTrials);
  // The trial the dead worker was running ran again: a second attempt, by the other worker.
  int second_attempts = 0;
  for (const auto& [index, t] : trials) second_attempts += t.attempt == 2;
  EXPECT_GE(second_attempts, 1);
  EXPECT_NE(cluster_.broker_stderr().find("gone (missed heartbeats)"), std::string::npos)
      << cluster_.broker_stderr();
  std::printf("[ figure ] dead worker (SIGKILL) detected after %.0f ms (heartbeat %d ms x 3)\n",
              detect_ms, kHeartbeatMs);
  RecordProperty("dead_worker_detect_ms", static_cast<int>(detect_ms));
}

TEST_F(WorkerFaultsE2E, AHungWorkerIsDroppedItsLateResultIsDiscardedAndItRejoins) {
  constexpr int kTrials = 40;
  ChildProcess& victim = *cluster_.workers()[0];
  const std::string id = start_job_and_wait_busy(victim, kTrials, 50);
  ASSERT_FALSE(id.empty());

  const auto t0 = Clock::now();
  victim.signal(SIGSTOP);  // hangs: its process, sockets and heartbeats all stop
  ASSERT_TRUE(wait_until([&] { return !worker(victim.pid()); }, 10s)) << cluster_.broker_stderr();
  const double detect_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  EXPECT_LT(detect_ms, 2000.0);
  const auto final = wait_terminal(id);
  EXPECT_EQ(final.status, JobState::kCompleted);

  // Woken up, it finishes the trial it held and reports it, on a lease the broker gave away:
  // discarded. Then it notices the broker's silence and says hello again.
  victim.signal(SIGCONT);
  ASSERT_TRUE(wait_until([&] { return worker(victim.pid()).has_value(); }, 15s))
      << cluster_.broker_stderr();
  auto st = client_->status(id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->completed, uint64_t{kTrials});
  EXPECT_EQ(st->failed, 0u);
  expect_each_trial_once(id, kTrials);

  // The rejoined worker takes work again.
  auto again = client_->submit(JobKind::kOptimization, slow_spec(8, 5));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(wait_terminal(again->id).status, JobState::kCompleted);
  std::printf("[ figure ] hung worker (SIGSTOP) dropped after %.0f ms (heartbeat %d ms x 3)\n",
              detect_ms, kHeartbeatMs);
}

// `sweep up` binds to loopback unless told otherwise, and supervises its workers: one killed is
// restarted (a new pid registers) and the cluster keeps its size.
TEST(SweepUpE2E, BindsToLoopbackAndRestartsAWorkerThatDies) {
  namespace fs = std::filesystem;
  std::string dir_tmpl = (fs::temp_directory_path() / "sweep-up-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir_tmpl.data()), nullptr);
  const fs::path dir = dir_tmpl;
  {
    ChildProcess up(testing::bin_dir() + "/sweep",
                    {"up", "--workers", "2", "--slots", "1", "--db", (dir / "sweep.db").string()});
    const auto ready = up.wait_for_line("sweep up ready frontend=", 30s);
    ASSERT_TRUE(ready.has_value()) << up.stderr_text();
    const std::string frontend = ready->substr(0, ready->find(' '));
    client::Client c(frontend);
    std::vector<int64_t> pids;
    ASSERT_TRUE(wait_until(
        [&] {
          auto h = c.health();
          if (!h.ok() || h->workers.size() != 2) return false;
          pids = {h->workers[0].pid, h->workers[1].pid};
          return true;
        },
        20s))
        << up.stderr_text();

    // Nothing was said about endpoints: every socket is bound on loopback.
    auto h = c.health();
    ASSERT_TRUE(h.ok());
    for (const std::string& ep : {h->endpoints.frontend, h->endpoints.backend, h->endpoints.events,
                                  h->endpoints.telemetry}) {
      EXPECT_EQ(ep.rfind("tcp://127.0.0.1:", 0), 0u) << ep;
    }

    const auto t0 = Clock::now();
    ASSERT_EQ(kill(static_cast<pid_t>(pids[0]), SIGKILL), 0);
    // A new worker process registers in place of the dead one.
    ASSERT_TRUE(wait_until(
        [&] {
          auto h = c.health();
          if (!h.ok() || h->workers.size() != 2) return false;
          for (const auto& w : h->workers)
            if (w.pid == pids[0]) return false;
          return true;
        },
        20s))
        << up.stderr_text();
    const double replaced_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    EXPECT_NE(up.stderr_text().find("restarting"), std::string::npos) << up.stderr_text();
    std::printf("[ figure ] killed worker replaced by a registered new one after %.0f ms\n",
                replaced_ms);

    up.signal(SIGINT);  // a clean shutdown
    const auto status = up.wait(20s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << up.stderr_text();
  }
  fs::remove_all(dir);
}

// The pid of `parent`'s child process whose command is `name`, or -1.
pid_t child_named(pid_t parent, const std::string& name) {
  namespace fs = std::filesystem;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(parent) + "/task")) {
    std::ifstream children(task.path() / "children");
    for (pid_t pid; children >> pid;) {
      std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
      std::string c;
      if (std::getline(comm, c) && c == name) return pid;
    }
  }
  return -1;
}

// `sweep up` supervises its broker like its workers: one killed mid-job is started again on the
// endpoints it had (its ephemeral ports included), the worker and the client find it there, and
// the job resumes and ends with every trial recorded once.
TEST(SweepUpE2E, RestartsABrokerThatDiesOnTheSameEndpoints) {
  namespace fs = std::filesystem;
  std::string dir_tmpl = (fs::temp_directory_path() / "sweep-up-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir_tmpl.data()), nullptr);
  const fs::path dir = dir_tmpl;
  {
    ChildProcess up(testing::bin_dir() + "/sweep",
                    {"up", "--workers", "1", "--slots", "2", "--db", (dir / "sweep.db").string(),
                     "--plugin", testing::lib_dir() + "/libsweep_test_plugin.so"});
    const auto ready = up.wait_for_line("sweep up ready frontend=", 30s);
    ASSERT_TRUE(ready.has_value()) << up.stderr_text();
    const std::string frontend = ready->substr(0, ready->find(' '));
    client::Client c(frontend);
    constexpr int kTrials = 60;
    auto accepted = c.submit(JobKind::kOptimization, slow_spec(kTrials, 40));
    ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
    ASSERT_TRUE(wait_until(
        [&] {
          auto st = c.status(accepted->id);
          return st.ok() && st->completed >= 6;
        },
        30s))
        << up.stderr_text();

    const pid_t broker = child_named(up.pid(), "sweep-broker");
    ASSERT_GT(broker, 0);
    const auto t0 = Clock::now();
    ASSERT_EQ(kill(broker, SIGKILL), 0);
    ASSERT_TRUE(wait_until(
        [&] {
          const pid_t now = child_named(up.pid(), "sweep-broker");
          return now > 0 && now != broker && c.health().ok();
        },
        30s))
        << up.stderr_text();
    const double back_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    EXPECT_NE(up.stderr_text().find("restarting on the same endpoints"), std::string::npos)
        << up.stderr_text();

    protocol::StatusReply last;
    ASSERT_TRUE(wait_until(
        [&] {
          auto st = c.status(accepted->id);
          if (st.ok()) last = *st;
          return st.ok() && is_terminal(st->status);
        },
        60s))
        << up.stderr_text();
    EXPECT_EQ(last.status, JobState::kCompleted);
    EXPECT_EQ(last.completed, uint64_t(kTrials));
    const auto trials = all_trials(c, accepted->id);
    std::map<uint64_t, int> seen;
    for (const auto& t : trials) ++seen[t.index];
    EXPECT_EQ(trials.size(), size_t(kTrials));
    EXPECT_EQ(seen.size(), size_t(kTrials));
    std::printf("[ figure ] sweep up: killed broker serving again on %s after %.0f ms\n",
                frontend.c_str(), back_ms);

    up.signal(SIGINT);
    const auto status = up.wait(20s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << up.stderr_text();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sweep
