#include "dataset_loader.hpp"

namespace sweep::worker {

DatasetLoader::DatasetLoader(Outbox& outbox) : outbox_(outbox), thread_([this] { run(); }) {}

DatasetLoader::~DatasetLoader() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void DatasetLoader::load(std::string hash, Make make) {
  {
    std::lock_guard lock(mu_);
    queue_.emplace_back(std::move(hash), std::move(make));
  }
  cv_.notify_one();
}

void DatasetLoader::run() {
  for (;;) {
    std::pair<std::string, Make> item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    outbox_.push(Loaded{std::move(item.first), item.second()});
  }
}

}  // namespace sweep::worker
