// The wire protocol of docs/PROTOCOL.md as values: one struct per message, one std::variant per
// socket direction, encode() to one msgpack frame and decode_*() back. The document is the
// contract; this module is its only codec: each message is described once, as a table of its
// fields (common/protocol/messages_*.cpp), from which msgpack-c's packer and object drive one
// encoder and one decoder (common/protocol/codec_core.hpp; the grammar atop codec.cpp).
//
// Decoding never throws: malformed input is a Status with a wire code (bad_request naming the
// field as "<type>.<field>: expected a string", unsupported_version, too_large). Unknown keys are
// ignored. Encoding cannot fail; it writes every field, optional ones as nil when absent.
// Timestamps are int64 milliseconds since the Unix epoch (UTC).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/base/limits.hpp"
#include "sweep/base/status.hpp"
#include "sweep/data/market_data.hpp"
#include "sweep/engine/metrics.hpp"
#include "sweep/engine/params.hpp"
#include "sweep/engine/trial_runner.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/jobs/job_state.hpp"
#include "sweep/jobs/result_json.hpp"
#include "sweep/optimize/objective.hpp"

namespace sweep::protocol {

// ---------------------------------------------------------------------------------------------
// Frontend: client DEALER -> broker ROUTER (requests), and back (replies). `req` is echoed.

struct SubmitRequest {  // "submit_backtest" | "submit_optimization"
  std::string req;
  JobKind kind = JobKind::kBacktest;
  nlohmann::json spec = nlohmann::json::object();  // DESIGN §9 structure; checked by the broker
  std::string idempotency_key;                     // "" = none
  bool operator==(const SubmitRequest&) const = default;
};
struct StatusRequest {  // "status"
  std::string req, id;
  bool operator==(const StatusRequest&) const = default;
};
struct CancelRequest {  // "cancel"
  std::string req, id;
  bool operator==(const CancelRequest&) const = default;
};
struct GetRequest {  // "get"
  std::string req, id;
  bool operator==(const GetRequest&) const = default;
};
enum class SortOrder { kAsc, kDesc };
struct TrialsRequest {  // "trials"
  std::string req, id;
  std::string sort = "index";  // "index" or a metric name
  SortOrder order = SortOrder::kAsc;
  uint64_t limit = 100;
  uint64_t offset = 0;
  bool operator==(const TrialsRequest&) const = default;
};
struct ListRequest {  // "list"
  std::string req;
  std::optional<JobKind> kind;
  std::optional<JobState> status;
  uint64_t limit = 100;
  uint64_t offset = 0;
  bool operator==(const ListRequest&) const = default;
};
struct HealthRequest {  // "health"
  std::string req;
  bool operator==(const HealthRequest&) const = default;
};
struct StrategiesRequest {  // "strategies"
  std::string req;
  bool operator==(const StrategiesRequest&) const = default;
};
struct DatasetsRequest {  // "datasets"
  std::string req;
  bool operator==(const DatasetsRequest&) const = default;
};
using FrontendRequest =
    std::variant<SubmitRequest, StatusRequest, CancelRequest, GetRequest, TrialsRequest,
                 ListRequest, HealthRequest, StrategiesRequest, DatasetsRequest>;

// A trial as the broker records it (trials pages, `best`).
struct TrialRecord {
  uint64_t index = 0;
  uint32_t attempt = 1;
  TrialState status = TrialState::kQueued;
  ParamSet params;
  Metrics metrics;  // NaN = nil
  uint64_t trades = 0;
  std::string error_message;      // "" = nil
  std::string error_stack_trace;  // "" = nil
  std::string worker;             // "" = nil
  std::optional<int64_t> started_at, finished_at;
  bool operator==(const TrialRecord&) const = default;
};

struct AcceptedReply {  // "accepted"
  std::string req, id;
  uint64_t total = 0;
  JobState status = JobState::kQueued;
  bool operator==(const AcceptedReply&) const = default;
};
// DESIGN §3 status answer; also the reply to cancel.
struct StatusReply {  // "status"
  std::string req, id;
  JobKind kind = JobKind::kBacktest;
  JobState status = JobState::kQueued;
  uint64_t total = 0, completed = 0, failed = 0;
  double progress = 0;  // (completed + failed) / total, 0..1
  uint64_t running = 0, queued = 0;
  double elapsed_s = 0;
  std::optional<double> eta_s;               // nil when unknown
  std::optional<TrialRecord> best;           // optimizations: best trial so far
  nlohmann::json result = nlohmann::json();  // null until terminal
  // Why trials are queued but none can be dispatched (no connected worker runs the strategy,
  // ...); "" (and no key on the wire) while they can be.
  std::string waiting_for;
  bool operator==(const StatusReply&) const = default;
};
struct JobRecord {
  std::string id;
  JobKind kind = JobKind::kBacktest;
  JobState status = JobState::kQueued;
  nlohmann::json spec = nlohmann::json::object();
  uint64_t total = 0, completed = 0, failed = 0;
  std::optional<int64_t> created_at, started_at, finished_at;
  std::string error_message;  // "" = nil
  std::optional<TrialRecord> best;
  nlohmann::json result = nlohmann::json();  // null until terminal
  bool operator==(const JobRecord&) const = default;
};
struct JobReply {  // "job"
  std::string req;
  JobRecord job;
  bool operator==(const JobReply&) const = default;
};
struct TrialsPage {  // "trials_page"
  std::string req, id;
  uint64_t total = 0;  // trials recorded for the job, all pages
  uint64_t offset = 0;
  std::vector<TrialRecord> trials;
  bool operator==(const TrialsPage&) const = default;
};
struct JobSummary {
  std::string id;
  JobKind kind = JobKind::kBacktest;
  JobState status = JobState::kQueued;
  uint64_t total = 0, completed = 0, failed = 0;
  std::optional<int64_t> created_at, finished_at;
  bool operator==(const JobSummary&) const = default;
};
struct JobsPage {  // "jobs_page"
  std::string req;
  uint64_t total = 0;  // jobs matching the filters, all pages
  uint64_t offset = 0;
  std::vector<JobSummary> jobs;
  bool operator==(const JobsPage&) const = default;
};
struct Endpoints {
  std::string frontend, backend, events, telemetry;
  bool operator==(const Endpoints&) const = default;
};
struct WorkerInfo {
  std::string id;
  int64_t pid = 0;
  std::string host;
  uint32_t slots = 0, busy = 0;
  bool draining = false;  // it said `draining`: it takes no more trials (no key on the wire if not)
  bool operator==(const WorkerInfo&) const = default;
};
struct WaitingJob {  // a job whose queued trials no connected worker can take
  std::string job, reason;
  bool operator==(const WaitingJob&) const = default;
};
// The window the health reply's trials_per_s figures are measured over (the broker's clock).
inline constexpr int kRateWindowS = 10;
// A job not terminal, as the health reply counts it (for autoscalers: the gateway's /metrics).
struct LiveJobInfo {
  std::string id;
  uint64_t queued = 0, running = 0, completed = 0, failed = 0;
  double trials_per_s = 0;  // trials recorded per second over the last kRateWindowS
  bool operator==(const LiveJobInfo&) const = default;
};
struct HealthReply {  // "health"
  std::string req, version;
  Endpoints endpoints;
  std::vector<WorkerInfo> workers;
  uint64_t queue = 0;  // trials waiting for a worker
  uint64_t jobs = 0;   // jobs not terminal
  // Added after the golden frames (no key on the wire when nullopt / empty).
  std::optional<uint64_t> running;     // trials leased to workers now
  std::optional<double> trials_per_s;  // trials recorded per second over the last kRateWindowS
  std::vector<LiveJobInfo> live_jobs;  // every job not terminal
  // Why the broker's database cannot keep new jobs (its file deleted or replaced); "" (and no
  // key on the wire) while it can.
  std::string store_error;
  std::vector<WaitingJob> waiting;  // StatusReply::waiting_for of each such job; no key when none
  bool operator==(const HealthReply&) const = default;
};
struct ErrorReply {  // "error"
  std::string req;
  Code code = Code::kInternal;
  std::string message;
  std::string field;  // "" = nil
  bool operator==(const ErrorReply&) const = default;
};
// The strategies the broker runs and the metric names (jobs/catalog_json.hpp has the forms).
struct StrategiesReply {  // "strategies"
  std::string req;
  nlohmann::json strategies = nlohmann::json::array();  // [strategy_json...]
  nlohmann::json metrics = nlohmann::json::array();     // [name...]
  bool operator==(const StrategiesReply&) const = default;
};
// The datasets a spec can name (store/dataset_catalog.hpp has the forms).
struct DatasetsReply {  // "datasets"
  std::string req;
  nlohmann::json files = nlohmann::json::array();   // the data folders' CSV files
  nlohmann::json stored = nlohmann::json::array();  // the database's datasets
  bool operator==(const DatasetsReply&) const = default;
};
using FrontendReply = std::variant<AcceptedReply, StatusReply, JobReply, TrialsPage, JobsPage,
                                   HealthReply, ErrorReply, StrategiesReply, DatasetsReply>;

// ---------------------------------------------------------------------------------------------
// Backend: worker DEALER <-> broker ROUTER.

struct Hello {  // "hello", worker -> broker, first message
  std::string worker, host, version;
  int64_t pid = 0;
  uint32_t slots = 1;
  std::vector<std::string> strategies;
  bool operator==(const Hello&) const = default;
};
struct Heartbeat {  // "heartbeat", both ways
  bool operator==(const Heartbeat&) const = default;
};
struct Credit {  // "credit", worker -> broker: it can take `credit` more trials
  uint32_t credit = 0;
  bool operator==(const Credit&) const = default;
};
struct TrialResult {  // "result", worker -> broker
  std::string job;
  uint64_t index = 0;
  uint32_t attempt = 1;
  TrialState status = TrialState::kFailed;
  Metrics metrics;
  uint64_t trades = 0;
  std::vector<double> equity;                    // downsampled; empty unless completed
  std::string error_message, error_stack_trace;  // "" = nil
  int64_t started_at = 0, finished_at = 0;
  uint64_t bars = 0;         // bars processed
  uint64_t duration_us = 0;  // time spent running the trial; 0 = not measured
  std::optional<std::vector<TradeRecord>> trade_list;  // when the batch asked for trades
  std::optional<ReturnStats> return_stats;  // completed, when the batch asked for return_blocks
  bool operator==(const TrialResult&) const = default;
};
// "results", worker -> broker: several results in one message, and the credit they free.
struct TrialResults {
  std::vector<TrialResult> results;  // <= kMaxBatchTrials
  uint32_t credit = 0;
  bool operator==(const TrialResults&) const = default;
};
struct DatasetRequest {  // "dataset_request", worker -> broker
  std::string hash;
  bool operator==(const DatasetRequest&) const = default;
};
struct Bye {           // "bye", worker -> broker
  std::string reason;  // "" = nil
  bool operator==(const Bye&) const = default;
};
// A trial as leased: job, index and attempt.
struct TrialRef {
  std::string job;
  uint64_t index = 0;
  uint32_t attempt = 1;
  bool operator==(const TrialRef&) const = default;
};
// "draining", worker -> broker: the worker is leaving (SIGTERM): send it no more trials. The
// leases in `trials` (trials it holds but has not started) are handed back and re-queued as the
// same attempt; the ones it still runs end with their results or with its bye. May be sent more
// than once (a batch that crossed the first one is handed back by the next).
struct Draining {
  std::vector<TrialRef> trials;  // <= kMaxBatchTrials per message
  bool operator==(const Draining&) const = default;
};
// "crashed", worker -> broker: the worker is dying by a fatal signal (it waits for crash_ack, or
// a bounded time, and then dies by that signal). Every lease it holds ends with this message.
struct Crashed {
  uint32_t signal = 0;      // the signal number on the worker's host (11 on Linux for SIGSEGV)
  std::string signal_name;  // "SIGSEGV"
  std::string description;  // "Segmentation fault"
  std::optional<TrialRef> trial;  // the trial running on the thread that faulted; nil: none
  bool operator==(const Crashed&) const = default;
};
using WorkerMessage = std::variant<Hello, Heartbeat, Credit, TrialResult, DatasetRequest, Bye,
                                   TrialResults, Crashed, Draining>;

struct Welcome {                  // "welcome", broker -> worker
  std::string events, telemetry;  // endpoints to connect SUB / PUB to
  uint32_t heartbeat_ms = 1000;
  uint32_t heartbeat_liveness = 3;  // missed intervals before a peer is declared dead
  bool operator==(const Welcome&) const = default;
};
struct BatchTrial {
  uint64_t index = 0;
  uint32_t attempt = 1;
  ParamSet params;
  // A walk-forward or holdout train trial runs over these bars of the dataset only, as a dataset
  // of their own (slice_market_data); no key: the whole dataset.
  std::optional<BarSpan> bars;
  bool operator==(const BatchTrial&) const = default;
};
struct DatasetRef {
  std::string hash;                                  // content hash (sha256 hex)
  nlohmann::json source = nlohmann::json::object();  // the spec's `dataset` map
  bool operator==(const DatasetRef&) const = default;
};
struct TrialsBatch {  // "batch", broker -> worker
  std::string job;
  DatasetRef dataset;
  std::string strategy;
  double cash = 10000, commission = 0;
  double trial_timeout_s = 600;
  std::vector<BatchTrial> trials;
  // With an objective and top_k > 0, the worker sends a trial's equity curve only when the trial
  // is among the top_k best it has run for this job (no other trial can be in the job's top_k);
  // without, every completed trial's.
  std::optional<Objective> objective;
  uint32_t top_k = 0;
  bool trades = false;  // send each completed trial's trade list
  // > 0: send each completed trial's ReturnStats with this many blocks (the spec's pbo_blocks:
  // the broker's robustness statistics, docs/ROBUSTNESS.md); 0 (no key): none.
  uint32_t return_blocks = 0;
  bool operator==(const TrialsBatch&) const = default;
};
struct Dataset {  // "dataset", broker -> worker
  std::string hash, csv;
  bool operator==(const Dataset&) const = default;
};
struct CrashAck {  // "crash_ack", broker -> worker: the crashed message was handled
  bool operator==(const CrashAck&) const = default;
};
using BrokerMessage = std::variant<Welcome, Heartbeat, TrialsBatch, Dataset, CrashAck>;

// ---------------------------------------------------------------------------------------------
// Events PUB (topic frame + one payload frame) and telemetry (worker PUB, topic "tick").

struct ProgressEvent {  // "progress" on job.<id>
  std::string job;
  JobState status = JobState::kRunning;
  uint64_t total = 0, completed = 0, failed = 0, running = 0, queued = 0;
  double progress = 0, elapsed_s = 0;
  std::optional<double> eta_s;
  bool operator==(const ProgressEvent&) const = default;
};
struct TrialEvent {  // "trial" on job.<id>: a recorded trial result
  std::string job;
  TrialRecord trial;
  bool operator==(const TrialEvent&) const = default;
};
struct StateEvent {  // "state" on job.<id>
  std::string job;
  JobState status = JobState::kQueued;
  std::string error_message;  // "" = nil
  bool operator==(const StateEvent&) const = default;
};
struct CancelEvent {  // "cancel" on cancel.<id>
  std::string job;
  bool operator==(const CancelEvent&) const = default;
};
using Event = std::variant<ProgressEvent, TrialEvent, StateEvent, CancelEvent>;

struct Tick {  // "tick" on tick
  std::string job;
  uint64_t trial = 0;
  uint32_t attempt = 1;
  uint64_t bars_done = 0, bars_total = 0;
  bool operator==(const Tick&) const = default;
};

// ---------------------------------------------------------------------------------------------
// Codec.

std::string encode(const FrontendRequest& m);
std::string encode(const FrontendReply& m);
std::string encode(const WorkerMessage& m);
std::string encode(const BrokerMessage& m);
std::string encode(const Event& m);
std::string encode(const Tick& m);

// `max_bytes` bounds the input (too_large above it).
Result<FrontendRequest> decode_frontend_request(std::string_view bytes,
                                                size_t max_bytes = kMaxRequestBytes);
Result<FrontendReply> decode_frontend_reply(std::string_view bytes);
Result<WorkerMessage> decode_worker_message(std::string_view bytes);
Result<BrokerMessage> decode_broker_message(std::string_view bytes);
Result<Event> decode_event(std::string_view bytes);
Result<Tick> decode_tick(std::string_view bytes);

// Best effort: the `req` string of a frame that failed to decode, so the error reply can echo it
// ("" when there is none). Never throws.
std::string recover_req(std::string_view bytes);

// An error reply for a failed decode or request.
ErrorReply make_error(std::string req, const Status& status, std::string field = {});

// The `type` string of a message ("submit_backtest", "accepted", ...).
std::string_view type_name(const FrontendRequest& m);
std::string_view type_name(const FrontendReply& m);
std::string_view type_name(const WorkerMessage& m);
std::string_view type_name(const BrokerMessage& m);
std::string_view type_name(const Event& m);

}  // namespace sweep::protocol
