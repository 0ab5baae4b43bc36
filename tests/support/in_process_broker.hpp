// The broker core in this process, on its own thread, on ephemeral loopback ports, serving the
// bundled data folder: for tests that speak to it with raw sockets. Header only: it needs the
// broker's library, which only the tests that use it link.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "broker.hpp"

namespace sweep::testing {

class InProcessBroker {
 public:
  // `config` with its endpoints, database and data folder set here; the rest is the caller's.
  InProcessBroker(const std::string& db, broker::BrokerConfig config = {}) {
    config.endpoints = {"tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*",
                        "tcp://127.0.0.1:*"};
    config.db_path = db;
    config.data_dirs = {SWEEP_DATA_DIR};
    auto b = broker::Broker::create(std::move(config), ctx_);
    if (!b.ok()) throw std::runtime_error(b.status().ToString());
    broker_ = std::move(b).value();
    thread_ = std::thread([this] { broker_->run(); });
  }
  ~InProcessBroker() {
    broker_->stop();
    thread_.join();
  }
  InProcessBroker(const InProcessBroker&) = delete;
  InProcessBroker& operator=(const InProcessBroker&) = delete;

  // Starts the broker's drain (BrokerConfig::drain_grace); the destructor's stop ends it.
  void stop() { broker_->stop(); }
  const protocol::Endpoints& endpoints() const { return broker_->endpoints(); }
  zmq::context_t& ctx() { return ctx_; }

 private:
  zmq::context_t ctx_;  // before the broker: its sockets close first
  std::unique_ptr<broker::Broker> broker_;
  std::thread thread_;
};

}  // namespace sweep::testing
