// End-to-end: a real sweep-broker and real sweep-worker processes on ephemeral loopback ports
// (tests/support/cluster.hpp), driven through the C++ client library. Waits are conditions with
// deadlines.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
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
using testing::LocalCluster;

using sweep::testing::wait_until;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `n` trials of the test plugin's `strategy` over a synthetic series of `bars` bars.
nlohmann::json label_spec(const std::string& strategy, int n, int bars,
                          nlohmann::json extra = nlohmann::json::object()) {
  extra["n"] = {{"start", 0}, {"stop", n - 1}, {"step", 1}};
  return {{"dataset", {{"synthetic", {{"bars", bars}, {"seed", 3}}}}},
          {"strategy", strategy},
          {"space", extra},
          {"max_attempts", 1}};
}

// Every trial record of a job, by index (pages of 1000).
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

class ClusterE2E : public ::testing::Test {
 protected:
  void start(unsigned workers) {
    cluster_.start_broker();
    for (unsigned i = 0; i < workers; ++i) cluster_.add_worker(1);
    client_ = std::make_unique<client::Client>(cluster_.endpoints().frontend);
    ASSERT_TRUE(wait_until(
        [&] {
          auto h = client_->health();
          return h.ok() && h->workers.size() >= workers;
        },
        20s))
        << cluster_.broker_stderr();
  }
  protocol::StatusReply wait_terminal(const std::string& id, std::chrono::milliseconds timeout) {
    const protocol::StatusReply last = e2e::wait_terminal(*client_, id, timeout);
    EXPECT_TRUE(is_terminal(last.status))
        << "job " << id << " not terminal; last status " << job_state_name(last.status) << "\n"
        << cluster_.broker_stderr();
    return last;
  }

  LocalCluster cluster_;
  std::unique_ptr<client::Client> client_;
};

TEST_F(ClusterE2E, CancelMidRunStopsRunningTrialsAndKeepsCompletedOnes) {
  start(2);
  // 200 ms trials: some finish, two are running when the cancel comes.
  auto acc = client_->submit(JobKind::kOptimization,
                             label_spec("slow", 400, 2000, {{"us_per_bar", {100}}}));
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client_->status(acc->id);
        return st.ok() && st->completed >= 4 && st->running >= 1;
      },
      20s));
  const int64_t cancel_ms = wall_ms();
  const auto t0 = Clock::now();
  auto cancelled = client_->cancel(acc->id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_TRUE(cancelled->status == JobState::kCancelling ||
              cancelled->status == JobState::kCancelled);
  const auto final = wait_terminal(acc->id, 5s);
  const auto took = Clock::now() - t0;
  EXPECT_EQ(final.status, JobState::kCancelled);
  // The running trials stop within milliseconds (the engine checks every 4096 bars; these run
  // 2000 bars in 200 ms, so a trial may also simply end): well under a trial's length.
  EXPECT_LT(took, 1s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();

  const auto trials = all_trials(*client_, acc->id);
  uint64_t completed = 0;
  for (const auto& t : trials) {
    if (t.status == TrialState::kCompleted) {
      ++completed;
      // No trial started after the cancel was asked for.
      ASSERT_TRUE(t.started_at.has_value());
      EXPECT_LE(*t.started_at, cancel_ms + 50) << "trial " << t.index;
    }
  }
  EXPECT_EQ(completed, final.completed);
  EXPECT_GE(completed, 4u);
  EXPECT_LT(trials.size(), 400u);
  // Cancelling again: the job is terminal.
  auto again = client_->cancel(acc->id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kConflict);
  auto unknown = client_->cancel("jdoesnotexist");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Code::kNotFound);
}

TEST_F(ClusterE2E, ThrowingTrialsAreRecordedWithMessageAndStackTraceAndTheJobCompletes) {
  start(2);
  // bar -1 never throws; bars 3 and 7 throw: 2 of 3 trials of every n fail.
  auto acc = client_->submit(JobKind::kOptimization,
                             label_spec("throw_at_bar", 10, 50, {{"bar", {-1, 3, 7}}}));
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  const auto final = wait_terminal(acc->id, 30s);
  EXPECT_EQ(final.status, JobState::kCompleted);
  EXPECT_EQ(final.total, 30u);
  EXPECT_EQ(final.failed, 20u);
  EXPECT_EQ(final.completed, 10u);
  const auto trials = all_trials(*client_, acc->id);
  ASSERT_EQ(trials.size(), 30u);
  for (const auto& t : trials) {
    const int64_t bar = t.params.get_int("bar");
    if (bar < 0) {
      EXPECT_EQ(t.status, TrialState::kCompleted);
      EXPECT_TRUE(t.error_message.empty());
      EXPECT_TRUE(t.error_stack_trace.empty());
      continue;
    }
    EXPECT_EQ(t.status, TrialState::kFailed);
    EXPECT_EQ(t.error_message, "boom at bar " + std::to_string(bar));
    EXPECT_FALSE(t.error_stack_trace.empty());
    EXPECT_EQ(t.metrics[Metric::kFinalEquity], 0.0);  // zero metrics when failed
  }
}

