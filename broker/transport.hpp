// The broker's sockets and their I/O (DESIGN §1): the frontend ROUTER (clients), the backend
// ROUTER (workers), the events XPUB and the telemetry SUB. The broker's logic never touches a
// socket: it polls, receives whole messages and sends frames through this.
//
// Sends never block: a peer that is gone or full (a high-water mark) loses the message, which is
// what a dead link does anyway, and the failure is logged.
//
// Thread safety: the broker's loop thread only (ZeroMQ sockets are not thread-safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "sweep/base/limits.hpp"
#include "sweep/base/status.hpp"
#include "sweep/curve/curve_keys.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::broker {

enum class Socket { kFrontend, kBackend, kTelemetry, kEvents };

class Transport {
 public:
  // Binds every socket ("tcp://127.0.0.1:*" binds an ephemeral port), with CURVE when a key pair
  // is given (a ZAP handler, if any, must be serving already). `ctx` must outlive the transport.
  static Result<std::unique_ptr<Transport>> bind(zmq::context_t& ctx,
                                                 const protocol::Endpoints& endpoints,
                                                 const Limits& limits,
                                                 const std::optional<curve::KeyPair>& curve);

  // The endpoints actually bound (ephemeral ports resolved).
  const protocol::Endpoints& bound() const { return bound_; }

  // Which sockets (and whether any of `extra_fds`) have input, after waiting at most `timeout`
  // for any. nullopt: the wait failed (a signal, or an error, which is logged).
  struct Ready {
    bool frontend = false, backend = false, telemetry = false, events = false, extra_fd = false;
  };
  std::optional<Ready> poll(std::chrono::milliseconds timeout, std::span<const int> extra_fds);
  // Whether a message waits on `s` now (the loop drains a socket message by message).
  bool has_input(Socket s);
  // One whole message (every frame) from `s`; empty when none waits or the receive failed.
  std::vector<zmq::message_t> receive(Socket s);
  // A ROUTER message (routing identity, then `payload`) on the frontend or the backend.
  void send_to(Socket s, std::string_view identity, std::string_view payload);
  // The same, sharing `payload`'s buffer instead of copying it (for a big message sent to many).
  void send_shared(Socket s, std::string_view identity, zmq::message_t& payload);
  // An event: its topic frame, then `payload`.
  void publish(std::string_view topic, std::string_view payload);

 private:
  explicit Transport(zmq::context_t& ctx);
  zmq::socket_t& socket(Socket s);

  zmq::socket_t frontend_, backend_, events_, telemetry_;
  protocol::Endpoints bound_;
};

}  // namespace sweep::broker
