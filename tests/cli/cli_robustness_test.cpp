// `sweep optimize` reports the robustness statistics of its trials (docs/ROBUSTNESS.md), and its
// numbers are those of an independent path: every trial run again here on its own, its statistics
// taken from its whole equity curve (return_stats(daily_returns(...))) instead of the engine's
// metrics pass, and assess_robustness over them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_sweep.hpp"
#include "sweep/data/csv_loader.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/engine/trial_runner.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/robustness.hpp"

namespace sweep {
namespace {

using nlohmann::json;

const std::string kGoog = std::string(SWEEP_DATA_DIR) + "/GOOG.csv";

// The optimization the command runs, as flags and as the spec they stand for.
const std::vector<std::string> kFlags = {
    "optimize",    "--data",      kGoog,     "--strategy",     "sma_cross",
    "--param",     "fast=2:40:2", "--param", "slow=20:120:10", "--constraint",
    "fast < slow", "--threads",   "2"};
const char* kSpec = R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
    "space": {"fast": {"start": 2, "stop": 40, "step": 2},
              "slow": {"start": 20, "stop": 120, "step": 10}},
    "constraint": "fast < slow"})";

struct Expected {
  Robustness robustness;
  uint64_t best_trial = 0;
};

Expected recompute(int blocks) {
  const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  const StrategyInfo& info = *reg.find("sma_cross");
  JobSpec spec = parse_job_spec_text(kSpec, JobKind::kOptimization).value();
  spec = conform_to_schema(spec, info.params).value();
  const TrialPlan plan = make_trial_plan(spec).value();
  const auto md = MarketData::Build(std::make_shared<const TimeSeries>(load_csv(kGoog).value()));
  std::vector<RobustnessInput> in;
  std::optional<size_t> best;
  double best_value = 0;
  TrialCursor cursor = plan.cursor();
  while (std::optional<Trial> t = cursor.next()) {
    const TrialOutcome out = run_trial(*md, info, t->params, EngineOptions{});
    if (out.status != TrialState::kCompleted) continue;
    const double v = spec.objective.value(out.metrics);
    if (!best || spec.objective.better(v, t->index, best_value, in[*best].index)) {
      best = in.size();
      best_value = v;
    }
    in.push_back({t->index, return_stats(daily_returns(*md, out.equity), blocks)});
  }
  EXPECT_TRUE(best);
  return {assess_robustness(in, best, blocks), best ? in[*best].index : 0};
}

void expect_number(const json& got, const std::optional<double>& want, const char* key) {
  ASSERT_TRUE(want) << key << " is undefined in the recomputation";
  ASSERT_TRUE(got.is_number()) << key << ": " << got.dump();
  EXPECT_EQ(got.get<double>(), *want) << key;  // the JSON text keeps every bit of a double
}

void expect_matches(const json& rob, const Robustness& want) {
  EXPECT_EQ(rob["n_trials"], want.n_trials);
  expect_number(rob["sr_variance"], want.sr_variance, "sr_variance");
  expect_number(rob["expected_max_sr"], want.expected_max_sr, "expected_max_sr");
  expect_number(rob["best_sr"], want.best_sr, "best_sr");
  expect_number(rob["skew"], want.skew, "skew");
  expect_number(rob["kurtosis"], want.kurtosis, "kurtosis");
  expect_number(rob["psr"], want.psr, "psr");
  expect_number(rob["dsr"], want.dsr, "dsr");
  expect_number(rob["pbo"], want.pbo, "pbo");
  EXPECT_EQ(rob["pbo_blocks"], want.pbo_blocks);
  EXPECT_EQ(rob["pbo_logits"]["counts"], json(want.logit_counts));
  EXPECT_EQ(rob["pbo_logits"]["max"].get<double>(), want.logit_limit);
  EXPECT_EQ(rob["pbo_logits"]["min"].get<double>(), -want.logit_limit);
}

TEST(CliRobustness, OptimizeJsonCarriesTheStatisticsOfAnIndependentRecomputation) {
  std::vector<std::string> args = kFlags;
  args.push_back("--json");
  sweep_cli::Outcome r = sweep_cli::sweep(args);
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  const json& rob = j["robustness"];
  ASSERT_TRUE(rob.is_object()) << r.out;
  EXPECT_EQ(rob["n_trials"], j["completed"]);  // sma_cross over GOOG trades in every trial
  EXPECT_GT(j["completed"].get<uint64_t>(), 100u);
  EXPECT_GE(rob["pbo"].get<double>(), 0.0);
  EXPECT_LE(rob["pbo"].get<double>(), 1.0);
  EXPECT_EQ(rob["pbo_blocks"], kDefaultReturnBlocks);

  const Expected want = recompute(kDefaultReturnBlocks);
  EXPECT_EQ(j["best"]["trial"], want.best_trial);
  EXPECT_EQ(rob["n_trials"], want.robustness.n_trials);
  expect_matches(rob, want.robustness);
}

TEST(CliRobustness, PboBlocksFlagChangesTheSplits) {
  std::vector<std::string> args = kFlags;
  for (const char* a : {"--pbo-blocks", "8", "--json"}) args.push_back(a);
  sweep_cli::Outcome r = sweep_cli::sweep(args);
  ASSERT_EQ(r.status, 0) << r.err;
  const json rob = json::parse(r.out)["robustness"];
  EXPECT_EQ(rob["pbo_blocks"], 8);
  uint64_t splits = 0;
  for (const json& c : rob["pbo_logits"]["counts"]) splits += c.get<uint64_t>();
  EXPECT_EQ(splits, 70u);  // C(8, 4)
  expect_matches(rob, recompute(8).robustness);

  std::vector<std::string> odd_args = kFlags;
  for (const char* a : {"--pbo-blocks", "7"}) odd_args.push_back(a);
  sweep_cli::Outcome odd = sweep_cli::sweep(odd_args);
  EXPECT_EQ(odd.status, 2);
  EXPECT_NE(odd.err.find("pbo_blocks: must be even and within [4, 24]"), std::string::npos)
      << odd.err;
}

TEST(CliRobustness, TableEndsWithAParagraph) {
  sweep_cli::Outcome r = sweep_cli::sweep(kFlags);
  ASSERT_EQ(r.status, 0) << r.err;
  const Robustness want = recompute(kDefaultReturnBlocks).robustness;
  const std::string head = "robustness: N=" + std::to_string(want.n_trials) + " trials, best sr ";
  EXPECT_NE(r.out.find(head), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(S=16): in "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("% of splits the in-sample winner ranked at or below the median"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace sweep
