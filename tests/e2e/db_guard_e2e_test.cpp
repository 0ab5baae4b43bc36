// The broker's database vanishing or shared, with real processes (broker/db_guard.hpp): a second
// sweep-broker on the same --db is refused and exits 1 naming the first; the file deleted or
// replaced under a running broker is noticed, reported by `health`, and every submit refused as
// `unavailable` with the reason, instead of accepting jobs into a file that vanishes at exit.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "cluster.hpp"
#include "e2e_helpers.hpp"
#include "sanitizers.hpp"

namespace sweep {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using e2e::seconds_since;
using e2e::slow_spec;
using e2e::wait_until;
using SteadyClock = std::chrono::steady_clock;

TEST(DbGuardE2E, ASecondBrokerOnTheSameDatabaseExitsNamingTheFirst) {
  testing::LocalCluster cluster;
  cluster.start_broker();
  cluster.add_worker(1);
  client::Client client(cluster.endpoints().frontend);
  auto job = client.submit(JobKind::kOptimization, slow_spec(20, 50));
  ASSERT_TRUE(job.ok()) << job.status().ToString();

  const auto started = SteadyClock::now();
  testing::ChildProcess second(
      testing::bin_dir() + "/sweep-broker",
      {"--db", cluster.db_path(), "--frontend", "tcp://127.0.0.1:*", "--backend",
       "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*", "--telemetry", "tcp://127.0.0.1:*"});
  const auto status = second.wait(10s * sweep::testing::kSlowdown);
  const double exit_s = seconds_since(started);
  ASSERT_TRUE(status.has_value()) << "the second broker is still running";
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  const std::string err = second.stderr_text();
  EXPECT_NE(err.find("database " + cluster.db_path() + " is in use by sweep-broker pid " +
                     std::to_string(cluster.broker().pid()) + " on host "),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("(lock " + cluster.db_path() + ".lock)"), std::string::npos) << err;

  // The first serves on, its job untouched: completed once, by its own worker.
  auto health = client.health();
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ(health->store_error, "");
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client.status(job->id);
        return st.ok() && st->status == JobState::kCompleted;
      },
      60s))
      << cluster.broker_stderr();
  EXPECT_EQ(e2e::all_trials(client, job->id).size(), 20u);
  std::printf("[ figure ] second broker exited 1 after %.3f s: %s", exit_s, err.c_str());

  // Once the first is gone (killed: no clean-up of its lock file), a broker starts on the file.
  cluster.kill_broker(SIGKILL);
  cluster.start_broker();
  client::Client again(cluster.endpoints().frontend);
  auto st = again.status(job->id);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->status, JobState::kCompleted);
}

// The broker with a job running, then `mutate` done to its database file; what the broker then
// does, with `expected` in the reason.
void expect_noticed(const std::function<void(const std::string& db)>& mutate,
                    const std::string& expected) {
  testing::LocalCluster cluster;
  cluster.start_broker();
  cluster.add_worker(1);
  client::Client client(cluster.endpoints().frontend);
  // 400 trials of 10 ms: still running well after the file goes.
  auto job = client.submit(JobKind::kOptimization, slow_spec(400, 50));
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client.status(job->id);
        return st.ok() && st->completed >= 5;
      },
      30s));

  const auto mutated = SteadyClock::now();
  mutate(cluster.db_path());
  std::string store_error;
  ASSERT_TRUE(wait_until(
      [&] {
        auto h = client.health();
        if (h.ok()) store_error = h->store_error;
        return !store_error.empty();
      },
      10s * sweep::testing::kSlowdown))
      << cluster.broker_stderr();
  const double noticed_s = seconds_since(mutated);
  const std::string reason = "database file " + cluster.db_path() + expected;
  EXPECT_EQ(store_error.rfind(reason, 0), 0u) << store_error;

  // Every submit is refused, naming the reason; the log says it once.
  auto refused = client.submit(JobKind::kOptimization, slow_spec(2, 0));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find(reason), std::string::npos)
      << refused.status().message();
  auto backtest = client.submit(JobKind::kBacktest, {{"dataset", {{"path", "GOOG.csv"}}},
                                                     {"strategy", "sma_cross"},
                                                     {"params", {{"fast", 10}, {"slow", 30}}}});
  ASSERT_FALSE(backtest.ok());
  EXPECT_EQ(backtest.status().code(), Code::kUnavailable);
  const std::string log = cluster.broker_stderr();
  EXPECT_NE(log.find(reason), std::string::npos) << log;
  EXPECT_EQ(log.find(reason), log.rfind(reason)) << "logged more than once:\n" << log;

  // Dispatch pauses: the trials in hand finish, no more are handed out.
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client.status(job->id);
        return st.ok() && st->running == 0;
      },
      10s * sweep::testing::kSlowdown));
  auto paused = client.status(job->id);
  ASSERT_TRUE(paused.ok());
  EXPECT_GT(paused->queued, 0u);
  EXPECT_FALSE(wait_until(
      [&] {
        auto st = client.status(job->id);
        return st.ok() && st->completed + st->failed > paused->completed + paused->failed;
      },
      1s))
      << "trials were still dispatched";
  EXPECT_TRUE(cluster.broker().running());
  std::printf("[ figure ] %s noticed %.3f s after the change; %llu of 400 trials done, paused\n",
              expected.c_str(), noticed_s, static_cast<unsigned long long>(paused->completed));
}

TEST(DbGuardE2E, ADeletedDatabaseIsNoticedAndSubmitsAreRefused) {
  expect_noticed(
      [](const std::string& db) {
        for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db + suffix);
      },
      " was deleted while the broker ran");
}

TEST(DbGuardE2E, AReplacedDatabaseIsNoticedAndSubmitsAreRefused) {
  expect_noticed(
      [](const std::string& db) {
        // An older copy put back the way a restore would: another file renamed over the path.
        fs::copy_file(db, db + ".restore");
        fs::rename(db + ".restore", db);
      },
      " was replaced by another file while the broker ran");
}

}  // namespace
}  // namespace sweep
