#include "robustness_worker.hpp"

#include <chrono>

namespace sweep::broker {

Result<std::unique_ptr<RobustnessWorker>> RobustnessWorker::start(const std::string& db_path,
                                                                  StoreOptions options,
                                                                  unsigned threads) {
  auto store = Store::open(db_path, options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<RobustnessWorker>(
      new RobustnessWorker(std::move(store).value(), std::max(1u, threads)));
}

RobustnessWorker::RobustnessWorker(Store store, unsigned threads)
    : store_(std::move(store)), threads_(threads), thread_([this] { run(); }) {}

RobustnessWorker::~RobustnessWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void RobustnessWorker::assess(std::string job, int blocks, std::optional<uint64_t> best) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back({std::move(job), blocks, best});
  }
  cv_.notify_one();
}

std::vector<Assessed> RobustnessWorker::take() {
  std::vector<Assessed> out;
  std::lock_guard lock(mu_);
  out.swap(done_);
  return out;
}

void RobustnessWorker::run() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (stop_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    const auto t0 = std::chrono::steady_clock::now();
    RobustnessAccumulator acc(task.blocks, task.best);
    Status read = store_.for_each_return_stats(task.job, [&](uint64_t index, ReturnStats&& s) {
      acc.add(index, s);
      return !stop_.load();
    });
    if (stop_) return;
    Assessed a{task.job};
    const auto t1 = std::chrono::steady_clock::now();
    if (read.ok()) {
      a.robustness = acc.finish(threads_);
    } else {
      a.robustness = read;
    }
    const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    a.read_ms = ms(t1 - t0);
    a.compute_ms = ms(std::chrono::steady_clock::now() - t1);
    std::lock_guard lock(mu_);
    done_.push_back(std::move(a));
  }
}

}  // namespace sweep::broker
