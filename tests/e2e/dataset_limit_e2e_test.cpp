// Datasets at kMaxDatasetBars (docs/LIMITS.md) on a real cluster: a CSV file of exactly that many
// rows and a synthetic series of that many bars run to completion with no worker given up for
// dead while it loads them; one bar more is refused naming the line or the field. Skipped under
// the sanitizers, whose processes take minutes for what takes seconds here; they run the same
// code on smaller datasets in every other test.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "cluster.hpp"
#include "e2e_helpers.hpp"
#include "sanitizers.hpp"
#include "sweep/base/limits.hpp"

namespace sweep {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// `rows` one-minute bars, times as epoch seconds.
void write_csv(const std::string& path, size_t rows) {
  std::ofstream out(path);
  out << "Timestamp,Open,High,Low,Close,Volume\n";
  std::string line;
  for (size_t i = 0; i < rows; ++i) {
    const int cents = 10'000 + static_cast<int>((i * 7919) % 2000);  // 100.00 .. 119.99
    const std::string p = std::to_string(cents / 100) + "." + std::to_string(cents % 100 / 10) +
                          std::to_string(cents % 10);
    line = std::to_string(1'600'000'000 + 60 * i) + "," + p + "," + p + "," + p + "," + p + "," +
           std::to_string(100 + i % 50) + "\n";
    out << line;
  }
}

nlohmann::json job_on(nlohmann::json dataset) {
  return {{"dataset", std::move(dataset)},
          {"strategy", "sma_cross"},
          {"space", {{"fast", {5, 10}}, {"slow", {30}}}}};
}

std::string workers_stderr(testing::LocalCluster& cluster) {
  std::string out;
  for (const auto& w : cluster.workers()) out += "--- worker:\n" + w->stderr_text();
  return out;
}

// Runs a job to its end; the seconds it took.
double run_to_completion(client::Client& c, const nlohmann::json& spec,
                         testing::LocalCluster& cluster) {
  const auto t0 = SteadyClock::now();
  auto acc = c.submit(JobKind::kOptimization, spec);
  EXPECT_TRUE(acc.ok()) << acc.status().ToString();
  if (!acc.ok()) return 0;
  EXPECT_TRUE(e2e::wait_until(
      [&] {
        auto st = c.status(acc->id);
        return st.ok() && is_terminal(st->status);
      },
      120s))
      << cluster.broker_stderr();
  auto st = c.status(acc->id);
  EXPECT_TRUE(st.ok());
  if (st.ok()) {
    EXPECT_EQ(st->status, JobState::kCompleted);
    EXPECT_EQ(st->completed, 2u);
    EXPECT_EQ(st->failed, 0u);
  }
  for (const auto& t : e2e::all_trials(c, acc->id)) {
    EXPECT_EQ(t.attempt, 1u) << "trial " << t.index << " ran again: a worker was lost";
  }
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

TEST(DatasetLimitE2E, AtTheBarLimitACsvAndASyntheticSeriesRunOneBarMoreIsRefused) {
#if defined(SWEEP_TEST_TSAN) || defined(SWEEP_TEST_ASAN)
  GTEST_SKIP() << "5M-bar datasets: plain build only";
#endif
  testing::LocalCluster cluster;
  const std::string csv = cluster.dir() + "/limit.csv";
  write_csv(csv, kMaxDatasetBars);
  cluster.options().broker_args = {"--data-dir", cluster.dir()};
  cluster.start_broker();
  cluster.add_worker(1);
  cluster.add_worker(1);
  client::ClientOptions o;
  o.timeout = 60s;
  client::Client c(cluster.endpoints().frontend, o);

  const double csv_s = run_to_completion(c, job_on({{"path", "limit.csv"}}), cluster);
  const double syn_s = run_to_completion(
      c, job_on({{"synthetic", {{"bars", kMaxDatasetBars}, {"seed", 3}}}}), cluster);
  EXPECT_EQ(cluster.broker_stderr().find("missed heartbeats"), std::string::npos)
      << cluster.broker_stderr() << workers_stderr(cluster);
  std::printf("[ figure ] %zu-bar CSV job done in %.1f s, synthetic in %.1f s\n", kMaxDatasetBars,
              csv_s, syn_s);

  {
    std::ofstream more(csv, std::ios::app);
    more << (1'600'000'000 + 60 * kMaxDatasetBars) << ",100.00,100.00,100.00,100.00,1\n";
  }
  auto over = c.submit(JobKind::kOptimization, job_on({{"path", "limit.csv"}}));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), Code::kTooLarge);
  EXPECT_EQ(over.status().message(),
            "spec.dataset: limit.csv:" + std::to_string(kMaxDatasetBars + 2) + ": more than " +
                std::to_string(kMaxDatasetBars) + " bars, the limit of one dataset");
  auto too_many =
      c.submit(JobKind::kOptimization, job_on({{"synthetic", {{"bars", kMaxDatasetBars + 1}}}}));
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), Code::kBadRequest);
  EXPECT_EQ(too_many.status().message(), "spec.dataset.synthetic.bars: must be an integer in 1.." +
                                             std::to_string(kMaxDatasetBars));
}

}  // namespace
}  // namespace sweep
