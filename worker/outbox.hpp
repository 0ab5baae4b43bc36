// Slot threads -> I/O thread: finished trials and progress ticks, in a locked queue, plus a
// wakeup on an inproc PAIR so that the I/O thread's zmq::poll returns at once.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <variant>
#include <vector>

#include <zmq.hpp>

#include "sweep/protocol.hpp"

namespace sweep::worker {

struct Finished {
  uint64_t task = 0;  // the session's id of the trial
  protocol::TrialResult result;
};
using OutboxItem = std::variant<Finished, protocol::Tick>;

class Outbox {
 public:
  explicit Outbox(zmq::context_t& ctx);
  // Any thread.
  void push(OutboxItem item);
  // I/O thread: drains the wakeups and returns the queued items, oldest first.
  std::vector<OutboxItem> take();
  // I/O thread: poll this for ZMQ_POLLIN.
  zmq::socket_t& wake_socket() { return rx_; }

 private:
  std::mutex mu_;
  std::deque<OutboxItem> items_;
  zmq::socket_t rx_, tx_;  // tx_ is used under mu_ only
};

}  // namespace sweep::worker
