// Data layer throughput: items_per_second is bars per second.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "sweep/base/sha256.hpp"
#include "sweep/data/csv_loader.hpp"
#include "sweep/data/dataset.hpp"
#include "sweep/data/synthetic.hpp"

namespace {

const std::string kData = SWEEP_DATA_DIR;
constexpr size_t kMillion = 1'000'000;

void load(benchmark::State& state, const std::string& path) {
  size_t bars = 0;
  for (auto _ : state) {
    auto r = sweep::load_csv(path);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    bars += r->size();
    benchmark::DoNotOptimize(r->bars.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(bars));
}

void BM_LoadCsvGoog(benchmark::State& state) {
  load(state, kData + "/GOOG.csv");
}
void BM_LoadCsvEurusd(benchmark::State& state) {
  load(state, kData + "/EURUSD.csv");
}

// A million synthetic minute bars written once to a temporary file.
const std::string& million_bar_csv() {
  static const std::string path = [] {
    auto p = std::filesystem::temp_directory_path() / "sweep_csv_bench_1m.csv";
    std::ofstream(p, std::ios::binary) << sweep::to_csv(sweep::make_synthetic(kMillion, 1));
    return p.string();
  }();
  return path;
}

void BM_LoadCsvMillionBars(benchmark::State& state) {
  load(state, million_bar_csv());
}

void BM_ParseCsvMillionBarsInMemory(benchmark::State& state) {
  const std::string text = sweep::to_csv(sweep::make_synthetic(kMillion, 1));
  for (auto _ : state) {
    auto r = sweep::parse_csv(text, "bench");
    benchmark::DoNotOptimize(r.ok());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kMillion));
}

void BM_MakeSyntheticMillionBars(benchmark::State& state) {
  for (auto _ : state) {
    sweep::TimeSeries s = sweep::make_synthetic(kMillion, 7);
    benchmark::DoNotOptimize(s.bars.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kMillion));
}

void BM_ToCsvMillionBars(benchmark::State& state) {
  const sweep::TimeSeries s = sweep::make_synthetic(kMillion, 7);
  for (auto _ : state) benchmark::DoNotOptimize(sweep::to_csv(s).size());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kMillion));
}

// A dataset's id: SHA-256 over a 24-byte header and 48 bytes a bar (sweep/data/dataset.hpp).
void BM_DatasetHashMillionBars(benchmark::State& state) {
  const sweep::TimeSeries s = sweep::make_synthetic(kMillion, 7);
  for (auto _ : state) benchmark::DoNotOptimize(sweep::dataset_hash(s));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kMillion));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kMillion * 48));
}

// SHA-256 alone, over 16 MB in memory.
void BM_Sha256SixteenMegabytes(benchmark::State& state) {
  const std::string data(16 << 20, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(sweep::sha256_hex(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}

BENCHMARK(BM_LoadCsvGoog)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoadCsvEurusd)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoadCsvMillionBars)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseCsvMillionBarsInMemory)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MakeSyntheticMillionBars)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ToCsvMillionBars)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DatasetHashMillionBars)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Sha256SixteenMegabytes)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::filesystem::remove(std::filesystem::temp_directory_path() / "sweep_csv_bench_1m.csv");
  return 0;
}
