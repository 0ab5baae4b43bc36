// StoreWriter: one thread, one connection, ops committed in batches.
//
// Queue discipline: ops are appended under `mu`; the writer copies up to max_batch from the front,
// writes them without holding `mu`, and pops them only after the transaction committed. A failed
// transaction leaves them at the front to be retried after retry_delay, so nothing is dropped
// and order is kept. `done` counts ops popped (committed or rejected); flush() waits for it to
// pass the count pushed when it was called.
#include <condition_variable>
#include <deque>
#include <thread>

#include "store_impl.hpp"

namespace sweep {

using Clock = std::chrono::steady_clock;

struct StoreWriter::Impl {
  StoreWriterOptions options;
  Store store;

  mutable std::mutex mu;
  std::condition_variable wake;     // the writer: work, flush or stop
  std::condition_variable settled;  // flush(): progress
  std::deque<StoreOp> queue;
  Clock::time_point oldest;  // when the front op was pushed
  uint64_t pushed = 0, done = 0;
  size_t writing = 0;         // ops taken off the queue for the transaction under way
  uint64_t flush_target = 0;  // a flush waits for done >= this
  bool stopping = false;
  Status last_error;
  uint64_t new_trials = 0, duplicate_trials = 0;
  std::thread thread;

  Impl(StoreWriterOptions o, Store s) : options(std::move(o)), store(std::move(s)) {}

  void report(const Status& s) {
    if (options.on_error) options.on_error(s);
  }

  // Whether the writer should commit now rather than wait for more ops.
  bool due(Clock::time_point now) const {
    return !queue.empty() && (stopping || queue.size() >= options.max_batch ||
                              flush_target > done || now - oldest >= options.max_delay);
  }

  void run() {
    std::unique_lock lock(mu);
    for (;;) {
      if (stopping && queue.empty()) return;
      if (!due(Clock::now())) {
        if (queue.empty()) {
          wake.wait(lock);
        } else {
          wake.wait_until(lock, oldest + options.max_delay);
        }
        continue;
      }
      const size_t n = std::min(queue.size(), std::max<size_t>(options.max_batch, 1));
      // Moved out, not copied (rows carry strings and curves); put back in front on failure.
      const auto end = queue.begin() + static_cast<ptrdiff_t>(n);
      std::vector<StoreOp> batch(std::make_move_iterator(queue.begin()),
                                 std::make_move_iterator(end));
      queue.erase(queue.begin(), end);
      writing = n;
      lock.unlock();
      auto outcome = store.write_batch(batch);
      if (outcome.ok()) {
        for (const Status& r : outcome->rejected) report(r);
      } else {
        report(outcome.status());
      }
      lock.lock();
      writing = 0;
      if (!outcome.ok()) {
        queue.insert(queue.begin(), std::make_move_iterator(batch.begin()),
                     std::make_move_iterator(batch.end()));
        last_error = outcome.status();
        settled.notify_all();
        if (stopping) return;  // the last attempt failed: the ops are lost, reported above
        wake.wait_for(lock, options.retry_delay, [this] { return stopping; });
        continue;
      }
      last_error = Status::Ok();
      new_trials += outcome->new_trials;
      duplicate_trials += outcome->duplicate_trials;
      done += n;
      oldest = Clock::now();  // the rest waited at least this long; commit them soon
      settled.notify_all();
    }
  }
};

StoreWriter::StoreWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<StoreWriter>> StoreWriter::start(const std::string& path,
                                                        StoreWriterOptions options) {
  auto store = Store::open(path, options.store);
  if (!store.ok()) return store.status();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*store));
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<StoreWriter>(new StoreWriter(std::move(impl)));
}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->thread.join();
}

void StoreWriter::push(StoreOp op) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->queue.empty()) impl_->oldest = Clock::now();
    impl_->queue.push_back(std::move(op));
    ++impl_->pushed;
    if (impl_->queue.size() < impl_->options.max_batch) return;
  }
  impl_->wake.notify_one();
}

void StoreWriter::record_trial(std::string job_id, TrialRow row) {
  push(RecordTrial{std::move(job_id), std::move(row)});
}

void StoreWriter::update_job(std::string job_id, JobUpdate update) {
  push(UpdateJob{std::move(job_id), std::move(update)});
}

Status StoreWriter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  const uint64_t target = impl_->pushed;
  impl_->flush_target = std::max(impl_->flush_target, target);
  impl_->wake.notify_one();
  if (impl_->settled.wait_for(lock, timeout, [&] { return impl_->done >= target; })) {
    return Status::Ok();
  }
  std::string msg = "store writer: " + std::to_string(target - impl_->done) +
                    " op(s) not committed after " + std::to_string(timeout.count()) + " ms";
  if (!impl_->last_error.ok()) msg += "; last error: " + impl_->last_error.ToString();
  return Status::Unavailable(msg);
}

size_t StoreWriter::pending() const {
  std::lock_guard lock(impl_->mu);
  return impl_->queue.size() + impl_->writing;
}

Status StoreWriter::last_error() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_error;
}

uint64_t StoreWriter::new_trials() const {
  std::lock_guard lock(impl_->mu);
  return impl_->new_trials;
}

uint64_t StoreWriter::duplicate_trials() const {
  std::lock_guard lock(impl_->mu);
  return impl_->duplicate_trials;
}

}  // namespace sweep
