// The in-process optimizer's scaling: trials per second over GOOG with 1 and 2 threads, the same
// 1,000 sma_cross trials side by side (their ratio is the scaling); and what the robustness
// statistics add: the same trials with and without ReturnStats, and the optimization with them.
#include <benchmark/benchmark.h>

#include "sweep/data/csv_loader.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/optimizer.hpp"

namespace sweep {
namespace {

const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
const auto md = MarketData::Build(std::make_shared<const TimeSeries>(
    load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv").value()));
const JobSpec spec =
    parse_job_spec_text(R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
      "space": {"fast": {"start": 2, "stop": 41, "step": 1},
                "slow": {"start": 50, "stop": 74, "step": 1}}})",
                        JobKind::kOptimization)
        .value();
const TrialPlan plan = make_trial_plan(spec).value();

// Args: threads, return blocks (0: no statistics, no robustness).
void BM_OptimizeGoog(benchmark::State& state) {
  OptimizeOptions opt;
  opt.threads = static_cast<unsigned>(state.range(0));
  opt.return_blocks = static_cast<int>(state.range(1));
  uint64_t trials = 0;
  for (auto _ : state) {
    Result<OptimizationResult> r =
        optimize(*md, *reg.find("sma_cross"), plan, {}, spec.objective, 10, opt);
    trials += r->completed;
  }
  state.SetItemsProcessed(static_cast<int64_t>(trials));
  state.counters["trials"] = static_cast<double>(plan.total());
}
// Wall-clock time: the threads' CPU time is not the caller's.
BENCHMARK(BM_OptimizeGoog)
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({1, kDefaultReturnBlocks})
    ->Args({2, kDefaultReturnBlocks})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The per-trial share alone: the plan's 1,000 trials one after the other on this thread, with
// (arg 16) and without (arg 0) their ReturnStats. Both run in one binary, alternating with
// --benchmark_repetitions, so that the machine's load falls on both alike.
void BM_GoogTrials(benchmark::State& state) {
  static const std::vector<ParamSet> params = [] {
    std::vector<ParamSet> out;
    TrialCursor c = plan.cursor();
    while (std::optional<Trial> t = c.next()) out.push_back(t->params);
    return out;
  }();
  EngineOptions engine;
  engine.return_blocks = static_cast<int>(state.range(0));
  const StrategyInfo& sma = *reg.find("sma_cross");
  for (auto _ : state)
    for (const ParamSet& p : params) benchmark::DoNotOptimize(run_trial(*md, sma, p, engine));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * params.size()));
}
BENCHMARK(BM_GoogTrials)->Arg(0)->Arg(kDefaultReturnBlocks)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sweep

BENCHMARK_MAIN();
