// The robustness statistics' cost: CSCV over N trials with S blocks (what the broker runs once per
// finished optimization, off its loop), and the per-trial statistics a worker adds to a GOOG run.
#include <benchmark/benchmark.h>

#include <random>

#include "sweep/data/csv_loader.hpp"
#include "sweep/optimize/robustness.hpp"

namespace sweep {
namespace {

std::vector<RobustnessInput> random_trials(size_t n, int blocks) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0003, 0.01);
  std::vector<RobustnessInput> in(n);
  std::vector<double> r(3000);
  for (size_t k = 0; k < n; ++k) {
    for (double& x : r) x = noise(rng);
    in[k] = {k, return_stats(r, blocks)};
  }
  return in;
}

// Args: trials, blocks, threads.
void BM_AssessRobustness(benchmark::State& state) {
  const int blocks = static_cast<int>(state.range(1));
  const auto in = random_trials(static_cast<size_t>(state.range(0)), blocks);
  const auto threads = static_cast<unsigned>(state.range(2));
  for (auto _ : state) benchmark::DoNotOptimize(assess_robustness(in, 0, blocks, threads));
  state.counters["trials"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_AssessRobustness)
    ->Args({1000, 16, 1})
    ->Args({1000, 16, 2})
    ->Args({10000, 16, 1})
    ->Args({10000, 16, 2})
    ->Args({10000, 8, 1})
    ->UseRealTime()  // the second thread's CPU time is not the caller's
    ->Unit(benchmark::kMillisecond);

// One GOOG trial's statistics from its equity: daily returns, moments, 16 block sums.
void BM_ReturnStatsGoog(benchmark::State& state) {
  static const auto md = MarketData::Build(std::make_shared<const TimeSeries>(
      load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv").value()));
  std::vector<double> equity(md->size());
  for (size_t i = 0; i < equity.size(); ++i) equity[i] = 10000 + md->close[i];
  for (auto _ : state)
    benchmark::DoNotOptimize(return_stats(daily_returns(*md, equity), kDefaultReturnBlocks));
}
BENCHMARK(BM_ReturnStatsGoog)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sweep

BENCHMARK_MAIN();
