// An optimization's robustness statistics (docs/ROBUSTNESS.md), computed when it completes on a
// thread of their own with their own SQLite connection: the job's trials are read from the store
// a row at a time and the CSCV over 10,000 trials takes about half a second, which on the loop
// would leave every request and heartbeat unanswered meanwhile. The loop hands a job over with
// assess() and collects what is done with take() (from housekeeping, every few milliseconds).
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

namespace sweep::broker {

struct Assessed {
  std::string job;
  Result<Robustness> robustness = Status::Internal("not assessed");
  double read_ms = 0, compute_ms = 0;  // reading the rows; the statistics (for the log)
};

class RobustnessWorker {
 public:
  // Opens its own connection to the database at `db_path`; the CSCV runs on `threads` threads.
  static Result<std::unique_ptr<RobustnessWorker>> start(const std::string& db_path,
                                                         StoreOptions options, unsigned threads);
  // Stops the thread: a read in progress stops at its next row, a CSCV in progress is finished
  // (bounded by kMaxPboCells); queued jobs are dropped (a restart assesses them again).
  ~RobustnessWorker();
  RobustnessWorker(const RobustnessWorker&) = delete;
  RobustnessWorker& operator=(const RobustnessWorker&) = delete;

  // The statistics of job `job`'s completed trials with `blocks` blocks; `best` is the index of
  // its best trial by the objective.
  void assess(std::string job, int blocks, std::optional<uint64_t> best);
  std::vector<Assessed> take();

 private:
  struct Task {
    std::string job;
    int blocks = 0;
    std::optional<uint64_t> best;
  };
  RobustnessWorker(Store store, unsigned threads);
  void run();

  Store store_;
  const unsigned threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;
  std::vector<Assessed> done_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace sweep::broker
