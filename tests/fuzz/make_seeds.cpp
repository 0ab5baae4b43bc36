// Writes the protocol seed corpora (tests/fuzz/corpus/<target>/) from the encoder, so the seeds
// are the bytes Sweep itself sends. Usage: sweep_fuzz_seeds CORPUS_DIR (the folder holding one
// folder per target). The committed seeds were made with it; rerun it when messages change.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sweep/protocol/protocol.hpp"

namespace {

using namespace sweep;
using namespace sweep::protocol;
using nlohmann::json;
namespace fs = std::filesystem;

ParamSet some_params() {
  ParamSet p;
  p.set("fast", int64_t{10});
  p.set("mode", std::string("long_short"));
  p.set("ratio", 0.5);
  return p;
}
Metrics some_metrics() {
  Metrics m;  // NaN (nil on the wire) except these
  m[Metric::kTrades] = 12;
  m[Metric::kSharpe] = 1.25;
  m[Metric::kFinalEquity] = 10523.5;
  return m;
}
TrialRecord some_trial() {
  TrialRecord t;
  t.index = 7;
  t.attempt = 2;
  t.status = TrialState::kFailed;
  t.params = some_params();
  t.metrics = some_metrics();
  t.trades = 3;
  t.error_message = "fast must be < slow";
  t.worker = "w-1";
  t.started_at = 1700000000000;
  t.finished_at = 1700000001234;
  return t;
}
json some_spec() {
  return json::parse(R"({"dataset": {"synthetic": {"bars": 1000, "seed": 7}},
    "strategy": "sma_cross", "space": {"fast": {"start": 5, "stop": 25, "step": 5},
    "slow": [20, 30, 40]}, "constraint": "fast < slow", "method": {"random": {"n": 20, "seed": 1}}})");
}

void write(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

template <class V>
void write_all(const fs::path& dir, const std::vector<V>& messages) {
  int i = 0;
  for (const V& m : messages) write(dir, "seed-" + std::to_string(i++), encode(m));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sweep_fuzz_seeds CORPUS_DIR\n");
    return 2;
  }
  const fs::path root = argv[1];

  write_all<FrontendRequest>(
      root / "protocol_frontend_request",
      {SubmitRequest{"r1", JobKind::kBacktest,
                     json::parse(R"({"dataset":{"path":"GOOG.csv"},"strategy":"sma_cross",
                                 "params":{"fast":10,"slow":30}})"),
                     ""},
       SubmitRequest{"r2", JobKind::kOptimization, some_spec(), "key-42"},
       StatusRequest{"r3", "job-1"}, CancelRequest{"r4", "job-1"}, GetRequest{"", ""},
       TrialsRequest{"r6", "job-1", "sharpe", SortOrder::kDesc, 1000, UINT64_MAX},
       ListRequest{"r8", JobKind::kOptimization, JobState::kCancelling, 10, 20},
       ListRequest{"r9", std::nullopt, std::nullopt, 0, 0}, HealthRequest{"r10"}});

  StatusReply st;
  st.req = "r2";
  st.id = "job-1";
  st.kind = JobKind::kOptimization;
  st.status = JobState::kRunning;
  st.total = 120;
  st.completed = 30;
  st.progress = 0.25;
  st.eta_s = 37.5;
  st.best = some_trial();
  st.result = json{{"best", {{"index", 3}}}, {"top", json::array()}};
  JobReply jr;
  jr.req = "r3";
  jr.job.id = "job-1";
  jr.job.kind = JobKind::kOptimization;
  jr.job.status = JobState::kFailed;
  jr.job.spec = some_spec();
  jr.job.created_at = 1;
  jr.job.error_message = "dataset vanished";
  jr.job.best = some_trial();
  write_all<FrontendReply>(
      root / "protocol_frontend_reply",
      {AcceptedReply{"r1", "job-1", 120, JobState::kQueued}, st, jr,
       TrialsPage{"r4", "job-1", 500, 100, {some_trial(), TrialRecord{}}},
       JobsPage{"r5",
                2,
                0,
                {JobSummary{"a", JobKind::kBacktest, JobState::kCompleted, 10, 10, 0, 5, 6},
                 JobSummary{"b", JobKind::kOptimization, JobState::kQueued, 9, 0, 0, 7, {}}}},
       HealthReply{"r6",
                   "0.1.0",
                   Endpoints{"tcp://127.0.0.1:1", "tcp://127.0.0.1:2", "tcp://127.0.0.1:3",
                             "tcp://127.0.0.1:4"},
                   {WorkerInfo{"w-1", 1234, "hostA", 4, 3}},
                   77,
                   2},
       ErrorReply{"r7", Code::kBadRequest, "spec.space.slow[2]: duplicate", "spec.space.slow[2]"}});

  TrialResult r;
  r.job = "job-1";
  r.index = 9;
  r.status = TrialState::kCompleted;
  r.metrics = some_metrics();
  r.trades = 12;
  r.equity = {10000, 10010.5, 9990.25};
  r.started_at = 1700000000000;
  r.finished_at = 1700000000500;
  r.bars = 1000;
  TrialResult failed = r;
  failed.status = TrialState::kFailed;
  failed.equity.clear();
  failed.error_message = "boom";
  failed.error_stack_trace = "#0 x";
  write_all<WorkerMessage>(
      root / "protocol_worker_message",
      {Hello{"w-1", "hostA", "0.1.0", 4242, 8, {"sma_cross", "ema_cross"}}, Heartbeat{}, Credit{3},
       r, failed, DatasetRequest{"abcdef"}, Bye{"shutdown"}, Bye{},
       Crashed{11, "SIGSEGV", "Segmentation fault", TrialRef{"job-1", 9, 2}},
       Crashed{6, "SIGABRT", "Aborted", std::nullopt}, Draining{{TrialRef{"job-1", 9, 1}}}});

  TrialsBatch b;
  b.job = "job-1";
  b.dataset = DatasetRef{"ab12", json{{"path", "GOOG.csv"}}};
  b.strategy = "sma_cross";
  b.commission = 0.002;
  b.trials = {BatchTrial{0, 1, some_params()}, BatchTrial{5, 3, ParamSet{}}};
  write_all<BrokerMessage>(
      root / "protocol_broker_message",
      {Welcome{"tcp://127.0.0.1:5557", "tcp://127.0.0.1:5558", 1000, 3}, Heartbeat{}, b,
       Dataset{"ab12", "Date,Open,High,Low,Close\n2020-01-01,1,2,0.5,1.5\n"}, CrashAck{}});

  write_all<Event>(
      root / "protocol_event",
      {ProgressEvent{"job-1", JobState::kRunning, 10, 4, 1, 2, 3, 0.5, 1.5, 2.0},
       ProgressEvent{"job-1", JobState::kCancelling, 10, 4, 1, 2, 3, 0.5, 1.5, {}},
       TrialEvent{"job-1", some_trial()},
       StateEvent{"job-1", JobState::kFailed, "dataset vanished"}, CancelEvent{"job-1"}});

  const fs::path ticks = root / "protocol_tick";
  write(ticks, "seed-0", encode(Tick{"job-1", 4, 2, 500, 1000}));
  write(ticks, "seed-1", encode(Tick{"", UINT64_MAX, UINT32_MAX, 0, 0}));
  return 0;
}
