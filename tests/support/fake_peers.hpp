// A client and a worker for integration tests, speaking the protocol on raw DEALER sockets: the
// client sends frontend requests; the fake worker says hello, takes batches and answers them only
// when and how a test says (a hung, lying or crashing worker is a few lines of a test).
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <zmq.hpp>

#include "sweep/protocol/protocol.hpp"

namespace sweep::testing {

inline constexpr std::chrono::seconds kPeerDeadline{10};

inline std::optional<std::string> recv_within(zmq::socket_t& s, std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, timeout);
  if (!(item.revents & ZMQ_POLLIN)) return std::nullopt;
  zmq::message_t m;
  if (!s.recv(m, zmq::recv_flags::dontwait)) return std::nullopt;
  return m.to_string();
}

class Client {
 public:
  Client(zmq::context_t& ctx, const std::string& ep) : s_(ctx, zmq::socket_type::dealer) {
    s_.set(zmq::sockopt::linger, 0);
    s_.connect(ep);
  }
  void send_raw(const std::string& bytes) { s_.send(zmq::buffer(bytes)); }
  void send(const protocol::FrontendRequest& req) { s_.send(zmq::buffer(protocol::encode(req))); }
  // Whether a reply is waiting, without taking it.
  bool has_reply() {
    zmq::pollitem_t item{s_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(0));
    return item.revents & ZMQ_POLLIN;
  }
  protocol::FrontendReply recv(std::chrono::milliseconds timeout = kPeerDeadline) {
    auto bytes = recv_within(s_, timeout);
    if (!bytes) throw std::runtime_error("no reply");
    auto rep = protocol::decode_frontend_reply(*bytes);
    if (!rep.ok()) throw std::runtime_error(rep.status().ToString());
    return *rep;
  }
  protocol::FrontendReply call(const protocol::FrontendRequest& req) {
    send(req);
    return recv();
  }
  protocol::StatusReply status(const std::string& id) {
    auto rep = call(protocol::StatusRequest{"s", id});
    return std::get<protocol::StatusReply>(rep);
  }

 private:
  zmq::socket_t s_;
};

class FakeWorker {
 public:
  // `strategies`: what its hello lists (empty: every strategy).
  FakeWorker(zmq::context_t& ctx, const std::string& ep, std::string name = "fake:1:0",
             std::vector<std::string> strategies = {})
      : s_(ctx, zmq::socket_type::dealer), name_(std::move(name)) {
    s_.set(zmq::sockopt::linger, 0);
    s_.connect(ep);
    protocol::Hello h;
    h.worker = name_;
    h.host = "test";
    h.pid = 42;
    h.slots = 2;
    h.version = "test";
    h.strategies = std::move(strategies);
    send(h);
    auto m = next(kPeerDeadline);
    if (!m || !std::holds_alternative<protocol::Welcome>(*m)) throw std::runtime_error("welcome");
  }
  void send(const protocol::WorkerMessage& m) { s_.send(zmq::buffer(protocol::encode(m))); }
  // The next non-heartbeat message.
  std::optional<protocol::BrokerMessage> next(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      auto bytes = recv_within(s_, std::chrono::duration_cast<std::chrono::milliseconds>(
                                       end - std::chrono::steady_clock::now()));
      if (!bytes) break;
      auto m = protocol::decode_broker_message(*bytes);
      if (!m.ok()) throw std::runtime_error(m.status().ToString());
      if (std::holds_alternative<protocol::Heartbeat>(*m)) continue;
      return *m;
    }
    return std::nullopt;
  }
  std::optional<protocol::TrialsBatch> batch(std::chrono::milliseconds timeout = kPeerDeadline) {
    auto m = next(timeout);
    if (!m) return std::nullopt;
    if (auto* b = std::get_if<protocol::TrialsBatch>(&*m)) return *b;
    return std::nullopt;
  }
  void complete(const std::string& job, const protocol::BatchTrial& t,
                TrialState status = TrialState::kCompleted) {
    protocol::TrialResult r;
    r.job = job;
    r.index = t.index;
    r.attempt = t.attempt;
    r.status = status;
    r.metrics = Metrics::Zero();
    if (status == TrialState::kCompleted) r.metrics[Metric::kSharpe] = static_cast<double>(t.index);
    if (status == TrialState::kFailed) r.error_message = "boom";
    if (status == TrialState::kCompleted) r.equity = {10000, 10100};
    r.started_at = 1000;
    r.finished_at = 1002;
    r.bars = 500;
    send(r);
  }

 private:
  zmq::socket_t s_;
  std::string name_;
};

}  // namespace sweep::testing
