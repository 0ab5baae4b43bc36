// The codec on the messages that matter (docs/PERFORMANCE.md, msgpack section): encode and
// decode of a typical `submit` (an optimization spec), a `batch` of 256 trials and a `results` of
// 64 completed trials (equity curves of 100 points), and the decode of a `dataset` frame whose
// CSV is a 1 MB string. Only the public API of protocol.hpp, so the same source builds against
// an older codec for a side-by-side run.
#include <benchmark/benchmark.h>

#include <string>

#include "sweep/protocol/protocol.hpp"

namespace {

using namespace sweep;
using namespace sweep::protocol;
using nlohmann::json;

SubmitRequest submit() {
  return SubmitRequest{"r-123", JobKind::kOptimization,
                       json::parse(R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
                         "space": {"fast": {"start": 5, "stop": 50, "step": 5},
                                   "slow": [10, 20, 30, 40, 50]},
                         "constraint": "fast < slow", "cash": 10000.0, "commission": 0.002,
                         "objective": {"metric": "sharpe", "goal": "maximize"}})"),
                       "idem-42"};
}

TrialsBatch batch() {
  TrialsBatch b;
  b.job = "j0123456789abcdef";
  b.dataset.hash = std::string(64, 'f');
  b.dataset.source = {{"path", "GOOG.csv"}};
  b.strategy = "sma_cross";
  b.commission = 0.002;
  for (uint64_t i = 0; i < 256; ++i) {
    BatchTrial t;
    t.index = i;
    t.params.set("fast", int64_t(5 + int64_t(i % 10) * 5));
    t.params.set("slow", int64_t(20 + int64_t(i / 10) * 20));
    t.params.set("mode", std::string("long_short"));
    b.trials.push_back(std::move(t));
  }
  b.objective = Objective{Metric::kSharpe, true};
  b.top_k = 10;
  return b;
}

TrialResults results() {
  TrialResults m;
  m.credit = 64;
  for (uint64_t i = 0; i < 64; ++i) {
    TrialResult r;
    r.job = "j0123456789abcdef";
    r.index = 1000 + i;
    r.status = TrialState::kCompleted;
    for (int k = 0; k < kMetricCount; ++k) r.metrics.values[k] = 1.5 * k + 0.001 * double(i);
    r.trades = 40;
    for (int k = 0; k < 100; ++k) r.equity.push_back(10000 + 3.25 * k);
    r.started_at = 1'700'000'000'000;
    r.finished_at = 1'700'000'000'040;
    r.bars = 2148;
    r.duration_us = 40;
    m.results.push_back(std::move(r));
  }
  return m;
}

template <class V, class M>
void encode_case(benchmark::State& state, const M& m) {
  const V v(m);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = encode(v);
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

template <class V, class M, class Decode>
void decode_case(benchmark::State& state, const M& m, Decode decode) {
  const std::string frame = encode(V(m));
  for (auto _ : state) {
    auto back = decode(frame);
    if (!back.ok()) state.SkipWithError(back.status().ToString().c_str());
    benchmark::DoNotOptimize(back);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * frame.size()));
}

auto frontend = [](std::string_view b) { return decode_frontend_request(b); };
auto worker = [](std::string_view b) { return decode_worker_message(b); };
auto broker = [](std::string_view b) { return decode_broker_message(b); };

void BM_encode_submit(benchmark::State& s) {
  encode_case<FrontendRequest>(s, submit());
}
void BM_decode_submit(benchmark::State& s) {
  decode_case<FrontendRequest>(s, submit(), frontend);
}
void BM_encode_batch256(benchmark::State& s) {
  encode_case<BrokerMessage>(s, batch());
}
void BM_decode_batch256(benchmark::State& s) {
  decode_case<BrokerMessage>(s, batch(), broker);
}
void BM_encode_results64(benchmark::State& s) {
  encode_case<WorkerMessage>(s, results());
}
void BM_decode_results64(benchmark::State& s) {
  decode_case<WorkerMessage>(s, results(), worker);
}
void BM_decode_dataset_1MB_string(benchmark::State& s) {
  decode_case<BrokerMessage>(s, Dataset{"h", std::string(1'000'000, 'x')}, broker);
}

BENCHMARK(BM_encode_submit);
BENCHMARK(BM_decode_submit);
BENCHMARK(BM_encode_batch256);
BENCHMARK(BM_decode_batch256);
BENCHMARK(BM_encode_results64);
BENCHMARK(BM_decode_results64);
BENCHMARK(BM_decode_dataset_1MB_string)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
