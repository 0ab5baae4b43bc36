// The JSON form of the robustness statistics: its keys, null for every undefined value (never a
// NaN, which JSON cannot carry), and the λ histogram's shape.
#include "sweep/jobs/robustness_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace sweep {
namespace {

const std::vector<std::string> kKeys = {
    "n_trials", "sr_variance", "expected_max_sr", "best_sr",   "skew", "kurtosis", "psr",
    "dsr",      "pbo",         "pbo_blocks",      "pbo_logits"};

std::vector<std::string> keys_of(const nlohmann::json& j) {
  std::vector<std::string> out;
  for (auto& [k, _] : j.items()) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<RobustnessInput> random_trials(size_t n, int blocks) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0.0005, 0.01);
  std::vector<RobustnessInput> in(n);
  std::vector<double> r(400);
  for (size_t k = 0; k < n; ++k) {
    for (double& x : r) x = noise(rng);
    in[k] = {k, return_stats(r, blocks)};
  }
  return in;
}

TEST(RobustnessJson, EveryKeyAndTheHistogram) {
  const Robustness r = assess_robustness(random_trials(30, 8), 3, 8);
  const nlohmann::json j = robustness_to_json(r);
  EXPECT_EQ(keys_of(j), sorted(kKeys));
  EXPECT_EQ(j["n_trials"], 30);
  EXPECT_EQ(j["pbo_blocks"], 8);
  EXPECT_EQ(j["pbo"].get<double>(), *r.pbo);
  EXPECT_EQ(j["dsr"].get<double>(), *r.dsr);
  EXPECT_EQ(j["best_sr"].get<double>(), *r.best_sr);
  EXPECT_EQ(keys_of(j["pbo_logits"]), sorted({"min", "max", "counts"}));
  EXPECT_EQ(j["pbo_logits"]["max"].get<double>(), std::log(30.0));
  EXPECT_EQ(j["pbo_logits"]["min"].get<double>(), -std::log(30.0));
  ASSERT_EQ(j["pbo_logits"]["counts"].size(), static_cast<size_t>(kLogitBins));
  uint64_t splits = 0;
  for (const auto& c : j["pbo_logits"]["counts"]) splits += c.get<uint64_t>();
  EXPECT_EQ(splits, 70u);  // C(8, 4)
}

TEST(RobustnessJson, UndefinedValuesAreNullNeverNaN) {
  // One trial: nothing but n_trials and pbo_blocks is defined.
  const nlohmann::json one = robustness_to_json(assess_robustness(random_trials(1, 8), 0, 8));
  EXPECT_EQ(keys_of(one), sorted(kKeys));
  for (const std::string& k : kKeys) {
    const bool defined = k == "n_trials" || k == "pbo_blocks";
    EXPECT_EQ(one[k].is_null(), !defined) << k;
  }
  // A NaN or an infinity that reached a field is written as null, not as a number.
  Robustness odd = assess_robustness(random_trials(5, 8), 0, 8);
  odd.skew = std::nan("");
  odd.kurtosis = std::numeric_limits<double>::infinity();
  const nlohmann::json j = robustness_to_json(odd);
  EXPECT_TRUE(j["skew"].is_null());
  EXPECT_TRUE(j["kurtosis"].is_null());
  EXPECT_TRUE(j["psr"].is_number());
  EXPECT_EQ(j.dump().find("NaN"), std::string::npos);
}

}  // namespace
}  // namespace sweep
