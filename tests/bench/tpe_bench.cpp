// Method tpe against random search: trials until the grid's best is found on the EURUSD
// sma_cross Sharpe grid (fast 5..50, slow 20..200 step 5, fast < slow: 1,590 points,
// long_short, commission 0.0002), median and worst over seeds 0..19 with n 200; and the time per
// suggestion at 200 and 2,000 trials of history (Google Benchmark).
//
//   build/bin/tpe_bench [--grid-csv PATH] [benchmark flags]
//
// The objective of each point is taken from one in-process run of the whole grid (the engine is
// deterministic, so a search that ran its trials would see the same values). --grid-csv writes
// that grid (fast,slow,sharpe) for tests/bench/optuna_tpe.py.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

#include "sweep/data/csv_loader.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/optimizer.hpp"
#include "sweep/optimize/tpe.hpp"

namespace sweep {
namespace {

constexpr const char* kSpace = R"("space": {"fast": {"start": 5, "stop": 50, "step": 1},
  "slow": {"start": 20, "stop": 200, "step": 5}}, "constraint": "fast < slow")";

JobSpec eurusd_spec(const std::string& method) {
  const std::string text = std::string(R"({"dataset": {"path": "EURUSD.csv"},
    "strategy": "sma_cross", "params": {"mode": "long_short"}, "commission": 0.0002, )") +
                           kSpace + R"(, "method": )" + method + "}";
  static const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  JobSpec s = parse_job_spec_text(text, JobKind::kOptimization).value();
  return conform_to_schema(s, reg.find("sma_cross")->params).value();
}

struct Grid {
  std::map<uint64_t, double> value;  // grid index -> Sharpe
  double best = -1e300;
};

Grid run_grid() {
  static const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  const auto md = MarketData::Build(std::make_shared<const TimeSeries>(
      load_csv(std::string(SWEEP_DATA_DIR) + "/EURUSD.csv").value()));
  const JobSpec spec = eurusd_spec(R"("grid")");
  const TrialPlan plan = make_trial_plan(spec).value();
  OptimizeOptions opt;
  opt.threads = 2;
  OptimizationResult r = optimize(*md, *reg.find("sma_cross"), plan, {spec.cash, spec.commission},
                                  spec.objective, 1, opt)
                             .value();
  Grid g;
  for (TrialCursor c = plan.cursor(); auto t = c.next();) {
    const double v = spec.objective.value(r.trials[t->index].metrics);
    g.value[t->grid_index] = v;
    if (!std::isnan(v)) g.best = std::max(g.best, v);
  }
  return g;
}

// Trials until a point of the grid's best value is run; n + 1 when none is within n.
uint64_t tpe_trials_to_best(const Grid& grid, uint64_t seed, uint64_t batch, uint64_t n) {
  const JobSpec spec =
      eurusd_spec("{\"tpe\": {\"n\": " + std::to_string(n) + ", \"seed\": " + std::to_string(seed) +
                  ", \"startup\": 10, \"batch\": " + std::to_string(batch) + "}}");
  TpeSuggester tpe = TpeSuggester::create(make_trial_plan(spec).value(), spec.objective).value();
  std::vector<TpeObservation> history;
  while (history.size() < tpe.total()) {
    const std::vector<Trial> gen = tpe.next_generation(history).value();
    for (const Trial& t : gen) {
      const double v = grid.value.at(t.grid_index);
      if (v == grid.best) return t.index + 1;
      history.push_back({t.grid_index, v});
    }
  }
  return n + 1;
}

uint64_t random_trials_to_best(const Grid& grid, uint64_t seed) {
  const JobSpec spec =
      eurusd_spec("{\"random\": {\"n\": 100000, \"seed\": " + std::to_string(seed) + "}}");
  for (TrialCursor c = make_trial_plan(spec).value().cursor(); auto t = c.next();)
    if (grid.value.at(t->grid_index) == grid.best) return t->index + 1;
  return 0;
}

