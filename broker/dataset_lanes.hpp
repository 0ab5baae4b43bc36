// Two DatasetWorkers, each with its own thread and SQLite connection, so that a small submit is
// not queued behind a big one: generating, hashing and storing 5M bars takes the one thread
// seconds, and every submit after it used to wait that long for its `accepted`.
//
// The lane is picked on the loop by a cheap estimate of the work (lane_of): a synthetic series
// by its bar count, a CSV file by its size (one stat), a stored dataset by its bar count (one
// indexed row). Serving a stored dataset to workers goes by its stored bar count too, so that a
// small job's workers are not kept waiting behind a big prepare either.
//
// Thread safety: every method is for the loop's thread.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "dataset_worker.hpp"

namespace sweep::broker {

// Above these, work goes on the large lane. 1M bars take the dataset thread ~0.8 s to generate,
// hash and store (docs/RELIABILITY.md, big-submit); far below that a submit is answered in
// milliseconds. 64 MiB of CSV is about as many rows (~50 bytes a row) and as much work.
inline constexpr uint64_t kLargeDatasetBars = 1'000'000;
inline constexpr uint64_t kLargeCsvBytes = uint64_t{64} << 20;

enum class Lane { kSmall, kLarge };

// The lane for preparing `source`. Never reads the data: a path is stat'ed in each data folder
// (confinement is the resolver's job; a path it will refuse goes on the small lane, where the
// refusal is quick), a stored dataset is looked up by id in `store` (an unknown id fails fast:
// small lane).
Lane lane_of(const DatasetSource& source, const std::vector<std::string>& data_dirs, Store& store);

class DatasetLanes {
 public:
  // Starts both lanes, each with its own connection to `db_path`. `store` (the loop's own
  // connection) answers lane_of's look-ups and must outlive this object.
  static Result<std::unique_ptr<DatasetLanes>> start(const std::string& db_path,
                                                     StoreOptions options,
                                                     std::vector<std::string> data_dirs,
                                                     Store& store);

  // As DatasetWorker's, on the lane lane_of (prepare) or the stored bar count (serve) picks;
  // both return the lane taken.
  // A plan with a constraint over more than kLargeDatasetBars grid points goes on the large lane
  // as well.
  Lane prepare(uint64_t ticket, DatasetSource source, std::optional<PlanOrder> plan = {});
  Lane serve(std::string hash);
  // Each lane's eventfd: readable while take() has something.
  std::array<int, 2> fds() const { return {small_->fd(), large_->fd()}; }
  // What both lanes finished (each lane's in order).
  std::vector<DatasetWork> take();

 private:
  DatasetLanes(std::unique_ptr<DatasetWorker> small, std::unique_ptr<DatasetWorker> large,
               std::vector<std::string> data_dirs, Store& store);
  DatasetWorker& lane(Lane l) { return l == Lane::kSmall ? *small_ : *large_; }

  std::unique_ptr<DatasetWorker> small_, large_;
  const std::vector<std::string> data_dirs_;
  Store& store_;
};

}  // namespace sweep::broker
