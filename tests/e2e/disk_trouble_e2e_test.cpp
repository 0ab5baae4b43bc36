// Disk trouble under a real broker and workers: the database locked by another process for a
// while (SQLite busy), and the database full (PRAGMA max_page_count through the broker's hidden
// --max-db-pages, the way a full disk fails SQLite). Accepted jobs and their trial rows must not
// be lost, a submit that cannot be stored must be refused with a clear error, and the broker
// must keep serving.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>

#include "cluster.hpp"
#include "e2e_helpers.hpp"

namespace sweep {
namespace {

using namespace std::chrono_literals;
using e2e::OtherConnection;
using e2e::slow_spec;
using e2e::wait_terminal;
using e2e::wait_until;

// Every trial of the job recorded exactly once, completed.
void expect_every_trial_once(client::Client& c, const std::string& id, uint64_t total) {
  const auto trials = e2e::all_trials(c, id);
  std::map<uint64_t, int> seen;
  for (const auto& t : trials) {
    ++seen[t.index];
    EXPECT_EQ(t.status, TrialState::kCompleted) << "job " << id << " trial " << t.index;
  }
  EXPECT_EQ(trials.size(), total) << "job " << id;
  EXPECT_EQ(seen.size(), total) << "job " << id;
  for (const auto& [index, n] : seen) EXPECT_EQ(n, 1) << "job " << id << " trial " << index;
}

TEST(DiskTroubleE2E, ADatabaseLockedByAnotherProcessRefusesSubmitsAndLosesNoTrialRow) {
  testing::LocalCluster cluster;
  cluster.start_broker();
  cluster.add_worker(1);
  cluster.add_worker(1);
  client::Client client(cluster.endpoints().frontend);
  // 200 trials of 10 ms on two workers: about 1 s of work, most of it under the lock.
  constexpr uint64_t kTrials = 200;
  auto running = client.submit(JobKind::kOptimization, slow_spec(kTrials, 50));
  ASSERT_TRUE(running.ok()) << running.status().ToString();
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client.status(running->id);
        return st.ok() && st->completed >= 10;
      },
      20s));

  OtherConnection other(cluster.db_path());
  ASSERT_TRUE(other.exec("BEGIN EXCLUSIVE"));
  const auto locked_at = std::chrono::steady_clock::now();
  // A submit cannot be made durable: refused, naming the cause.
  auto refused = client.submit(JobKind::kOptimization, slow_spec(10, 0));
  const double refused_after_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - locked_at).count();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("database busy"), std::string::npos)
      << refused.status().message();
  // Every trial finishes while the rows wait in the writer's queue; the writer's transaction
  // gives up on the lock (its busy_timeout) and is retried.
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client.status(running->id);
        return st.ok() && st->completed == kTrials &&
               cluster.broker_stderr().find("database busy") != std::string::npos;
      },
      30s))
      << cluster.broker_stderr();
  // Not stored yet, so not told: the job still reads running.
  auto unstored = client.status(running->id);
  ASSERT_TRUE(unstored.ok());
  EXPECT_EQ(unstored->status, JobState::kRunning);
  const double held_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - locked_at).count();
  ASSERT_TRUE(other.exec("COMMIT"));

  // Writing resumes: the job ends with every row, and new submits are accepted.
  const auto final = wait_terminal(client, running->id, 60s);
  EXPECT_EQ(final.status, JobState::kCompleted) << cluster.broker_stderr();
  EXPECT_EQ(final.completed, kTrials);
  expect_every_trial_once(client, running->id, kTrials);
  auto later = client.submit(JobKind::kOptimization, slow_spec(10, 0));
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_EQ(wait_terminal(client, later->id, 30s).status, JobState::kCompleted);
  EXPECT_TRUE(cluster.broker().running());
  std::printf(
      "[ figure ] submit refused after %.2f s; lock held %.2f s (past the writer's busy "
      "timeout); %llu trials recorded once after it\n",
      refused_after_s, held_s, static_cast<unsigned long long>(kTrials));
}

TEST(DiskTroubleE2E, AFullDatabaseRefusesSubmitsKeepsAcceptedJobsAndResumesThemAfterARestart) {
  testing::LocalCluster cluster;
  cluster.start_broker();  // creates the schema
  cluster.kill_broker(SIGTERM);
  int64_t schema_pages = 0;
  {
    OtherConnection db(cluster.db_path());
    schema_pages = db.scalar("PRAGMA page_count");
  }
  ASSERT_GT(schema_pages, 0);
  // Room for the dataset and a few jobs' rows, then full.
  cluster.options().broker_args = {"--max-db-pages", std::to_string(schema_pages + 24)};
  cluster.start_broker();
  cluster.add_worker(1);
  cluster.add_worker(1);
  client::Client client(cluster.endpoints().frontend);

  std::map<std::string, uint64_t> accepted;  // id -> total
  Status refusal;
  ASSERT_TRUE(wait_until(
      [&] {
        auto acc = client.submit(JobKind::kOptimization, slow_spec(100, 0));
        if (!acc.ok()) {
          refusal = acc.status();
          return true;
        }
        accepted[acc->id] = acc->total;
        return false;
      },
      60s))
      << "the database never filled up";
  EXPECT_EQ(refusal.code(), Code::kUnavailable) << refusal.ToString();
  EXPECT_NE(refusal.message().find("database or disk is full"), std::string::npos)
      << refusal.message();
  ASSERT_FALSE(accepted.empty());
  // The broker serves on: status of every accepted job, health.
  for (const auto& [id, total] : accepted) {
    auto st = client.status(id);
    ASSERT_TRUE(st.ok()) << id << ": " << st.status().ToString();
  }
  ASSERT_TRUE(client.health().ok());
  EXPECT_TRUE(cluster.broker().running());

  // Space comes back (no cap) after a restart: every accepted job resumes and completes with
  // each of its trials recorded once.
  cluster.kill_broker(SIGTERM);
  cluster.options().broker_args.clear();
  cluster.start_broker();
  for (const auto& [id, total] : accepted) {
    const auto final = wait_terminal(client, id, 60s);
    EXPECT_EQ(final.status, JobState::kCompleted) << id << "\n" << cluster.broker_stderr();
    EXPECT_EQ(final.completed, total) << id;
    expect_every_trial_once(client, id, total);
  }
  std::printf("[ figure ] cap %lld pages: %zu jobs accepted before \"%s\"\n",
              static_cast<long long>(schema_pages + 24), accepted.size(),
              refusal.message().c_str());
}

}  // namespace
}  // namespace sweep
