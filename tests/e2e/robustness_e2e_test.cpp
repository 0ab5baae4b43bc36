// End-to-end: an optimization's result.robustness (docs/ROBUSTNESS.md), computed by a real
// sweep-broker from what real sweep-worker processes sent with each trial, is bit for bit the
// one `sweep optimize` computes in process: on a grid over GOOG, with other pbo_blocks, through a
// broker SIGKILL and a worker SIGKILL mid-run, and after a stop on target. A cancelled job has
// none. The result dates its equity points with the dataset's bars (equity_time). Waits are
// conditions with deadlines.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>

#include "cluster.hpp"
#include "e2e_helpers.hpp"
#include "sweep/client.hpp"
#include "sweep/data/csv_loader.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/jobs/robustness_json.hpp"
#include "sweep/optimize/optimizer.hpp"

namespace sweep {
namespace {

using namespace std::chrono_literals;

// `sweep optimize` on the same spec and data: its robustness, as the job's result writes it.
struct Reference {
  OptimizationResult result;
  nlohmann::json robustness;
};
Reference reference(const nlohmann::json& text, TimeSeries series) {
  OptimizationResult r = e2e::optimize_in_process(text, std::move(series), true);
  nlohmann::json rob = robustness_to_json(r.robustness.value());
  return {std::move(r), std::move(rob)};
}

class RobustnessE2E : public e2e::ClusterTest {
 protected:
  protocol::StatusReply wait_terminal(const std::string& id) {
    return ClusterTest::wait_terminal(id, std::chrono::seconds(60));
  }
  // The status's result and the stored record's say the same, and equal the reference.
  void expect_robustness(const std::string& id, const protocol::StatusReply& st,
                         const nlohmann::json& want) {
    EXPECT_EQ(st.status, JobState::kCompleted) << cluster_.broker_stderr();
    ASSERT_TRUE(st.result.is_object());
    EXPECT_EQ(st.result["robustness"], want);
    auto rec = client_->get(id);
    ASSERT_TRUE(rec.ok()) << rec.status().ToString();
    EXPECT_EQ(rec->result["robustness"], want);
  }
};

TEST_F(RobustnessE2E, TwoWorkersGiveTheInProcessStatisticsBitForBit) {
  const nlohmann::json spec = e2e::demo_grid_spec({{"path", "GOOG.csv"}});
  const Reference ref = reference(spec, e2e::goog());
  ASSERT_GT(ref.result.completed, 200u);
  ASSERT_TRUE(ref.result.robustness->pbo) << "GOOG's grid has a PBO";
  start(2);
  const std::string id = submit(spec);
  const auto st = wait_terminal(id);
  expect_robustness(id, st, ref.robustness);
  EXPECT_EQ(st.result["robustness"]["n_trials"], ref.result.completed);
  // The equity points' dates: GOOG's 2,148 bars kept every other one and the last, each dated.
  const nlohmann::json& times = st.result["equity_time"];
  ASSERT_TRUE(times.is_array()) << st.result.dump().substr(0, 300);
  ASSERT_EQ(times.size(), st.result["top"][0]["equity"].size());
  const std::vector<size_t> kept = downsample_indexes(e2e::goog().bars.size(), kResultEquityPoints);
  ASSERT_EQ(times.size(), kept.size());
  EXPECT_EQ(kept.size(), 1075u);
  for (size_t i = 0; i < kept.size(); ++i)
    ASSERT_EQ(times[i].get<int64_t>(), e2e::goog().bars[kept[i]].ts) << "point " << i;

  // Another block count: other statistics, again those of the process.
  nlohmann::json eight = spec;
  eight["pbo_blocks"] = 8;
  const Reference ref8 = reference(eight, e2e::goog());
  ASSERT_NE(ref8.robustness["pbo"], ref.robustness["pbo"]);
  const std::string id8 = submit(eight);
  expect_robustness(id8, wait_terminal(id8), ref8.robustness);
  EXPECT_EQ(ref8.robustness["pbo_blocks"], 8);
}

TEST_F(RobustnessE2E, ABrokerAndAWorkerKilledMidRunChangeNothing) {
  // Trials of a few milliseconds each, so that the kills land mid-run.
  const nlohmann::json spec = e2e::demo_grid_spec({{"synthetic", {{"bars", 300000}, {"seed", 9}}}});
  const Reference ref = reference(spec, make_synthetic(300000, 9));
  start(2);
  const std::string id = submit(spec);
  ASSERT_NO_FATAL_FAILURE(kill_broker_then_worker(id, 40, 120, 30s));
  const auto st = wait_terminal(id);
  expect_robustness(id, st, ref.robustness);
}

TEST_F(RobustnessE2E, AStopOnTargetCountsTheTrialsUpToTheStopAndACancelHasNone) {
  nlohmann::json spec = e2e::demo_grid_spec({{"path", "GOOG.csv"}});
  const Reference full = reference(spec, e2e::goog());
  // The best trial's value: the job stops at the first trial reaching it.
  spec["stop"] = {{"value", full.result.top.front().record.metrics[Metric::kSharpe]}};
  const Reference ref = reference(spec, e2e::goog());
  ASSERT_TRUE(ref.result.stopped_at);
  ASSERT_LT(ref.robustness["n_trials"].get<uint64_t>(), full.result.completed);
  start(2);
  const std::string id = submit(spec);
  expect_robustness(id, wait_terminal(id), ref.robustness);

  // Cancelled before its end: no statistics (they describe a whole optimization).
  nlohmann::json slow = e2e::slow_spec(40, 2000);
  const std::string cancelled = submit(slow);
  ASSERT_TRUE(completed_at_least(cancelled, 1, 30s));
  ASSERT_TRUE(client_->cancel(cancelled).ok());
  const auto st = wait_terminal(cancelled);
  EXPECT_EQ(st.status, JobState::kCancelled);
  ASSERT_TRUE(st.result.is_object());
  EXPECT_TRUE(st.result["robustness"].is_null()) << st.result.dump();
}

}  // namespace
}  // namespace sweep
