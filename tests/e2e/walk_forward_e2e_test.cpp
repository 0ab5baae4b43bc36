// End-to-end: walk-forward and holdout optimizations (docs/WALK_FORWARD.md) on a real sweep-broker
// and real sweep-worker processes give the result `sweep optimize` computes in process, bit for
// bit (the same JSON): every window's train trials fanned out over the window's bars, each
// window's best run out of sample with the account carried on; through a broker SIGKILL and a
// worker SIGKILL mid-run too, for either. A cancelled job has no walk_forward or holdout block;
// what the cluster cannot run (a stop on target per window) and a window that cannot fit are
// refused at submit, named; a tpe search runs one search per window, as in process.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>

#include "cluster.hpp"
#include "e2e_helpers.hpp"
#include "run_sweep.hpp"
#include "sweep/client.hpp"
#include "sweep/data/csv_loader.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/jobs/walk_forward_json.hpp"
#include "sweep/optimize/walk_forward.hpp"

namespace sweep {
namespace {

using namespace std::chrono_literals;

// 24343.567 -> "24,343.57", as the command line writes money.
std::string money_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  for (int i = static_cast<int>(s.find('.')) - 3; i > 0; i -= 3)
    s.insert(static_cast<size_t>(i), ",");
  return s;
}

// `sweep optimize --walk-forward/--holdout` on the same spec and data: the result's block, as
// the one JSON writer writes it, and the job's trial count (every train trial and every
// out-of-sample run).
struct Reference {
  nlohmann::json block;
  uint64_t total = 0;
};
Reference reference(const nlohmann::json& text, const TimeSeries& series) {
  static const StrategyRegistry registry = StrategyRegistry::WithBuiltins();
  JobSpec spec = parse_job_spec(text, JobKind::kOptimization).value();
  const StrategyInfo* info = registry.find(spec.strategy);
  spec = conform_to_schema(spec, info->params).value();
  const auto md = MarketData::Build(std::make_shared<const TimeSeries>(series));
  const TrialPlan plan = make_trial_plan(spec).value();
  WalkForwardJob job;
  job.series = md->series;
  job.strategy = info;
  job.plan = &plan;
  job.engine = {spec.cash, spec.commission};
  job.objective = spec.objective;
  job.top_k = static_cast<size_t>(spec.top_k);
  job.options.threads = 2;
  if (spec.walk_forward) {
    WalkForwardResult r = run_walk_forward(job, *spec.walk_forward).value();
    const uint64_t k = r.windows.size();
    return {walk_forward_to_json(r, *md), k * plan.total() + k};
  }
  HoldoutResult r = run_holdout(job, *spec.holdout_bars).value();
  return {holdout_to_json(r, *md), plan.total() + r.trials.size()};
}

class WalkForwardE2E : public e2e::ClusterTest {
 protected:
  // The job completed with `key` (walk_forward or holdout) equal to the reference's, in its
  // status and its stored record, every trial counted.
  void expect_block(const std::string& id, const char* key, const Reference& ref) {
    const auto st = wait_terminal(id, 90s);
    EXPECT_EQ(st.status, JobState::kCompleted) << cluster_.broker_stderr();
    ASSERT_TRUE(st.result.is_object());
    EXPECT_EQ(st.result[key], ref.block) << "cluster: " << st.result[key].dump().substr(0, 400)
                                         << "\nin process: " << ref.block.dump().substr(0, 400);
    EXPECT_EQ(st.total, ref.total);
    EXPECT_EQ(st.completed + st.failed, ref.total);
    auto rec = client_->get(id);
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    EXPECT_EQ(rec->result[key], ref.block);
  }
  // `spec` on 2 workers, the broker SIGKILLed (and restarted) after `broker_at` completed trials
  // and a worker after `worker_at`; then expect_block. The job's id in `id`.
  void run_through_kills(const nlohmann::json& spec, const char* key, const Reference& ref,
                         uint64_t broker_at, uint64_t worker_at, std::string& id) {
    start(2);
    id = submit(spec);
    ASSERT_NO_FATAL_FAILURE(kill_broker_then_worker(id, broker_at, worker_at, 60s));
    expect_block(id, key, ref);
  }
  // `spec` (slow trials) cancelled once a trial completed: the job ends cancelled with `total`
  // trials counted, keeps its recorded trials, and its result has no `key` block.
  void expect_cancelled_without(const nlohmann::json& spec, const char* key, uint64_t total) {
    const std::string id = submit(spec);
    ASSERT_TRUE(completed_at_least(id, 1, 30s));
    ASSERT_TRUE(client_->cancel(id).ok());
    const auto st = wait_terminal(id, 60s);
    EXPECT_EQ(st.status, JobState::kCancelled);
    EXPECT_EQ(st.total, total);
    EXPECT_FALSE(e2e::all_trials(*client_, id).empty());
    ASSERT_TRUE(st.result.is_object());
    EXPECT_TRUE(st.result[key].is_null()) << st.result.dump().substr(0, 300);
  }
};

// Four windows of 100,000 train bars (trials of a few milliseconds, so that kills land mid-run).
nlohmann::json four_windows_spec() {
  nlohmann::json spec = e2e::demo_grid_spec({{"synthetic", {{"bars", 300000}, {"seed", 9}}}});
  spec["walk_forward"] = {{"train_bars", 100000}, {"test_bars", 50000}};
  return spec;
}

TEST_F(WalkForwardE2E, TwoWorkersGiveTheInProcessWindowsBitForBit) {
  nlohmann::json spec = e2e::demo_grid_spec({{"path", "GOOG.csv"}});
  spec["walk_forward"] = {{"train_bars", 500}, {"test_bars", 250}};
  const Reference ref = reference(spec, e2e::goog());
  ASSERT_EQ(ref.block["windows"].size(), 7u);
  start(2);
  const std::string id = submit(spec);
  expect_block(id, "walk_forward", ref);
  // The trial records are the windows' train trials: window k's trial i is job trial k·P + i,
  // the plan's trial i over window k's bars (same parameters, other metrics).
  const auto trials = e2e::all_trials(*client_, id);
  const uint64_t p = (ref.total - 7) / 7;
  ASSERT_EQ(trials.size(), 7 * p);
  EXPECT_EQ(trials[p].params, trials[0].params);
  EXPECT_NE(trials[p].metrics, trials[0].metrics);
  EXPECT_EQ(trials[6 * p + 5].params, trials[5].params);
  // The best train trials come from different windows: their curves have no common dates.
  EXPECT_TRUE(client_->status(id)->result["equity_time"].is_null());
  // `sweep status` prints the windows' table from the result.
  const sweep_cli::Outcome cli =
      sweep_cli::sweep({"status", id, "--broker", cluster_.endpoints().frontend});
  ASSERT_EQ(cli.status, 0) << cli.err;
  EXPECT_NE(cli.out.find("walk-forward:"), std::string::npos) << cli.out;
  EXPECT_NE(cli.out.find("stitched out of sample, bars [500, 2148): final_equity " +
                         money_text(ref.block["metrics"]["final_equity"].get<double>())),
            std::string::npos)
      << cli.out;
  EXPECT_NE(cli.out.find("[1750, 2000)"), std::string::npos) << "window 5's test bars\n" << cli.out;

  // Anchored windows: other train spans, again the process's numbers.
  spec["walk_forward"]["anchored"] = true;
  const Reference anchored = reference(spec, e2e::goog());
  ASSERT_NE(anchored.block, ref.block);
  expect_block(submit(spec), "walk_forward", anchored);
}

TEST_F(WalkForwardE2E, AHoldoutRunsItsTopTrialsOutOfSample) {
  nlohmann::json spec = e2e::demo_grid_spec({{"path", "GOOG.csv"}});
  spec["holdout_bars"] = 648;
  const Reference ref = reference(spec, e2e::goog());
  ASSERT_EQ(ref.block["trials"].size(), 3u);
  start(2);
  const std::string id = submit(spec);
  expect_block(id, "holdout", ref);
  // The top trials' curves cover the train bars [0, 1500): their dates are those bars'.
  const auto st = client_->status(id);
  ASSERT_TRUE(st.ok());
  const nlohmann::json& times = st->result["equity_time"];
  ASSERT_EQ(times.size(), 1500u) << st->result.dump().substr(0, 300);
  ASSERT_EQ(st->result["top"][0]["equity"].size(), 1500u);
  EXPECT_EQ(times[0].get<int64_t>(), e2e::goog().bars[0].ts);
  EXPECT_EQ(times[1499].get<int64_t>(), e2e::goog().bars[1499].ts);
}

TEST_F(WalkForwardE2E, ABrokerAndAWorkerKilledMidRunChangeNothing) {
  const nlohmann::json spec = four_windows_spec();
  const Reference ref = reference(spec, make_synthetic(300000, 9));
  ASSERT_EQ(ref.block["windows"].size(), 4u);
  std::string id;
  run_through_kills(spec, "walk_forward", ref, 100, 400, id);
}

TEST_F(WalkForwardE2E, AHoldoutThroughABrokerAndAWorkerKillGivesTheProcesssTopTrials) {
  // Trials of a few milliseconds (400,000 train bars), so that the kills land mid-run: the
  // restarted broker resumes the train trials from the store and runs the top_k out of sample
  // from the recorded rows.
  nlohmann::json spec = e2e::demo_grid_spec({{"synthetic", {{"bars", 600000}, {"seed", 5}}}});
  spec["holdout_bars"] = 200000;
  const Reference ref = reference(spec, make_synthetic(600000, 5));
  ASSERT_EQ(ref.block["trials"].size(), 3u);
  std::string id;
  run_through_kills(spec, "holdout", ref, 40, 120, id);
}

TEST_F(WalkForwardE2E, ATpeSearchPerWindowThroughABrokerAndAWorkerKillGivesTheProcesssWindows) {
  // Each window runs a tpe search of its own, as sweep optimize does: its generations come from
  // its own trials' results. The restarted broker finds every window's search again from the
  // rows.
  nlohmann::json spec = four_windows_spec();
  spec["method"] = {{"tpe", {{"n", 40}, {"seed", 3}, {"startup", 8}, {"batch", 4}}}};
  const Reference ref = reference(spec, make_synthetic(300000, 9));
  ASSERT_EQ(ref.block["windows"].size(), 4u);
  ASSERT_EQ(ref.total, 4 * 40u + 4u);
  std::string id;
  ASSERT_NO_FATAL_FAILURE(run_through_kills(spec, "walk_forward", ref, 30, 100, id));
  // Window 1's search went its own way: after the startup trials (the same points in every
  // window) its trials are not window 0's.
  const auto trials = e2e::all_trials(*client_, id);
  ASSERT_EQ(trials.size(), 160u);
  EXPECT_EQ(trials[40].params, trials[0].params);
  bool differs = false;
  for (size_t i = 8; i < 40; ++i) differs = differs || trials[40 + i].params != trials[i].params;
  EXPECT_TRUE(differs);
}

TEST_F(WalkForwardE2E, ACancelHasNoWindowsAndWhatCannotRunIsRefusedNamed) {
  start(1);
  // Slow trials: cancelled mid-run, the job keeps its trials and reports no walk_forward.
  nlohmann::json slow = e2e::slow_spec(40, 2000);
  slow["walk_forward"] = {{"train_bars", 100}, {"test_bars", 50}};
  // 200 bars: windows at 100 and 150.
  ASSERT_NO_FATAL_FAILURE(expect_cancelled_without(slow, "walk_forward", 2 * 40u + 2u));
  // A cancelled holdout likewise: the train trials and top_k = 1 out-of-sample run counted.
  nlohmann::json slow_holdout = e2e::slow_spec(40, 2000);
  slow_holdout["holdout_bars"] = 50;
  ASSERT_NO_FATAL_FAILURE(expect_cancelled_without(slow_holdout, "holdout", 40u + 1u));

  nlohmann::json spec = e2e::demo_grid_spec({{"path", "GOOG.csv"}});
  spec["walk_forward"] = {{"train_bars", 5000}, {"test_bars", 250}};
  auto too_long = client_->submit(JobKind::kOptimization, spec);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().message(), "spec.walk_forward: no window fits in 2148 bars");

  spec["walk_forward"] = {{"train_bars", 500}, {"test_bars", 250}};
  spec["stop"] = {{"value", 1.0}};
  auto stop = client_->submit(JobKind::kOptimization, spec);
  ASSERT_FALSE(stop.ok());
  EXPECT_EQ(stop.status().message().rfind("spec.walk_forward: not with a stop on target", 0), 0u)
      << stop.status().message();
}

}  // namespace
}  // namespace sweep
