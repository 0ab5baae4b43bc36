// A fixed set of slot threads running queued tasks in FIFO order; each task carries a key (the
// job id) so that a cancelled job's queued tasks can be dropped. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sweep::worker {

class SlotPool {
 public:
  // Called with run = true on a slot thread; or with run = false, on the thread that dropped it,
  // when the task will never run. Every submitted task is called exactly once.
  using Task = std::function<void(bool run)>;

  explicit SlotPool(size_t threads);
  // Drops the queued tasks, then waits for the running ones.
  ~SlotPool();
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  void submit(std::string key, Task task);
  // Drops the queued tasks with this key; returns how many.
  size_t drop(std::string_view key);
  size_t drop_all();

  size_t threads() const { return threads_.size(); }
  size_t queued() const;
  size_t running() const;

 private:
  struct Item {
    std::string key;
    Task task;
  };
  void loop();
  size_t drop_if(const std::function<bool(const Item&)>& match);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sweep::worker
