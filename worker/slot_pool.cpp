#include "slot_pool.hpp"

#include <utility>

namespace sweep::worker {

SlotPool::SlotPool(size_t threads) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { loop(); });
}

SlotPool::~SlotPool() {
  drop_all();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void SlotPool::submit(std::string key, Task task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back({std::move(key), std::move(task)});
  }
  cv_.notify_one();
}

size_t SlotPool::drop(std::string_view key) {
  return drop_if([key](const Item& item) { return item.key == key; });
}

size_t SlotPool::drop_all() {
  return drop_if([](const Item&) { return true; });
}

size_t SlotPool::drop_if(const std::function<bool(const Item&)>& match) {
  std::vector<Task> dropped;
  {
    std::lock_guard lock(mu_);
    std::deque<Item> kept;
    for (Item& item : queue_) {
      if (match(item)) {
        dropped.push_back(std::move(item.task));
      } else {
        kept.push_back(std::move(item));
      }
    }
    queue_.swap(kept);
  }
  // Outside the lock: a dropped task may report through code that takes other locks.
  for (Task& task : dropped) task(false);
  return dropped.size();
}

size_t SlotPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t SlotPool::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

void SlotPool::loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      task = std::move(queue_.front().task);
      queue_.pop_front();
      ++running_;
    }
    task(true);
    std::lock_guard lock(mu_);
    --running_;
  }
}

}  // namespace sweep::worker
