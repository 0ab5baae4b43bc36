// The engine's speed: sma_cross over 1,000,000 synthetic bars, with the progress/cancellation
// hook off and on (the same run side by side, so their ratio is the hook's cost).
#include <benchmark/benchmark.h>

#include <atomic>

#include "sweep/data/synthetic.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace sweep {
namespace {

constexpr size_t kBars = 1'000'000;

const MarketData& data() {
  static auto md = MarketData::Build(std::make_shared<const TimeSeries>(make_synthetic(kBars, 42)));
  return *md;
}

ParamSet sma_params() {
  const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  ParamSet p;
  p.set("fast", int64_t{10});
  p.set("slow", int64_t{30});
  p.set("mode", std::string("long_short"));
  return validate_params(reg.find("sma_cross")->params, p).value();
}

void run(benchmark::State& state, bool hooked) {
  const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  const ParamSet params = sma_params();
  std::atomic<bool> cancel{false};
  uint64_t seen = 0;
  RunHooks hooks;
  if (hooked) {
    hooks.cancel = &cancel;
    hooks.progress = [&seen](uint64_t done) { seen = done; };
  }
  int64_t trades = 0;
  BacktestResult r;  // reused, as the optimizer and the worker do
  for (auto _ : state) {
    auto strategy = reg.find("sma_cross")->create();
    if (!run_backtest_into(data(), *strategy, params, {}, hooks, r).ok()) {
      state.SkipWithError("run failed");
      return;
    }
    trades = static_cast<int64_t>(r.trades.size());
    benchmark::DoNotOptimize(r.metrics);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBars));
  state.counters["trades"] = static_cast<double>(trades);
  benchmark::DoNotOptimize(seen);
}

void BM_SmaCross_HookOff(benchmark::State& state) {
  run(state, false);
}
void BM_SmaCross_HookOn(benchmark::State& state) {
  run(state, true);
}
// Interleaved repetitions so that machine noise hits both sides alike.
BENCHMARK(BM_SmaCross_HookOff)->Unit(benchmark::kMillisecond)->Repetitions(5);
BENCHMARK(BM_SmaCross_HookOn)->Unit(benchmark::kMillisecond)->Repetitions(5);

}  // namespace
}  // namespace sweep

BENCHMARK_MAIN();
