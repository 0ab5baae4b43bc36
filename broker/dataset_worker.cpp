#include "dataset_worker.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "dataset_resolver.hpp"
#include "sweep/data/dataset.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::broker {

Result<std::unique_ptr<DatasetWorker>> DatasetWorker::start(const std::string& db_path,
                                                            StoreOptions options,
                                                            std::vector<std::string> data_dirs) {
  auto store = Store::open(db_path, options);
  if (!store.ok()) return store.status();
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return Status::Io(std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<DatasetWorker>(
      new DatasetWorker(std::move(store).value(), std::move(data_dirs), fd));
}

DatasetWorker::DatasetWorker(Store store, std::vector<std::string> data_dirs, int event_fd)
    : store_(std::move(store)),
      data_dirs_(std::move(data_dirs)),
      event_fd_(event_fd),
      thread_([this] { run(); }) {}

DatasetWorker::~DatasetWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  ::close(event_fd_);
}

void DatasetWorker::prepare(uint64_t ticket, DatasetSource source, std::optional<PlanOrder> plan) {
  {
    std::lock_guard lock(mu_);
    tasks_.emplace_back(PrepareTask{ticket, std::move(source), std::move(plan)});
  }
  cv_.notify_one();
}

void DatasetWorker::serve(std::string hash) {
  {
    std::lock_guard lock(mu_);
    tasks_.emplace_back(std::move(hash));
  }
  cv_.notify_one();
}

std::vector<DatasetWork> DatasetWorker::take() {
  uint64_t count = 0;
  (void)!::read(event_fd_, &count, sizeof count);  // resets it; EAGAIN when nothing was posted
  std::vector<DatasetWork> out;
  {
    std::lock_guard lock(mu_);
    out.swap(done_);
  }
  return out;
}

void DatasetWorker::run() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
      if (stop_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    DatasetWork result = work(task);
    {
      std::lock_guard lock(mu_);
      done_.push_back(std::move(result));
    }
    const uint64_t one = 1;
    (void)!::write(event_fd_, &one, sizeof one);
  }
}

DatasetWork DatasetWorker::work(Task& task) {
  if (auto* hash = std::get_if<std::string>(&task)) {
    Served s{*hash, Status::Internal("")};
    auto series = store_.get_dataset(*hash);
    if (series.ok()) {
      const std::string payload =
          protocol::encode(protocol::BrokerMessage{protocol::Dataset{*hash, to_csv(*series)}});
      s.message = zmq::message_t(payload.data(), payload.size());
    } else {
      s.message = series.status();
    }
    return s;
  }
  auto& [ticket, source, plan] = std::get<PrepareTask>(task);
  Prepared p{ticket, Status::Ok(), std::nullopt, Status::Internal("")};
  if (plan) {
    auto made = make_trial_plan(plan->spec, plan->limits);
    if (!made.ok()) {
      p.plan_status = made.status();
      return p;
    }
    p.plan = std::move(made).value();
  }
  auto series = resolve_dataset(source, data_dirs_, store_);
  if (!series.ok()) {
    p.dataset = series.status();
  } else if (series->empty()) {
    p.dataset = Status::BadRequest("spec.dataset: no bars");
  } else if (auto hash = store_.put_dataset(*series); !hash.ok()) {
    p.dataset = Status::Unavailable("store: " + hash.status().message());
  } else {
    p.dataset = StoredDataset{std::move(hash).value(), series->size()};
  }
  return p;
}

}  // namespace sweep::broker
