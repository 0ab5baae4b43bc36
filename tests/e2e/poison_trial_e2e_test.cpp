// A poison trial: one parameter value crashes its worker (SIGSEGV or SIGABRT) every time. Real
// broker and worker processes; the test plays the supervisor and starts a new worker for each
// one that dies. The trial must fail after max_attempts with the signal in its reason; every
// other trial completes exactly once, and without being charged an attempt for the crashes.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <csignal>
#include <filesystem>
#include <map>
#include <vector>

#include "cluster.hpp"
#include "e2e_helpers.hpp"

namespace sweep {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct PoisonCase {
  const char* strategy;
  int signal;
  const char* signal_name;
};

class PoisonTrialE2E : public ::testing::TestWithParam<PoisonCase> {};

constexpr int kTrials = 40;
constexpr int kPoison = 17;
constexpr int kMaxAttempts = 3;
constexpr size_t kWorkers = 2;

TEST_P(PoisonTrialE2E, FailsAfterMaxAttemptsWithTheSignalAndTheRestCompleteOnce) {
  const PoisonCase& pc = GetParam();
  // No core files from the workers this test crashes on purpose (children inherit the limit).
  rlimit core = {};
  ASSERT_EQ(getrlimit(RLIMIT_CORE, &core), 0);
  core.rlim_cur = 0;
  ASSERT_EQ(setrlimit(RLIMIT_CORE, &core), 0);
  testing::LocalCluster cluster;
  cluster.start_broker();
  for (size_t i = 0; i < kWorkers; ++i) cluster.add_worker(1);
  client::Client client(cluster.endpoints().frontend);

  const nlohmann::json spec = {{"dataset", {{"synthetic", {{"bars", 300}, {"seed", 5}}}}},
                               {"strategy", pc.strategy},
                               {"space",
                                {{"value", {{"start", 0}, {"stop", kTrials - 1}, {"step", 1}}},
                                 {"trigger", {kPoison}},
                                 {"at_bar", {50}}}},
                               {"max_attempts", kMaxAttempts}};
  const auto t0 = Clock::now();
  auto acc = client.submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();

  // Supervise: a worker that died is replaced, and how it died is counted.
  std::map<int, int> deaths;  // by signal; -1: any other end
  int died = 0;
  std::vector<bool> counted;  // by index in cluster.workers()
  auto supervise = [&] {
    auto& ws = cluster.workers();
    counted.resize(ws.size(), false);
    for (size_t i = 0; i < ws.size(); ++i) {
      if (counted[i] || ws[i]->running()) continue;
      const auto st = ws[i]->wait(0ms);
      ++deaths[st && WIFSIGNALED(*st) ? WTERMSIG(*st) : -1];
      ++died;
      counted[i] = true;
    }
    while (ws.size() - static_cast<size_t>(died) < kWorkers) cluster.add_worker(1);
  };
  protocol::StatusReply last;
  const bool ended = e2e::wait_until(
      [&] {
        supervise();
        auto st = client.status(acc->id);
        if (st.ok()) last = *st;
        return st.ok() && is_terminal(st->status);
      },
      60s);
  const double took_s = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(ended) << "job not terminal; last " << job_state_name(last.status) << " "
                     << last.completed << "+" << last.failed << "\n"
                     << cluster.broker_stderr();

  // The last crash is acknowledged before its worker dies: the job may end first.
  e2e::wait_until(
      [&] {
        supervise();
        return died >= kMaxAttempts;
      },
      10s);
  EXPECT_EQ(last.status, JobState::kCompleted);
  EXPECT_EQ(last.completed, uint64_t{kTrials - 1});
  EXPECT_EQ(last.failed, 1u);
  // Every attempt at the poison trial killed a worker, by that signal, and nothing else did.
  EXPECT_EQ(deaths[pc.signal], kMaxAttempts);
  EXPECT_EQ(deaths.size(), 1u);
  // The broker heard it from the worker (a `crashed` message), not from silence.
  const std::string log = cluster.broker_stderr();
  EXPECT_NE(log.find(std::string("crashed with ") + pc.signal_name), std::string::npos) << log;
  EXPECT_EQ(log.find("missed heartbeats"), std::string::npos) << log;

  const auto trials = e2e::all_trials(client, acc->id);
  ASSERT_EQ(trials.size(), size_t{kTrials});
  std::map<uint64_t, int> seen;
  for (const auto& t : trials) {
    ++seen[t.index];
    if (t.params.get_int("value") == kPoison) {
      EXPECT_EQ(t.status, TrialState::kFailed);
      EXPECT_EQ(t.attempt, uint32_t{kMaxAttempts});
      const std::string& why = t.error_message;
      EXPECT_NE(why.find(std::string("crashed with ") + pc.signal_name), std::string::npos) << why;
      EXPECT_NE(why.find("while running this trial"), std::string::npos) << why;
      EXPECT_NE(why.find("after " + std::to_string(kMaxAttempts) + " attempts"), std::string::npos)
          << why;
    } else {
      EXPECT_EQ(t.status, TrialState::kCompleted) << "trial " << t.index << ": " << t.error_message;
      // Trials queued at a crashing worker went back without being charged an attempt.
      EXPECT_EQ(t.attempt, 1u) << "trial " << t.index;
    }
  }
  EXPECT_EQ(seen.size(), size_t{kTrials});
  for (const auto& [index, n] : seen) EXPECT_EQ(n, 1) << "trial " << index;
  std::printf("[ figure ] %s: %d trials, %d worker deaths, job done in %.2f s\n", pc.strategy,
              kTrials, died, took_s);
}

// `sweep up` restarts a crashed worker and says by which signal it died.
TEST(PoisonTrialSweepUp, LogsTheSignalAWorkerDiedByAndRestartsIt) {
  rlimit core = {};
  ASSERT_EQ(getrlimit(RLIMIT_CORE, &core), 0);
  core.rlim_cur = 0;
  ASSERT_EQ(setrlimit(RLIMIT_CORE, &core), 0);
  char dir[] = "/tmp/sweep-up-poison-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  testing::ChildProcess up(
      testing::bin_dir() + "/sweep",
      {"up", "--workers", "1", "--slots", "1", "--db", std::string(dir) + "/s.db", "--plugin",
       testing::lib_dir() + "/libsweep_test_plugin.so"});
  auto ready = up.wait_for_line("sweep up ready frontend=", 30s);
  ASSERT_TRUE(ready) << up.stderr_text();
  client::Client client(ready->substr(0, ready->find(' ')));
  const nlohmann::json spec = {
      {"dataset", {{"synthetic", {{"bars", 100}, {"seed", 5}}}}},
      {"strategy", "segv_on"},
      {"space", {{"value", {0, 1, 2}}, {"trigger", {1}}, {"at_bar", {10}}}},
      {"max_attempts", 1}};
  auto acc = client.submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  protocol::StatusReply last;
  ASSERT_TRUE(e2e::wait_until(
      [&] {
        auto st = client.status(acc->id);
        if (st.ok()) last = *st;
        return st.ok() && is_terminal(st->status);
      },
      30s))
      << up.stderr_text();
  EXPECT_EQ(last.status, JobState::kCompleted);
  EXPECT_EQ(last.completed, 2u);
  EXPECT_EQ(last.failed, 1u);
  // The job completed after the crash, so the restarted worker ran the rest (or they ran first).
  const std::string log = up.stderr_text();
  EXPECT_NE(log.find("died by SIGSEGV (Segmentation fault); restarting"), std::string::npos) << log;
  up.signal(SIGTERM);
  EXPECT_TRUE(up.wait(20s).has_value());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Signals, PoisonTrialE2E,
                         ::testing::Values(PoisonCase{"segv_on", SIGSEGV, "SIGSEGV"},
                                           PoisonCase{"abort_on", SIGABRT, "SIGABRT"}),
                         [](const auto& info) { return std::string(info.param.strategy); });

}  // namespace
}  // namespace sweep
