// Decoding a frame into JSON, Sweep's reader (read_msgpack: structure check + one pass that
// copies each string whole) against nlohmann::json::from_msgpack (what read_msgpack called
// before), side by side in one run: a typical 181-byte submit request, and a hello whose worker
// id is a 1 MB string (what the hostile-client storm sends).
#include <benchmark/benchmark.h>

#include <string>

#include "sweep/protocol/msgpack_io.hpp"

namespace {

using nlohmann::json;

std::string frame(const json& j) {
  const auto v = json::to_msgpack(j);
  return {v.begin(), v.end()};
}

std::string submit_frame() {
  return frame(
      {{"v", 1},
       {"type", "submit"},
       {"req", "r-123"},
       {"kind", "optimization"},
       {"spec",
        {{"dataset", {{"path", "GOOG.csv"}}},
         {"strategy", "sma_cross"},
         {"space",
          {{"fast", {{"start", 5}, {"stop", 50}, {"step", 5}}}, {"slow", {10, 20, 30, 40, 50}}}},
         {"maximize", "sharpe"},
         {"cash", 10000.0},
         {"commission", 0.002}}}});
}

std::string megabyte_hello() {
  return frame({{"v", 1}, {"type", "hello"}, {"worker", std::string(1'000'000, 'x')}});
}

void sweep_reader(benchmark::State& state, const std::string& f) {
  for (auto _ : state) {
    auto j = sweep::protocol::detail::read_msgpack(f, 2'000'000);
    benchmark::DoNotOptimize(j);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.size()));
}

void nlohmann_reader(benchmark::State& state, const std::string& f) {
  for (auto _ : state) {
    auto j = json::from_msgpack(f.begin(), f.end(), /*strict=*/true, /*allow_exceptions=*/false);
    benchmark::DoNotOptimize(j);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.size()));
}

BENCHMARK_CAPTURE(sweep_reader, submit_181B, submit_frame());
BENCHMARK_CAPTURE(nlohmann_reader, submit_181B, submit_frame());
BENCHMARK_CAPTURE(sweep_reader, hello_1MB_string, megabyte_hello())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(nlohmann_reader, hello_1MB_string, megabyte_hello())
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
