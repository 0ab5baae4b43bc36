// Walk-forward against the plain optimization of the same grid (docs/PERFORMANCE.md "Walk-forward
// and holdout"): the GOOG demo grid (fast 2..40 step 2, slow 20..120 step 10, fast < slow: 202
// trials) on all 2,148 bars, and walked forward 500:250 (7 windows). The third figure is the
// walk-forward's trials alone: the 7 train optimizations on datasets sliced beforehand, without
// the out-of-sample runs and the assembly; the walk-forward's overhead is its time over that one.
#include <benchmark/benchmark.h>

#include "sweep/data/csv_loader.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/walk_forward.hpp"

namespace sweep {
namespace {

const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
const auto series =
    std::make_shared<const TimeSeries>(load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv").value());
const auto md = MarketData::Build(series);
const JobSpec spec = [] {
  JobSpec s = parse_job_spec_text(R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
      "space": {"fast": {"start": 2, "stop": 40, "step": 2},
                "slow": {"start": 20, "stop": 120, "step": 10}},
      "constraint": "fast < slow", "walk_forward": {"train_bars": 500, "test_bars": 250}})",
                                  JobKind::kOptimization)
                  .value();
  return conform_to_schema(s, reg.find("sma_cross")->params).value();
}();
const TrialPlan plan = make_trial_plan(spec).value();

OptimizeOptions options(const benchmark::State& state) {
  OptimizeOptions opt;
  opt.threads = static_cast<unsigned>(state.range(0));
  return opt;
}

void BM_PlainOptimization(benchmark::State& state) {
  for (auto _ : state) {
    Result<OptimizationResult> r =
        optimize(*md, *reg.find("sma_cross"), plan, {}, spec.objective, 10, options(state));
    benchmark::DoNotOptimize(r->completed);
  }
  state.counters["trials"] = static_cast<double>(plan.total());
}

void BM_WalkForward(benchmark::State& state) {
  WalkForwardJob job;
  job.series = series;
  job.strategy = reg.find("sma_cross");
  job.plan = &plan;
  job.objective = spec.objective;
  job.options = options(state);
  for (auto _ : state) {
    Result<WalkForwardResult> r = run_walk_forward(job, *spec.walk_forward);
    benchmark::DoNotOptimize(r->efficiency);
  }
  state.counters["trials"] = static_cast<double>(7 * plan.total() + 7);
}

void BM_WalkForwardTrainTrialsOnly(benchmark::State& state) {
  std::vector<std::shared_ptr<const MarketData>> trains;
  for (const WindowSpan& w : walk_forward_windows(series->size(), *spec.walk_forward))
    trains.push_back(slice_market_data(*series, w.train));
  for (auto _ : state) {
    for (const auto& train : trains) {
      Result<OptimizationResult> r =
          optimize(*train, *reg.find("sma_cross"), plan, {}, spec.objective, 1, options(state));
      benchmark::DoNotOptimize(r->completed);
    }
  }
  state.counters["trials"] = static_cast<double>(7 * plan.total());
}

// The out-of-sample part of a walk-forward over a million bars, as the broker's completion thread
// runs it once the train trials are in: 8 windows (200,000:100,000), each best (here fixed
// parameters) run out of sample with the account carried, then the assembly of the stitched
// curve (800,000 bars).
const auto million = std::make_shared<const TimeSeries>(make_synthetic(1'000'000, 5));

void BM_OutOfSampleRuns(benchmark::State& state) {
  const StrategyInfo& sma = *reg.find("sma_cross");
  ParamSet params;
  params.set("fast", int64_t{10});
  params.set("slow", int64_t{100});
  const auto spans = walk_forward_windows(million->size(), {200'000, 100'000, false});
  for (auto _ : state) {
    std::vector<WindowResult> windows;
    double cash = 10'000;
    for (const WindowSpan& w : spans) {
      Result<OutOfSampleRun> oos = run_out_of_sample(*million, sma, params, cash, 0, w.test);
      cash = oos->final_equity;
      windows.push_back({w, 0, params, Metrics::Zero(), std::move(oos).value()});
    }
    if (state.range(0)) {
      WalkForwardResult r = assemble_walk_forward(*million, std::move(windows));
      benchmark::DoNotOptimize(r.efficiency);
    }
  }
  state.SetLabel(state.range(0) ? "8 runs + assembly" : "8 runs");
}
BENCHMARK(BM_OutOfSampleRuns)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Wall-clock time: the threads' CPU time is not the caller's.
BENCHMARK(BM_PlainOptimization)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WalkForward)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WalkForwardTrainTrialsOnly)
    ->Arg(1)
    ->Arg(2)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sweep

BENCHMARK_MAIN();
