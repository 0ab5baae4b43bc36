// Every size and count limit of the system, in one place (DESIGN §8). A limit exceeded by input is
// a Code::kTooLarge or kBadRequest error naming the limit, never a crash or an unbounded
// allocation. Raise one here and every check follows.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sweep {

// --- Job specs (DESIGN §9) ---
inline constexpr size_t kMaxSpecBytes = 1 << 20;    // JSON or msgpack text of one spec
inline constexpr size_t kMaxStringLength = 256;     // choice values, dataset ids, strategy names
inline constexpr size_t kMaxPathLength = 4096;      // dataset.path
inline constexpr size_t kMaxParamNameLength = 64;   // parameter names (also constraint idents)
inline constexpr size_t kMaxParams = 64;            // parameters per spec (params + space)
inline constexpr size_t kMaxAxisValues = 100'000;   // values in one listed space axis
inline constexpr uint64_t kMaxTrials = 10'000'000;  // trials of one optimization job
// Trials of a tpe search: a suggestion costs O(history) (docs/SEARCH.md), so a whole search is
// quadratic in n; this bounds it to minutes. Its batch, the trials of one generation.
inline constexpr uint64_t kMaxTpeTrials = 20'000;
inline constexpr uint64_t kMaxTpeBatch = 10'000;
inline constexpr int kMaxTopK = 1000;
inline constexpr int kMaxAttempts = 100;
inline constexpr double kMaxTrialTimeoutS = 7 * 24 * 3600.0;
// Nesting of objects and arrays in a spec or any JSON text the system reads (a spec needs 4);
// every recursive walk of a value stays this shallow.
inline constexpr int kMaxJsonDepth = 16;

// --- Datasets ---
// Bars of one dataset, CSV rows or synthetic. What bounds it: a CSV dataset travels to each worker
// as one `dataset` message of ~52 bytes a bar, under kMaxMessageBytes; its bars are one SQLite
// blob of 48 bytes a bar, under SQLite's 1 GB value limit; a worker holds ~90 bytes a bar per
// cached dataset. Tested at the limit (Datasets.AtTheBarLimit*, docs/RELIABILITY.md).
inline constexpr size_t kMaxDatasetBars = 5'000'000;

// --- Constraint expressions (fuzzed: both bound the parser's work and recursion) ---
inline constexpr size_t kMaxConstraintLength = 4096;  // characters of the expression
inline constexpr int kMaxConstraintDepth = 64;        // nesting of (), unary minus and not
// Grid points a trial plan may test against a constraint to count the admissible trials.
inline constexpr uint64_t kMaxConstraintScan = 10'000'000;

// --- Wire protocol (docs/PROTOCOL.md) ---
inline constexpr int kProtocolVersion = 1;
// One frontend request or reply frame, spec included. Larger input: too_large.
inline constexpr size_t kMaxRequestBytes = kMaxSpecBytes + (64 << 10);
// Any other frame (backend, events, replies with pages; a dataset message carries CSV text).
inline constexpr size_t kMaxMessageBytes = size_t{512} << 20;
inline constexpr int kMaxMessageDepth = 32;      // nesting of maps and arrays in one frame
inline constexpr size_t kMaxIdLength = 128;      // req ids, job ids, worker ids, idempotency keys
inline constexpr uint64_t kMaxPageLimit = 1000;  // trials/list page size
inline constexpr uint64_t kDefaultPageLimit = 100;
inline constexpr size_t kMaxBatchTrials = 1024;      // trials in one backend batch
inline constexpr size_t kMaxEquityPoints = 100'000;  // downsampled equity curve of one trial
// Points a worker keeps of a trial's equity curve in its result (downsample_indexes() says which
// bars, so the broker can date them: result.equity_time).
inline constexpr size_t kResultEquityPoints = 2000;
inline constexpr size_t kMaxTradeListLength = 1'000'000;  // trades sent with one backtest result
// Inbound frames on the broker's telemetry SUB (ticks) and events XPUB (subscriptions): both are a
// few hundred bytes at most; anything longer is hostile and libzmq drops the connection.
inline constexpr size_t kMaxTickBytes = 4096;
inline constexpr size_t kMaxSubscriptionBytes = 1024;

// --- The broker's run-time limits (docs/LIMITS.md; sweep-broker --max-* flags) ---
inline constexpr size_t kDefaultMaxJobs = 1000;  // live (non-terminal) jobs at once
inline constexpr size_t kMaxJobsCeiling = 1'000'000;
// Each limit an operator may tune. The defaults are the constants above, which are also the
// ceilings: the codec and the spec parser enforce the constants everywhere (stored specs, clients),
// so the broker can only be made stricter than them, never laxer.
struct Limits {
  size_t max_request_bytes = kMaxRequestBytes;  // one frontend frame (ZMQ_MAXMSGSIZE)
  size_t max_message_bytes = kMaxMessageBytes;  // one backend frame (ZMQ_MAXMSGSIZE)
  size_t max_spec_bytes = kMaxSpecBytes;        // a submitted spec, as compact JSON
  uint64_t max_trials = kMaxTrials;             // trials of one optimization
  size_t max_string_length = kMaxStringLength;  // strategy name, dataset id, choice values
  size_t max_jobs = kDefaultMaxJobs;            // live jobs; more submits: unavailable
};

}  // namespace sweep