void report(const char* name, std::vector<uint64_t> v, uint64_t n) {
  std::sort(v.begin(), v.end());
  const auto found = std::count_if(v.begin(), v.end(), [&](uint64_t x) { return x <= n; });
  const uint64_t lo = v[(v.size() - 1) / 2], hi = v[v.size() / 2];
  char median[32], worst[32];
  if (hi > n)
    std::snprintf(median, sizeof median, ">%llu", static_cast<unsigned long long>(n));
  else
    std::snprintf(median, sizeof median, "%.1f", (static_cast<double>(lo) + hi) / 2);
  if (v.back() > n)
    std::snprintf(worst, sizeof worst, ">%llu", static_cast<unsigned long long>(n));
  else
    std::snprintf(worst, sizeof worst, "%llu", static_cast<unsigned long long>(v.back()));
  std::printf("%-20s median %7s  worst %7s  found within %llu: %lld of %zu seeds\n", name, median,
              worst, static_cast<unsigned long long>(n), static_cast<long long>(found), v.size());
}

void search_figures(const char* csv) {
  const Grid grid = run_grid();
  std::printf("EURUSD sma_cross grid: %zu points, best Sharpe %.6f\n", grid.value.size(),
              grid.best);
  if (csv) {
    const JobSpec spec = eurusd_spec(R"("grid")");
    const ParamSpace space = effective_space(spec).value();
    std::ofstream out(csv);
    out << "fast,slow,sharpe\n";
    for (const auto& [g, v] : grid.value) {
      const ParamSet p = space.at(g);
      out << std::get<int64_t>(*p.find("fast")) << ',' << std::get<int64_t>(*p.find("slow")) << ','
          << (std::isnan(v) ? std::string("nan") : std::to_string(v)) << '\n';
    }
  }
  constexpr uint64_t kN = 200;
  std::vector<uint64_t> random, b1, b8;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    random.push_back(random_trials_to_best(grid, seed));
    b1.push_back(tpe_trials_to_best(grid, seed, 1, kN));
    b8.push_back(tpe_trials_to_best(grid, seed, 8, kN));
  }
  std::printf("trials until the grid's best, seeds 0..19:\n");
  report("random (no cap)", random, 100000);
  report("tpe batch 1, n 200", b1, kN);
  report("tpe batch 8, n 200", b8, kN);
}

// One generation of 8 suggestions after `h` trials of history, on a 59,501-point space.
void BM_TpeSuggestion(benchmark::State& state) {
  const uint64_t h = static_cast<uint64_t>(state.range(0));
  ParamSpace space;
  (void)space.add("fast", Axis::range(int64_t{2}, int64_t{300}, int64_t{1}, "space.fast").value());
  (void)space.add("slow",
                  Axis::range(int64_t{10}, int64_t{1000}, int64_t{5}, "space.slow").value());
  // Generation 1 starts after `h` startup trials: a history of h.
  TrialPlan plan = TrialPlan::create(space, "", TpeSearch{h + 8, 1, h, 8}).value();
  TpeSuggester tpe = TpeSuggester::create(plan, {}).value();
  std::vector<TpeObservation> history;
  const std::vector<Trial> startup = tpe.next_generation({}).value();
  for (const Trial& t : startup) {
    const double f = static_cast<double>(std::get<int64_t>(*t.params.find("fast")));
    const double s = static_cast<double>(std::get<int64_t>(*t.params.find("slow")));
    history.push_back({t.grid_index, -((f - 40) * (f - 40) + (s - 400) * (s - 400) / 25)});
  }
  for (auto _ : state) benchmark::DoNotOptimize(tpe.next_generation(history));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 8);  // suggestions
}
BENCHMARK(BM_TpeSuggestion)->Arg(200)->Arg(2000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sweep

int main(int argc, char** argv) {
  const char* csv = nullptr;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--grid-csv") == 0 && i + 1 < argc) {
      csv = argv[++i];
      continue;
    }
    rest.push_back(argv[i]);
  }
  sweep::search_figures(csv);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
