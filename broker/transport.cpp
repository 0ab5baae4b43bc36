#include "transport.hpp"

#include <cerrno>
#include <cstdio>
#include <iterator>
#include <stdexcept>

#include <zmq_addon.hpp>

#include "sweep/base/log.hpp"
#include "sweep/curve/curve_socket.hpp"
#include "sweep/protocol/topics.hpp"
#include "zap_handler.hpp"

namespace sweep::broker {

namespace {
constexpr int kEventsSendHwm = 1000;  // messages per subscriber, libzmq's default, set on purpose

const char* name_of(Socket s) {
  switch (s) {
    case Socket::kFrontend:
      return "frontend";
    case Socket::kBackend:
      return "backend";
    case Socket::kTelemetry:
      return "telemetry";
    case Socket::kEvents:
      return "events";
  }
  return "?";
}
}  // namespace

Transport::Transport(zmq::context_t& ctx)
    : frontend_(ctx, zmq::socket_type::router),
      backend_(ctx, zmq::socket_type::router),
      events_(ctx, zmq::socket_type::xpub),
      telemetry_(ctx, zmq::socket_type::sub) {}

Result<std::unique_ptr<Transport>> Transport::bind(zmq::context_t& ctx,
                                                   const protocol::Endpoints& endpoints,
                                                   const Limits& limits,
                                                   const std::optional<curve::KeyPair>& curve) {
  std::unique_ptr<Transport> t(new Transport(ctx));
  try {
    for (auto* s : {&t->frontend_, &t->backend_, &t->events_, &t->telemetry_}) {
      s->set(zmq::sockopt::linger, 0);
    }
    if (curve) {
      curve::make_server(t->frontend_, *curve, kZapFrontend);
      curve::make_server(t->backend_, *curve, kZapBackend);
      curve::make_server(t->events_, *curve, kZapEvents);
      curve::make_server(t->telemetry_, *curve, kZapTelemetry);
    }
    t->frontend_.set(zmq::sockopt::router_mandatory, 0);
    // libzmq refuses a frame over ZMQ_MAXMSGSIZE from its length header, before allocating it,
    // and closes that peer's connection: the peer gets no reply (docs/LIMITS.md).
    t->frontend_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(limits.max_request_bytes));
    t->backend_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(limits.max_message_bytes));
    t->telemetry_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxTickBytes));
    t->events_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxSubscriptionBytes));
    // A subscriber that reads slowly or not at all costs at most this many queued events (a few
    // MB); past it the PUB side drops its events and never blocks the broker.
    t->events_.set(zmq::sockopt::sndhwm, kEventsSendHwm);
    t->telemetry_.set(zmq::sockopt::subscribe, std::string(kTickTopic));
    auto bind = [](zmq::socket_t& s, const std::string& ep) {
      s.bind(ep);
      return s.get(zmq::sockopt::last_endpoint);
    };
    t->bound_.frontend = bind(t->frontend_, endpoints.frontend);
    t->bound_.backend = bind(t->backend_, endpoints.backend);
    t->bound_.events = bind(t->events_, endpoints.events);
    t->bound_.telemetry = bind(t->telemetry_, endpoints.telemetry);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("cannot bind: ") + e.what());
  }
  return t;
}

zmq::socket_t& Transport::socket(Socket s) {
  switch (s) {
    case Socket::kFrontend:
      return frontend_;
    case Socket::kBackend:
      return backend_;
    case Socket::kTelemetry:
      return telemetry_;
    case Socket::kEvents:
      return events_;
  }
  return frontend_;
}

std::optional<Transport::Ready> Transport::poll(std::chrono::milliseconds timeout,
                                                std::span<const int> extra_fds) {
  constexpr size_t kSockets = 4, kMaxFds = 4;
  if (extra_fds.size() > kMaxFds) throw std::logic_error("poll: too many fds");
  zmq::pollitem_t items[kSockets + kMaxFds] = {{frontend_.handle(), 0, ZMQ_POLLIN, 0},
                                               {backend_.handle(), 0, ZMQ_POLLIN, 0},
                                               {telemetry_.handle(), 0, ZMQ_POLLIN, 0},
                                               {events_.handle(), 0, ZMQ_POLLIN, 0}};
  for (size_t i = 0; i < extra_fds.size(); ++i)
    items[kSockets + i] = {nullptr, extra_fds[i], ZMQ_POLLIN, 0};
  try {
    zmq::poll(items, kSockets + extra_fds.size(), timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) spdlog::error("poll: {}", e.what());
    return std::nullopt;
  }
  auto in = [&](size_t i) { return (items[i].revents & ZMQ_POLLIN) != 0; };
  bool any_fd = false;
  for (size_t i = 0; i < extra_fds.size(); ++i) any_fd = any_fd || in(kSockets + i);
  return Ready{in(0), in(1), in(2), in(3), any_fd};
}

bool Transport::has_input(Socket s) {
  return (socket(s).get(zmq::sockopt::events) & ZMQ_POLLIN) != 0;
}

std::vector<zmq::message_t> Transport::receive(Socket s) {
  std::vector<zmq::message_t> frames;
  try {
    (void)zmq::recv_multipart(socket(s), std::back_inserter(frames), zmq::recv_flags::dontwait);
  } catch (const zmq::error_t& e) {
    spdlog::error("{} recv: {}", name_of(s), e.what());
    frames.clear();
  }
  return frames;
}

void Transport::send_to(Socket s, std::string_view identity, std::string_view payload) {
  try {
    socket(s).send(zmq::buffer(identity), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    socket(s).send(zmq::buffer(payload), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    spdlog::error("send on {}: {}", name_of(s), e.what());
  }
}

void Transport::send_shared(Socket s, std::string_view identity, zmq::message_t& payload) {
  try {
    zmq::message_t shared;
    shared.copy(payload);
    socket(s).send(zmq::buffer(identity), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    socket(s).send(shared, zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    spdlog::error("send on {}: {}", name_of(s), e.what());
  }
}

void Transport::publish(std::string_view topic, std::string_view payload) {
  try {
    events_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    events_.send(zmq::buffer(payload), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    spdlog::error("publish: {}", e.what());
  }
}

}  // namespace sweep::broker
