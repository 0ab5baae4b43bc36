#include "completion_worker.hpp"

#include <chrono>

#include "sweep/engine/engine.hpp"

namespace sweep::broker {

Result<std::unique_ptr<CompletionWorker>> CompletionWorker::start(const std::string& db_path,
                                                                  StoreOptions options,
                                                                  unsigned threads) {
  auto store = Store::open(db_path, options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<CompletionWorker>(
      new CompletionWorker(std::move(store).value(), std::max(1u, threads)));
}

CompletionWorker::CompletionWorker(Store store, unsigned threads)
    : store_(std::move(store)), threads_(threads), thread_([this] { run(); }) {}

CompletionWorker::~CompletionWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void CompletionWorker::complete(CompletionTask task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

std::vector<Completion> CompletionWorker::take() {
  std::vector<Completion> out;
  std::lock_guard lock(mu_);
  out.swap(done_);
  return out;
}

void CompletionWorker::run() {
  for (;;) {
    CompletionTask task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (stop_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    Completion c = work(task);
    if (stop_) return;
    std::lock_guard lock(mu_);
    done_.push_back(std::move(c));
  }
}

Completion CompletionWorker::work(const CompletionTask& task) {
  Completion c{task.job};
  if (!task.dataset_hash.empty()) {
    if (auto read = store_.get_dataset(task.dataset_hash); read.ok()) {
      auto series = std::make_shared<const TimeSeries>(std::move(read).value());
      std::vector<int64_t> times;
      const auto& bars = series->bars;
      for (size_t i : downsample_indexes(bars.size(), kResultEquityPoints))
        times.push_back(bars[i].ts);
      c.equity_time = std::move(times);
      if (task.windows) c.windows = run_windows(store_, task.job, *task.windows, series);
    } else {
      c.equity_time = read.status();
      if (task.windows) c.windows = read.status();
    }
  }
  if (task.blocks <= 0) return c;
  const auto t0 = std::chrono::steady_clock::now();
  RobustnessAccumulator acc(task.blocks, task.best);
  Status read = store_.for_each_return_stats(task.job, [&](uint64_t index, ReturnStats&& s) {
    acc.add(index, s);
    return !stop_.load();
  });
  const auto t1 = std::chrono::steady_clock::now();
  if (read.ok()) {
    c.robustness = acc.finish(threads_);
  } else {
    c.robustness = read;
  }
  const auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  c.read_ms = ms(t1 - t0);
  c.compute_ms = ms(std::chrono::steady_clock::now() - t1);
  return c;
}

}  // namespace sweep::broker
