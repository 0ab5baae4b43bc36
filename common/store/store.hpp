// The broker's durable record (DESIGN §4): jobs, every trial of every job, uploaded datasets, in
// one SQLite file.
//
// Conventions:
// - Times are INTEGER milliseconds since the Unix epoch, UTC; an unset time is NULL (nullopt).
// - Job and trial states are stored as their wire names ("queued", "completed", ...).
// - Metrics are one REAL column each, named exactly as metric_name(); NaN (undefined) is stored as
//   NULL and reads back as NaN. The `trades` metric column is the trade count.
// - Params are the JSON object of to_json(ParamSet); they read back in name order, integers as
//   int64, other numbers as double.
// - The equity curve is a BLOB of little-endian float64 values, downsampled to at most
//   kMaxStoredEquityPoints (first and last point kept).
// - Every value reaches SQL through a bound parameter; the only names put into SQL text are fixed
//   column names chosen from metric_name(), never caller text.
//
// Thread safety: a Store is one SQLite connection guarded by an internal mutex, so every method
// may be called from any thread (calls are serialised). Use several Store objects on one file for
// concurrent readers; SQLite (WAL) allows one writer at a time and waits up to busy_timeout_ms.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sweep/base/status.hpp"
#include "sweep/data/bars.hpp"
#include "sweep/engine/metrics.hpp"
#include "sweep/engine/params.hpp"
#include "sweep/engine/trial_runner.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/jobs/job_state.hpp"
#include "sweep/optimize/objective.hpp"

namespace sweep {

inline constexpr size_t kMaxStoredEquityPoints = 2000;
// The schema version this build writes (PRAGMA user_version).
int store_schema_version();

struct JobRow {
  std::string id;
  JobKind kind = JobKind::kBacktest;
  JobState status = JobState::kQueued;
  std::string spec_json;  // the submitted spec, verbatim
  uint64_t total = 0, completed = 0, failed = 0;
  int64_t created_at_ms = 0;
  std::optional<int64_t> started_at_ms, finished_at_ms;
  std::string error_message;           // "" = none
  std::optional<Objective> objective;  // optimizations
  std::optional<uint64_t> best_trial;  // trial index of the best trial so far
  std::optional<int64_t> best_run_id;  // backtest_runs.id of that trial, once recorded
  std::string result_json;             // the final result; "" = none
  std::string idempotency_key;         // "" = none; unique among jobs otherwise
  uint64_t next_trial = 0;             // dispatch position, for resume after a restart
  bool operator==(const JobRow&) const = default;
};

// A job's state change. Fields left nullopt keep their stored value.
struct JobUpdate {
  JobState status = JobState::kRunning;
  uint64_t completed = 0, failed = 0;
  std::optional<int64_t> started_at_ms, finished_at_ms;
  std::optional<std::string> error_message;
  std::optional<uint64_t> best_trial;
  std::optional<uint64_t> next_trial;
  std::optional<std::string> result_json;
};

// One recorded backtest or optimization trial (a row of backtest_runs).
struct TrialRow {
  int64_t run_id = 0;  // assigned by the store; ignored on insert
  uint64_t trial_index = 0;
  int attempt = 1;
  ParamSet params;
  TrialState status = TrialState::kFailed;
  Metrics metrics = Metrics::Zero();  // a failed trial records zeros
  std::vector<double> equity;         // empty for a failed trial
  std::string trades_json;            // a backtest job's trade list; "" = none
  // A completed optimization trial's daily-return statistics (docs/ROBUSTNESS.md), kept for the
  // job's robustness statistics; read back by for_each_return_stats only.
  std::optional<ReturnStats> return_stats;
  std::string error_message;      // "" = none
  std::string error_stack_trace;  // "" = none
  std::string worker;
  std::optional<int64_t> started_at_ms, finished_at_ms;
};

struct JobFilter {
  std::optional<JobKind> kind;
  std::optional<JobState> status;
  size_t limit = 100;
  size_t offset = 0;
};

struct TrialQuery {
  // "trial_index" or a metric name. Undefined (NULL) metric values sort last in either order;
  // ties go to the lower trial index.
  std::string sort = "trial_index";
  bool ascending = true;
  size_t limit = 100;
  size_t offset = 0;
  std::optional<TrialState> status;
  bool with_equity = false;  // equity and trades_json are left empty unless asked for
  // Only trials with index_begin <= trial_index < index_end (no end: every later one): one
  // walk-forward window's train trials.
  uint64_t index_begin = 0;
  std::optional<uint64_t> index_end;
};

struct DatasetInfo {
  std::string id;  // dataset_hash()
  std::string name;
  uint64_t bars = 0;
  int64_t first_ts = 0, last_ts = 0;
  int price_digits = 0, volume_digits = 0;
};

// A write for Store::write_batch and StoreWriter.
struct RecordTrial {
  std::string job_id;
  TrialRow row;
};
struct UpdateJob {
  std::string job_id;
  JobUpdate update;
};
using StoreOp = std::variant<RecordTrial, UpdateJob>;

struct BatchOutcome {
  size_t new_trials = 0;
  size_t duplicate_trials = 0;  // already recorded: ignored
  // Ops refused on their own (unknown job, change to a terminal job); the rest were committed.
  std::vector<Status> rejected;
};

struct StoreOptions {
  int busy_timeout_ms = 5000;
  // > 0: PRAGMA max_page_count for this connection, so that a test can fill the database the way
  // a full disk would ("database or disk is full") without filling a disk.
  uint64_t max_page_count = 0;
  // synchronous=FULL: every commit of this connection is on disk when it returns, even across
  // an OS crash or power loss (NORMAL survives a killed process only). The broker's own
  // connection, which inserts jobs before `accepted` and writes their final states, uses it;
  // the trial writer keeps NORMAL (a trial lost to an OS crash is run again on resume).
  bool durable_commits = false;
};

class Store {
 public:
  // Opens or creates the database, sets WAL, synchronous (NORMAL, or FULL with
  // durable_commits), busy_timeout and foreign keys,
  // and migrates the schema forward. Errors: kIo (cannot open, read-only, not a database),
  // kUnsupportedVersion (written by a newer build).
  static Result<Store> open(const std::string& path, StoreOptions options = {});

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  // kConflict when the id or the idempotency key is taken (find_job_by_idempotency_key then
  // gives the existing job).
  Status insert_job(const JobRow& job);
  Result<JobRow> find_job_by_idempotency_key(const std::string& key);
  // kNotFound for an unknown job; kConflict when the job is already terminal.
  Status update_job_state(const std::string& id, const JobUpdate& update);
  Result<JobRow> get_job(const std::string& id);
  // Newest first.
  Result<std::vector<JobRow>> list_jobs(const JobFilter& filter = {});
  // Queued, running and cancelling jobs, oldest first: what resumes after a restart.
  Result<std::vector<JobRow>> unfinished_jobs();

