// `sweep backtest|optimize|strategies` as a user runs them.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "run_sweep.hpp"

namespace {

using sweep_cli::Outcome;
using sweep_cli::sweep;

const std::string kGoog = std::string(SWEEP_DATA_DIR) + "/GOOG.csv";

TEST(Cli, BacktestJsonReproducesTheReference) {
  Outcome r = sweep({"backtest", "--data", kGoog, "--strategy", "sma_cross", "--param", "fast=10",
                     "--param", "slow=30", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["metrics"]["trades"], 66);
  EXPECT_NEAR(j["metrics"]["final_equity"].get<double>(), 51422.99, 0.005);
  EXPECT_EQ(j["trades"].size(), 66u);
  EXPECT_EQ(j["equity"].size(), 2148u);
  EXPECT_EQ(j["trades"][0]["entry_time"].get<std::string>().size(), 10u);  // a date
}

TEST(Cli, BacktestTableForPeople) {
  Outcome r = sweep({"backtest", "--data", kGoog, "--strategy", "sma_cross"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Final equity"), std::string::npos);
  EXPECT_NE(r.out.find("51,422.99"), std::string::npos);
  EXPECT_NE(r.out.find("414.23%"), std::string::npos);
}

TEST(Cli, BadCsvExitsTwoNamingFileLineAndColumn) {
  Outcome r = sweep({"backtest", "--data", std::string(SWEEP_TEST_DATA_DIR) + "/bad_number.csv",
                     "--strategy", "sma_cross"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad_number.csv:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("column"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, MissingFileAndBadParamsExitTwo) {
  Outcome missing = sweep({"backtest", "--data", "/nonexistent/x.csv", "--strategy", "sma_cross"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("/nonexistent/x.csv"), std::string::npos);
  Outcome order = sweep({"backtest", "--data", kGoog, "--strategy", "sma_cross", "--param",
                         "fast=40", "--param", "slow=30"});
  EXPECT_EQ(order.status, 2);
  EXPECT_NE(order.err.find("fast (40) must be < slow (30)"), std::string::npos) << order.err;
  Outcome unknown =
      sweep({"backtest", "--data", kGoog, "--strategy", "sma_cross", "--param", "fsat=4"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("'fsat'"), std::string::npos) << unknown.err;
  Outcome range =
      sweep({"backtest", "--data", kGoog, "--strategy", "sma_cross", "--param", "fast=0"});
  EXPECT_EQ(range.status, 2);
  EXPECT_NE(range.err.find("fast"), std::string::npos) << range.err;
  Outcome strategy = sweep({"backtest", "--data", kGoog, "--strategy", "nope"});
  EXPECT_EQ(strategy.status, 2);
  EXPECT_NE(strategy.err.find("unknown strategy 'nope'"), std::string::npos) << strategy.err;
  Outcome usage = sweep({"backtest", "--strategy", "sma_cross"});
  EXPECT_EQ(usage.status, 2);
}

TEST(Cli, OptimizeGridWithConstraintJson) {
  Outcome r = sweep({"optimize", "--data", kGoog, "--strategy", "sma_cross", "--param",
                     "fast=5:30:5", "--param", "slow=20,40,60,80", "--constraint", "fast < slow",
                     "--threads", "2", "--top", "3", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["total"], 21);
  EXPECT_EQ(j["completed"], 21);
  EXPECT_EQ(j["top"].size(), 3u);
  EXPECT_EQ(j["best"], j["top"][0]);
  EXPECT_EQ(j["heatmap"]["x"], "fast");
  EXPECT_GE(j["top"][0]["metrics"]["sharpe"].get<double>(),
            j["top"][1]["metrics"]["sharpe"].get<double>());
}

TEST(Cli, OptimizeStopsOnTarget) {
  const std::vector<std::string> grid = {"optimize",    "--data",    kGoog,
                                         "--strategy",  "sma_cross", "--param",
                                         "fast=5:30:5", "--param",   "slow=20,40,60,80",
                                         "--threads",   "2",         "--json"};
  Outcome full = sweep(grid);
  ASSERT_EQ(full.status, 0) << full.err;
  const auto all = nlohmann::json::parse(full.out);
  EXPECT_TRUE(all["stopped"].is_null());
  // The best's value as target: the run ends with the best (the first trial reaching it).
  const double target = all["best"]["metrics"]["sharpe"].get<double>();
  const uint64_t best = all["best"]["trial"].get<uint64_t>();
  std::vector<std::string> args = grid;
  args.insert(args.end(), {"--stop-value", nlohmann::json(target).dump()});
  Outcome r = sweep(args);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["stopped"], nlohmann::json({{"value", target}, {"trial", best}}));
  EXPECT_EQ(j["completed"].get<uint64_t>() + j["failed"].get<uint64_t>(), best + 1);
  EXPECT_EQ(j["total"], all["total"]);
  EXPECT_EQ(j["best"], all["best"]);
  std::vector<std::string> plain(grid.begin(), grid.end() - 1);  // the table says it too
  plain.push_back("--stop-value=" + nlohmann::json(target).dump());
  Outcome table = sweep(plain);
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("stopped on target: trial " + std::to_string(best)), std::string::npos)
      << table.out;
}

TEST(Cli, OptimizeRandomSearchIsReproducible) {
  std::vector<std::string> args = {"optimize",     "--data",      "synthetic:20000:3",
                                   "--strategy",   "sma_cross",   "--param",
                                   "fast=2:50:1",  "--param",     "slow=10:200:1",
                                   "--constraint", "fast < slow", "--random",
                                   "40",           "--seed",      "9",
                                   "--json"};
  Outcome a = sweep(args), b = sweep(args);
  ASSERT_EQ(a.status, 0) << a.err;
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  EXPECT_EQ(ja["total"], 40);
  EXPECT_EQ(ja["top"], jb["top"]);
}

TEST(Cli, OptimizeTpeIsReproducibleAndRunsEachPointOnce) {
  std::vector<std::string> args = {"optimize",
                                   "--data",
                                   "synthetic:20000:3",
                                   "--strategy",
                                   "sma_cross",
                                   "--param",
                                   "fast=2:20:1",
                                   "--param",
                                   "slow=10:60:5",
                                   "--constraint",
                                   "fast < slow",
                                   "--tpe",
                                   "30",
                                   "--seed",
                                   "9",
                                   "--startup",
                                   "6",
                                   "--batch",
                                   "4",
                                   "--json"};
  Outcome a = sweep(args), b = sweep(args);
  ASSERT_EQ(a.status, 0) << a.err;
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  EXPECT_EQ(ja["total"], 30);
  EXPECT_EQ(ja["completed"], 30);
  EXPECT_EQ(ja["top"], jb["top"]);
  Outcome both = sweep({"optimize", "--data", "synthetic:2000:3", "--strategy", "sma_cross",
                        "--param", "fast=2:20:1", "--random", "5", "--tpe", "5"});
  EXPECT_EQ(both.status, 2);
  EXPECT_NE(both.err.find("--random and --tpe: give one search method"), std::string::npos)
      << both.err;
}

TEST(Cli, OptimizeBadSpecNamesTheField) {
  Outcome r =
      sweep({"optimize", "--data", kGoog, "--strategy", "sma_cross", "--param", "fast=5:50:0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("space.fast.step"), std::string::npos) << r.err;
  Outcome c = sweep({"optimize", "--data", kGoog, "--strategy", "sma_cross", "--param",
                     "fast=5:50:5", "--constraint", "fast < "});
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.err.find("constraint"), std::string::npos) << c.err;
}

TEST(Cli, StrategiesListsBuiltinsAndPlugins) {
  Outcome r = sweep({"strategies", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (auto& s : j) names.push_back(s["name"]);
  for (const char* n : {"sma_cross", "ema_cross", "rsi_reversion", "bollinger_breakout",
                        "donchian_breakout", "macd_cross"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  Outcome p =
      sweep({"strategies", "--plugin", std::string(SWEEP_LIB_DIR) + "/libsweep_example_plugin.so"});
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_NE(p.out.find("momentum"), std::string::npos);
  Outcome bad = sweep({"strategies", "--plugin", "/nonexistent/plugin.so"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("/nonexistent/plugin.so"), std::string::npos);
}

}  // namespace
