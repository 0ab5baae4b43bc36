// The broker's slow dataset work, on its own thread with its own SQLite connection: reading a CSV
// or generating a synthetic series for a submit, hashing and storing its bars, and reading a
// stored dataset back as CSV for a worker that asks for it. Done on the loop, a 1M-bar dataset
// held it for 0.8 s (17 s under TSan): no status reply, no heartbeat, workers given up for dead.
// The loop hands work over and polls fd(); take() returns what is done, in order.
//
// Thread safety: every method is for the loop's thread; the work runs on this object's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <zmq.hpp>

#include "sweep/base/status.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/trial_plan.hpp"
#include "sweep/store/store.hpp"

namespace sweep::broker {

// A submit's dataset, stored: what the job needs to go on.
struct StoredDataset {
  std::string hash;
  size_t bars = 0;
};

// An optimization's trial plan, made by prepare() before the dataset: with a constraint,
// TrialPlan::create evaluates it on every grid point, seconds for millions of points or a
// kilobytes-long expression, which on the loop left every request unanswered meanwhile.
struct PlanOrder {
  JobSpec spec;
  TrialPlanLimits limits;
};

// prepare(): the dataset of submit `ticket` and its plan, or the error to answer it with (naming
// the field). `plan_status` fails for a plan that cannot be made; the dataset is not prepared then.
struct Prepared {
  uint64_t ticket = 0;
  Status plan_status;
  std::optional<TrialPlan> plan;
  Result<StoredDataset> dataset = Status::Internal("not prepared");
};

// serve(): a stored dataset as the `dataset` message workers are sent, encoded here, or why it
// cannot be read. At 5M bars it is ~225 MB: encoding it and copying it per worker on the loop
// held the loop 2.7 s on a loaded machine, long enough that the workers, hearing no heartbeat,
// reconnected and asked for it again. The loop sends this one buffer to every worker that
// asked, sharing it (zmq_msg_copy counts references) instead of copying it.
struct Served {
  std::string hash;
  Result<zmq::message_t> message = Status::Internal("not served");
};

using DatasetWork = std::variant<Prepared, Served>;

class DatasetWorker {
 public:
  // Opens its own connection to the database at `db_path`.
  static Result<std::unique_ptr<DatasetWorker>> start(const std::string& db_path,
                                                      StoreOptions options,
                                                      std::vector<std::string> data_dirs);
  // Stops the thread once the item in hand is done; queued items are dropped (their submits were
  // never answered, so the client retries; a worker asks again).
  ~DatasetWorker();
  DatasetWorker(const DatasetWorker&) = delete;
  DatasetWorker& operator=(const DatasetWorker&) = delete;

  // Makes `plan`'s trial plan when given, then resolves `source` (confined to the data folders),
  // checks it has bars and stores it.
  void prepare(uint64_t ticket, DatasetSource source, std::optional<PlanOrder> plan = {});
  // Reads the stored dataset `hash` back as CSV and encodes it as a `dataset` message.
  void serve(std::string hash);
  // Readable (POLLIN) while take() has something.
  int fd() const { return event_fd_; }
  std::vector<DatasetWork> take();

 private:
  struct PrepareTask {
    uint64_t ticket = 0;
    DatasetSource source;
    std::optional<PlanOrder> plan;
  };
  using Task = std::variant<PrepareTask, std::string>;
  DatasetWorker(Store store, std::vector<std::string> data_dirs, int event_fd);
  void run();
  DatasetWork work(Task& task);

  Store store_;
  const std::vector<std::string> data_dirs_;
  const int event_fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> tasks_;
  std::vector<DatasetWork> done_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace sweep::broker