  // Records a batch in one transaction and returns how many rows were new. A trial index already
  // recorded for the job is ignored (the first record wins) and not counted. kNotFound for an
  // unknown job (nothing is written).
  Result<size_t> record_trials(const std::string& job_id, std::span<const TrialRow> rows);
  Result<bool> trial_recorded(const std::string& job_id, uint64_t trial_index);
  Result<uint64_t> count_trials(const std::string& job_id);
  // Sorted ascending; for resume.
  Result<std::vector<uint64_t>> recorded_trial_indexes(const std::string& job_id);
  // Deletes the job's trials with an index above `last` and says how many there were: a job
  // stopped on target keeps the trials up to the one that reached the target.
  Result<uint64_t> delete_trials_after(const std::string& job_id, uint64_t last);
  // The ReturnStats of the job's completed trials that have them, in index order, one row at a
  // time (a job's robustness statistics over up to kMaxTrials trials without holding its rows).
  // `fn` returning false stops the read: kCancelled.
  Status for_each_return_stats(const std::string& job_id,
                               const std::function<bool(uint64_t index, ReturnStats&& stats)>& fn);
  // kBadRequest for a sort that is neither "trial_index" nor a metric name.
  Result<std::vector<TrialRow>> list_trials(const std::string& job_id, const TrialQuery& query);
  // With equity and trades; kNotFound when not recorded.
  Result<TrialRow> get_trial(const std::string& job_id, uint64_t trial_index);

  // Stores the bars under their content hash (dataset_hash) and returns it; storing the same
  // bars again is a no-op.
  Result<std::string> put_dataset(const TimeSeries& series);
  Result<TimeSeries> get_dataset(const std::string& id);
  // The bar count of a stored dataset without reading its bars (kNotFound when not stored).
  Result<uint64_t> dataset_bars(const std::string& id);
  Result<std::vector<DatasetInfo>> list_datasets();

  // The ops in order, in one transaction. Ops refused on their own are listed in the outcome;
  // a database error (busy, disk full, I/O) fails the whole batch and nothing is written.
  Result<BatchOutcome> write_batch(std::span<const StoreOp> ops);

  // The raw schema version of the file (PRAGMA user_version).
  Result<int> user_version();
  // Whether this connection syncs every commit to disk (StoreOptions::durable_commits).
  Result<bool> durable_commits();

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct StoreWriterOptions {
  size_t max_batch = 512;                      // ops per transaction
  std::chrono::milliseconds max_delay{50};     // commit at least this often when ops wait
  std::chrono::milliseconds retry_delay{200};  // after a failed transaction
  StoreOptions store;
  // Called on the writer thread for every failed transaction (the ops stay queued and are
  // retried) and every rejected op (dropped: it can never succeed). Must not call the writer.
  std::function<void(const Status&)> on_error;
};

// Batches trial records and job updates from any thread onto one writer thread with its own
// connection, committing up to max_batch ops per transaction, at least every max_delay.
// Ops are applied in the order they were pushed. Thread safety: every method may be called from
// any thread, except from on_error.
class StoreWriter {
 public:
  static Result<std::unique_ptr<StoreWriter>> start(const std::string& path,
                                                    StoreWriterOptions options = {});
  // Commits what is queued (one last attempt if the database fails) and stops the thread.
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  void record_trial(std::string job_id, TrialRow row);
  void update_job(std::string job_id, JobUpdate update);
  void push(StoreOp op);

  // Waits until every op pushed before the call is committed (or rejected). kUnavailable naming
  // the last database error if that has not happened within `timeout`.
  Status flush(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  size_t pending() const;
  // The last failed transaction's error, or Ok once a later one succeeded.
  Status last_error() const;
  // Totals since start.
  uint64_t new_trials() const;
  uint64_t duplicate_trials() const;

  struct Impl;

 private:
  explicit StoreWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sweep
