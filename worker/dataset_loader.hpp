// Datasets made off the I/O thread: parsing a dataset message's CSV or generating a synthetic
// series takes seconds for millions of bars (5M CSV rows: ~3 s), and on the I/O thread that
// silenced the worker's heartbeats until the broker gave it up for dead. One thread here does it;
// each finished dataset comes back to the I/O thread through the outbox as a Loaded item.
//
// Thread safety: load() is for the I/O thread; the work runs on this object's thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "outbox.hpp"

namespace sweep::worker {

class DatasetLoader {
 public:
  // Makes the market data of dataset `hash`: nullptr when it cannot be made here (ask the broker).
  using Make = std::function<Result<std::shared_ptr<const MarketData>>()>;

  explicit DatasetLoader(Outbox& outbox);
  // Finishes the dataset in hand; the queued ones are dropped.
  ~DatasetLoader();
  DatasetLoader(const DatasetLoader&) = delete;
  DatasetLoader& operator=(const DatasetLoader&) = delete;

  void load(std::string hash, Make make);

 private:
  void run();

  Outbox& outbox_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, Make>> queue_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace sweep::worker
