// Store write throughput: items_per_second is trial rows committed per second, for
// record_trials() batches of 1, 64 and 512 rows (one transaction per batch) on a fresh WAL file;
// and the cost of a job insert (what a submit waits for) with synchronous=NORMAL against FULL
// (StoreOptions::durable_commits, the broker's own connection). Run it on a real disk: fsync on a
// tmpfs costs nothing.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "sweep/store/store.hpp"

namespace {

namespace fs = std::filesystem;

sweep::TrialRow make_row(uint64_t index) {
  sweep::TrialRow t;
  t.trial_index = index;
  t.status = sweep::TrialState::kCompleted;
  t.params.set("fast", static_cast<int64_t>(index % 50));
  t.params.set("slow", static_cast<int64_t>(index % 200));
  t.params.set("mode", std::string("long_short"));
  for (int m = 0; m < sweep::kMetricCount; ++m) {
    t.metrics.values[m] = static_cast<double>(index % 97) * 0.01 + m;
  }
  t.worker = "bench:1";
  t.started_at_ms = 1;
  t.finished_at_ms = 2;
  return t;
}

void record_trials(benchmark::State& state) {
  const auto batch = static_cast<size_t>(state.range(0));
  std::string tmpl = (fs::temp_directory_path() / "sweep-store-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  {
    auto store = sweep::Store::open(tmpl + "/bench.db");
    if (!store.ok()) {
      state.SkipWithError(store.status().ToString().c_str());
      return;
    }
    sweep::JobRow job;
    job.id = "bench";
    job.kind = sweep::JobKind::kOptimization;
    job.spec_json = R"({"strategy": "sma_cross", "space": {}})";
    job.created_at_ms = 1;
    if (!store->insert_job(job).ok()) {
      state.SkipWithError("insert_job failed");
      return;
    }
    uint64_t next = 0;
    std::vector<sweep::TrialRow> rows(batch);
    for (auto _ : state) {
      state.PauseTiming();
      for (auto& r : rows) r = make_row(next++);
      state.ResumeTiming();
      auto n = store->record_trials("bench", rows);
      if (!n.ok() || *n != batch) {
        state.SkipWithError("record_trials failed");
        break;
      }
    }
    state.SetItemsProcessed(static_cast<int64_t>(next));
  }
  fs::remove_all(tmpl);
}
BENCHMARK(record_trials)->Arg(1)->Arg(64)->Arg(512)->Unit(benchmark::kMicrosecond);

// Arg 0: synchronous=NORMAL; 1: FULL (durable_commits).
void insert_job(benchmark::State& state) {
  std::string tmpl = (fs::temp_directory_path() / "sweep-store-bench-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  {
    sweep::StoreOptions options;
    options.durable_commits = state.range(0) == 1;
    auto store = sweep::Store::open(tmpl + "/bench.db", options);
    if (!store.ok()) {
      state.SkipWithError(store.status().ToString().c_str());
      return;
    }
    sweep::JobRow job;
    job.kind = sweep::JobKind::kOptimization;
    job.spec_json = R"({"strategy": "sma_cross", "space": {}})";
    job.created_at_ms = 1;
    uint64_t next = 0;
    for (auto _ : state) {
      job.id = "job" + std::to_string(next++);
      if (!store->insert_job(job).ok()) {
        state.SkipWithError("insert_job failed");
        break;
      }
    }
    state.SetItemsProcessed(static_cast<int64_t>(next));
  }
  fs::remove_all(tmpl);
}
BENCHMARK(insert_job)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
