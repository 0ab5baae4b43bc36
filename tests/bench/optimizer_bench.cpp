// The in-process optimizer's scaling: trials per second over GOOG with 1 and 2 threads, the same
// 1,000 sma_cross trials side by side (their ratio is the scaling).
#include <benchmark/benchmark.h>

#include "sweep/data/csv_loader.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/optimizer.hpp"

namespace sweep {
namespace {

void BM_OptimizeGoog(benchmark::State& state) {
  static const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  static const auto md = MarketData::Build(std::make_shared<const TimeSeries>(
      load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv").value()));
  static const JobSpec spec =
      parse_job_spec_text(R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
        "space": {"fast": {"start": 2, "stop": 41, "step": 1},
                  "slow": {"start": 50, "stop": 74, "step": 1}}})",
                          JobKind::kOptimization)
          .value();
  static const TrialPlan plan = make_trial_plan(spec).value();
  OptimizeOptions opt;
  opt.threads = static_cast<unsigned>(state.range(0));
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
BENCHMARK(BM_OptimizeGoog)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sweep

BENCHMARK_MAIN();
