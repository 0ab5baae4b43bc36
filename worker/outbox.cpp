#include "outbox.hpp"

#include <string>

namespace sweep::worker {

Outbox::Outbox(zmq::context_t& ctx)
    : rx_(ctx, zmq::socket_type::pair), tx_(ctx, zmq::socket_type::pair) {
  const std::string ep =
      "inproc://sweep-worker-outbox-" + std::to_string(reinterpret_cast<uintptr_t>(this));
  rx_.set(zmq::sockopt::linger, 0);
  tx_.set(zmq::sockopt::linger, 0);
  rx_.bind(ep);
  tx_.connect(ep);
}

void Outbox::push(OutboxItem item) {
  std::lock_guard lock(mu_);
  items_.push_back(std::move(item));
  // One wakeup when the queue reaches kWakeAt; take() drains it completely.
  if (items_.size() == kWakeAt) (void)tx_.send(zmq::message_t(), zmq::send_flags::dontwait);
}

std::vector<OutboxItem> Outbox::take() {
  zmq::message_t msg;
  while (rx_.recv(msg, zmq::recv_flags::dontwait)) {
  }
  std::lock_guard lock(mu_);
  std::vector<OutboxItem> out(std::make_move_iterator(items_.begin()),
                              std::make_move_iterator(items_.end()));
  items_.clear();
  return out;
}

}  // namespace sweep::worker
