// Slot threads -> I/O thread: finished trials and progress ticks (and the loader thread's
// datasets), in a locked queue. The I/O
// thread collects them on its own schedule (every few ms while trials run); a wakeup on an
// inproc PAIR comes only when the queue grows long, so that short trials do not each cost a
// wakeup.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include <zmq.hpp>

#include "sweep/base/status.hpp"
#include "sweep/data/market_data.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::worker {

struct Finished {
  uint64_t task = 0;  // the session's id of the trial
  protocol::TrialResult result;
  bool ran = true;  // false: dropped from the pool's queue before it started
};
// A dataset the loader thread made (dataset_loader.hpp): nullptr when it cannot be made here.
struct Loaded {
  std::string hash;
  Result<std::shared_ptr<const MarketData>> data;
};
using OutboxItem = std::variant<Finished, protocol::Tick, Loaded>;

class Outbox {
 public:
  static constexpr size_t kWakeAt = 256;
  explicit Outbox(zmq::context_t& ctx);
  // Any thread.
  void push(OutboxItem item);
  // I/O thread: drains the wakeups and returns the queued items, oldest first.
  std::vector<OutboxItem> take();
  // I/O thread: poll this for ZMQ_POLLIN (the queue holds kWakeAt items or more).
  zmq::socket_t& wake_socket() { return rx_; }

 private:
  std::mutex mu_;
  std::deque<OutboxItem> items_;
  zmq::socket_t rx_, tx_;  // tx_ is used under mu_ only
};

}  // namespace sweep::worker