TEST_F(ClusterE2E, BrokerKilledMidRunResumesAndRecordsEveryTrialOnce) {
  start(2);
  constexpr int kTrials = 120;
  auto acc = client_->submit(JobKind::kOptimization,
                             label_spec("slow", kTrials, 500, {{"us_per_bar", {60}}}));
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client_->status(acc->id);
        return st.ok() && st->completed >= 10;
      },
      30s));
  cluster_.kill_broker(SIGKILL);
  const auto t0 = Clock::now();
  cluster_.start_broker();  // same database, same endpoints: the workers reconnect by themselves
  // Status from memory while it runs, then completion.
  const auto final = wait_terminal(acc->id, 60s);
  const double resume_s = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(final.status, JobState::kCompleted);
  EXPECT_EQ(final.completed, uint64_t{kTrials});
  EXPECT_EQ(final.failed, 0u);
  const auto trials = all_trials(*client_, acc->id);
  std::map<uint64_t, int> seen;
  for (const auto& t : trials) ++seen[t.index];
  EXPECT_EQ(trials.size(), size_t{kTrials});
  EXPECT_EQ(seen.size(), size_t{kTrials});
  for (const auto& [index, n] : seen) EXPECT_EQ(n, 1) << "trial " << index;
  std::printf("[ figure ] resumed and finished %d trials %.2f s after the broker restart\n",
              kTrials, resume_s);

  // A finished job after another restart: status and the result come from SQLite.
  cluster_.kill_broker(SIGTERM);
  cluster_.start_broker();
  auto st = client_->status(acc->id);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->status, JobState::kCompleted);
  EXPECT_EQ(st->completed, uint64_t{kTrials});
  ASSERT_TRUE(st->result.is_object());
  EXPECT_TRUE(st->result.contains("best"));
}

TEST_F(ClusterE2E, ASubscriberReceivesProgressAndTheFinalState) {
  start(2);
  auto acc =
      client_->submit(JobKind::kOptimization, label_spec("slow", 60, 500, {{"us_per_bar", {40}}}));
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  int progress = 0, trial_events = 0;
  std::optional<JobState> final_state;
  uint64_t last_done = 0;
  bool monotone = true;
  client::SubscribeOptions o;
  o.deadline = Clock::now() + 60s;
  auto end = client_->subscribe(
      acc->id,
      [&](const protocol::Event& e) {
        if (const auto* p = std::get_if<protocol::ProgressEvent>(&e)) {
          ++progress;
          if (p->completed + p->failed < last_done) monotone = false;
          last_done = p->completed + p->failed;
        } else if (std::holds_alternative<protocol::TrialEvent>(e)) {
          ++trial_events;
        } else if (const auto* s = std::get_if<protocol::StateEvent>(&e)) {
          if (is_terminal(s->status)) final_state = s->status;
        }
      },
      o);
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(end->status, JobState::kCompleted);
  EXPECT_GE(progress, 1);
  EXPECT_GE(trial_events, 1);
  EXPECT_TRUE(monotone);
  ASSERT_TRUE(final_state.has_value());
  EXPECT_EQ(*final_state, JobState::kCompleted);
}

TEST_F(ClusterE2E, ABacktestOnTheClusterReproducesTheReferenceWithItsTrades) {
  start(1);
  nlohmann::json spec = {{"dataset", {{"path", "GOOG.csv"}}},
                         {"strategy", "sma_cross"},
                         {"params", {{"fast", 10}, {"slow", 30}}}};
  auto acc = client_->submit(JobKind::kBacktest, spec);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  const auto final = wait_terminal(acc->id, 30s);
  ASSERT_EQ(final.status, JobState::kCompleted);
  const auto& r = final.result;
  ASSERT_TRUE(r.is_object());
  EXPECT_NEAR(r["metrics"]["final_equity"].get<double>(), 51422.99, 0.005);
  ASSERT_EQ(r["trades"].size(), 66u);
  EXPECT_EQ(r["trade_count"], 66);
  EXPECT_EQ(r["trades"][0]["entry_time"].get<std::string>().size(), 10u);  // a date
  EXPECT_LE(r["equity"].size(), 2000u);  // downsampled to at most the result's 2,000 points
  EXPECT_GE(r["equity"].size(), 1000u);
}

}  // namespace
}  // namespace sweep
