// `sweep optimize --walk-forward N:M [--anchored]` and `--holdout M` (docs/WALK_FORWARD.md) as a
// user runs them: the JSON keys scripts rely on, the account carried across windows, the tables,
// and the errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_sweep.hpp"
#include "sweep/data/csv_loader.hpp"

namespace {

using nlohmann::json;
using sweep_cli::Outcome;
using sweep_cli::sweep;

const std::string kGoog = std::string(SWEEP_DATA_DIR) + "/GOOG.csv";

std::vector<std::string> demo_grid(std::vector<std::string> extra) {
  std::vector<std::string> args = {
      "optimize",    "--data",      kGoog,     "--strategy",     "sma_cross",
      "--param",     "fast=2:40:2", "--param", "slow=20:120:10", "--constraint",
      "fast < slow", "--threads",   "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<std::string> keys(const json& j) {
  std::vector<std::string> out;
  for (auto& [k, _] : j.items()) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

using Keys = std::vector<std::string>;

const sweep::TimeSeries& goog() {
  static const sweep::TimeSeries s = sweep::load_csv(kGoog).value();
  return s;
}

TEST(CliWalkForward, GoogDemoGridJsonCarriesTheAccountAndFallsShortOfTheInSampleBest) {
  Outcome r = sweep(demo_grid({"--walk-forward", "500:250", "--json"}));
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["total"], 7 * 202 + 7);
  EXPECT_EQ(j["completed"], 7 * 202 + 7);
  const json& wf = j["walk_forward"];
  EXPECT_EQ(keys(wf),
            (Keys{"efficiency", "equity", "equity_time", "metrics", "stability", "windows"}));
  const auto& bars = goog().bars;
  ASSERT_EQ(wf["windows"].size(), 7u);
  double cash = 10000;
  for (size_t k = 0; k < 7; ++k) {
    const json& w = wf["windows"][k];
    EXPECT_EQ(keys(w), (Keys{"best", "cash_in", "final_equity", "oos", "test", "test_time", "train",
                             "train_time", "window"}));
    EXPECT_EQ(keys(w["best"]), (Keys{"metrics", "params"}));
    EXPECT_EQ(keys(w["oos"]), (Keys{"metrics", "trades"}));
    EXPECT_EQ(w["window"], k);
    EXPECT_EQ(w["train"], json::array({250 * k, 500 + 250 * k}));
    EXPECT_EQ(w["test"], json::array({500 + 250 * k, std::min<size_t>(750 + 250 * k, 2148)}));
    // The first and the last bar's time of each span.
    EXPECT_EQ(w["train_time"], json::array({bars[250 * k].ts, bars[499 + 250 * k].ts}));
    EXPECT_EQ(w["test_time"], json::array({bars[500 + 250 * k].ts,
                                           bars[std::min<size_t>(749 + 250 * k, 2147)].ts}));
    EXPECT_EQ(w["cash_in"].get<double>(), cash);
    EXPECT_EQ(w["oos"]["metrics"]["final_equity"], w["final_equity"]);
    cash = w["final_equity"].get<double>();
  }
  // 1,648 test bars: under the 2,000 points a result keeps, so one point per bar, each dated.
  EXPECT_EQ(wf["equity"].size(), 2148u - 500);
  ASSERT_EQ(wf["equity_time"].size(), wf["equity"].size());
  for (size_t i = 0; i < wf["equity_time"].size(); ++i)
    ASSERT_EQ(wf["equity_time"][i].get<int64_t>(), bars[500 + i].ts) << i;
  EXPECT_EQ(wf["equity"][0].get<double>(), 10000);
  EXPECT_EQ(wf["equity"].back().get<double>(), cash);
  EXPECT_EQ(wf["metrics"]["final_equity"].get<double>(), cash);
  EXPECT_TRUE(wf["efficiency"].is_number());
  EXPECT_EQ(keys(wf["stability"]), (Keys{"fast", "slow"}));
  EXPECT_EQ(wf["stability"]["fast"].size(), 7u);
  EXPECT_EQ(wf["stability"]["fast"][3], wf["windows"][3]["best"]["params"]["fast"]);

  // The plain optimization's best, chosen on every bar, ends far richer than the account that
  // only ever trades parameters chosen before the bars it trades.
  Outcome plain = sweep(demo_grid({"--json"}));
  ASSERT_EQ(plain.status, 0) << plain.err;
  const double in_sample = json::parse(plain.out)["best"]["metrics"]["final_equity"].get<double>();
  EXPECT_LT(cash, 0.75 * in_sample) << cash << " vs " << in_sample;
}

TEST(CliWalkForward, TablesForPeople) {
  Outcome r = sweep(demo_grid({"--walk-forward", "1000:500", "--anchored"}));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("walk-forward, 3 windows of 1000 train bars (anchored)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("[0, 2000)"), std::string::npos) << r.out;  // the last anchored train
  EXPECT_NE(r.out.find("stitched out of sample, bars [1000, 2148)"), std::string::npos);
  EXPECT_NE(r.out.find("efficiency: "), std::string::npos);
  EXPECT_NE(r.out.find("  fast:"), std::string::npos);
  r = sweep(demo_grid({"--holdout", "648", "--top", "3"}));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("holdout, train bars [0, 1500) (202 trials, 202 completed), test bars "
                       "[1500, 2148)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("IS sharpe"), std::string::npos);
  EXPECT_NE(r.out.find("OOS sharpe"), std::string::npos);
}

TEST(CliWalkForward, HoldoutJsonRunsTheTopKOutOfSample) {
  Outcome r = sweep(demo_grid({"--holdout", "648", "--top", "4", "--json"}));
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["total"], 202 + 4);
  const json& h = j["holdout"];
  EXPECT_EQ(keys(h), (Keys{"test", "test_time", "train", "train_time", "trials"}));
  EXPECT_EQ(h["train_time"], json::array({goog().bars[0].ts, goog().bars[1499].ts}));
  EXPECT_EQ(h["test_time"], json::array({goog().bars[1500].ts, goog().bars[2147].ts}));
  EXPECT_EQ(h["train"], json::array({0, 1500}));
  EXPECT_EQ(h["test"], json::array({1500, 2148}));
  ASSERT_EQ(h["trials"].size(), 4u);
  for (const json& t : h["trials"]) {
    EXPECT_EQ(keys(t), (Keys{"index", "metrics", "oos", "params"}));
    EXPECT_EQ(keys(t["oos"]), (Keys{"metrics", "trades"}));
    EXPECT_EQ(t["oos"]["metrics"]["trades"], t["oos"]["trades"].size());
  }
  EXPECT_GE(h["trials"][0]["metrics"]["sharpe"].get<double>(),
            h["trials"][1]["metrics"]["sharpe"].get<double>());
}

TEST(CliWalkForward, ErrorsNameTheField) {
  Outcome r = sweep(demo_grid({"--walk-forward", "2148:100"}));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("walk_forward: no window fits in 2148 bars"), std::string::npos) << r.err;
  r = sweep(demo_grid({"--holdout", "2148"}));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("holdout_bars: no window fits in 2148 bars"), std::string::npos) << r.err;
  r = sweep(demo_grid({"--holdout", "100", "--walk-forward", "500:250"}));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("holdout_bars: not with walk_forward"), std::string::npos) << r.err;
  r = sweep(demo_grid({"--walk-forward", "0:250"}));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("walk_forward.train_bars: must be an integer in 1..5000000"),
            std::string::npos)
      << r.err;
}

}  // namespace
