// What a job's result needs from the store once its last trial is in, computed on a thread of its
// own with its own SQLite connection: a walk-forward or holdout job's out-of-sample runs, an
// optimization's robustness statistics
// (docs/ROBUSTNESS.md; the trials are read a row at a time and the CSCV over 10,000 trials takes
// about half a second, which on the loop would leave every request and heartbeat unanswered
// meanwhile), and the dates of its equity curves' points (read from the stored dataset, up to
// kMaxDatasetBars bars). The loop hands a job over with complete() and collects what is done with
// take() (from housekeeping, every few milliseconds).
//
// Thread safety: every method is for the loop's thread; the work runs on this object's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sweep/base/status.hpp"
#include "sweep/optimize/robustness.hpp"
#include "sweep/store/store.hpp"
#include "windows_result.hpp"

namespace sweep::broker {

struct CompletionTask {
  std::string job;
  // > 0: the robustness statistics of the job's completed trials with this many blocks; `best`
  // is the index of its best trial by the objective.
  int blocks = 0;
  std::optional<uint64_t> best;
  std::string dataset_hash;  // the dates of its equity points
  // A walk-forward or holdout job: its out-of-sample runs (windows_result.hpp).
  std::optional<WindowsTask> windows;
};

struct Completion {
  std::string job;
  std::optional<Result<Robustness>> robustness;  // when asked for
  // The time (ms since the epoch) of each bar a result's equity curve keeps
  // (downsample_indexes over the dataset's bars, kResultEquityPoints).
  Result<std::vector<int64_t>> equity_time = Status::Internal("not read");
  std::optional<Result<WindowsOutcome>> windows;  // when asked for
  double read_ms = 0, compute_ms = 0;             // reading the rows; the statistics (for the log)
};

class CompletionWorker {
 public:
  // Opens its own connection to the database at `db_path`; the CSCV runs on `threads` threads.
  static Result<std::unique_ptr<CompletionWorker>> start(const std::string& db_path,
                                                         StoreOptions options, unsigned threads);
  // Stops the thread: a read in progress stops at its next row, a CSCV in progress is finished
  // (bounded by kMaxPboCells); queued jobs are dropped (a restart completes them again).
  ~CompletionWorker();
  CompletionWorker(const CompletionWorker&) = delete;
  CompletionWorker& operator=(const CompletionWorker&) = delete;

  void complete(CompletionTask task);
  std::vector<Completion> take();

 private:
  CompletionWorker(Store store, unsigned threads);
  void run();
  Completion work(const CompletionTask& task);

  Store store_;
  const unsigned threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<CompletionTask> tasks_;
  std::vector<Completion> done_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace sweep::broker
