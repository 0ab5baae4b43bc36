// Every built-in strategy with its default parameters over 1,000,000 synthetic bars (seed 42):
//   BM_Backtest/<name>  a whole run_backtest (strategy loop, account, metrics)
//   BM_Loop/<name>      prepare() and the bar loop alone (Account + Strategy::run), no metrics
// plus the incremental indicators on their own (BM_Indicator/<name>). items_per_second = bars.
// The market data is built once, before any timed loop.
#include <benchmark/benchmark.h>

#include "sweep/data/synthetic.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/engine/indicators.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace sweep {
namespace {

constexpr size_t kBars = 1'000'000;

const MarketData& data() {
  static auto md = MarketData::Build(std::make_shared<const TimeSeries>(make_synthetic(kBars, 42)));
  return *md;
}

const StrategyRegistry& registry() {
  static const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  return reg;
}

ParamSet defaults(const StrategyInfo& info) {
  return validate_params(info.params, {}).value();
}

void backtest(benchmark::State& state, const StrategyInfo* info) {
  const MarketData& md = data();
  const ParamSet params = defaults(*info);
  size_t trades = 0;
  for (auto _ : state) {
    auto strategy = info->create();
    Result<BacktestResult> r = run_backtest(md, *strategy, params, {});
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    trades = r->trades.size();
    benchmark::DoNotOptimize(r->metrics);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBars));
  state.counters["trades"] = static_cast<double>(trades);
}

void loop(benchmark::State& state, const StrategyInfo* info) {
  const MarketData& md = data();
  const ParamSet params = defaults(*info);
  for (auto _ : state) {
    auto strategy = info->create();
    if (!strategy->prepare(md, params).ok()) {
      state.SkipWithError("prepare failed");
      return;
    }
    Account account(md.open.data(), md.close.data(), md.size(), 10'000, 0);
    strategy->run(account, 0, md.size());
    benchmark::DoNotOptimize(account.cash());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBars));
}

template <class Indicator, class Input, class Read>
void indicator(benchmark::State& state, Indicator proto, const std::vector<Input>& input,
               Read read) {
  for (auto _ : state) {
    Indicator ind = proto;
    double acc = 0;
    for (const Input& x : input) {
      ind.update(x);
      acc += read(ind);
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}

void register_all() {
  for (const StrategyInfo& info : registry().all()) {
    benchmark::RegisterBenchmark(("BM_Backtest/" + info.name).c_str(), backtest, &info)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_Loop/" + info.name).c_str(), loop, &info)
        ->Unit(benchmark::kMillisecond);
  }
  const std::vector<double>& close = data().close;
  const std::vector<int64_t>& fixed = data().close_fixed;
  benchmark::RegisterBenchmark("BM_Indicator/Ema(26)", [&](benchmark::State& s) {
    indicator(s, Ema(26), close, [](const Ema& e) { return e.value(); });
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Indicator/WilderRsi(14)", [&](benchmark::State& s) {
    indicator(s, WilderRsi(14), close, [](const WilderRsi& r) { return double(r.compare(30)); });
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Indicator/RollingMeanSd(20).compare_band", [&](benchmark::State&
                                                                                      s) {
    indicator(s, RollingMeanSd(20), fixed,
              [&](const RollingMeanSd& m) { return double(m.compare_band(fixed[0], 2.0)); });
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Indicator/RollingMax(20)", [&](benchmark::State& s) {
    indicator(s, RollingMax(20), close, [](const RollingMax& m) { return m.value(); });
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_Indicator/RollingSum(30)", [&](benchmark::State& s) {
    indicator(s, RollingSum(30), fixed, [](const RollingSum& m) { return double(m.sum()); });
  })->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace sweep

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  (void)sweep::data();  // built once, before any timing
  sweep::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
