// A real local cluster for end-to-end tests and benchmarks: a sweep-broker process on ephemeral
// loopback ports (or the ports it had, after a restart) over a SQLite file in a temporary
// folder, and sweep-worker processes connected to it. Everything is killed on destruction.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::testing {

struct ClusterOptions {
  std::vector<std::string> broker_args;  // extra sweep-broker arguments
  std::vector<std::string> worker_args;  // extra sweep-worker arguments
  bool test_plugin = true;               // load the misbehaving test strategies everywhere
  // Where the broker binds the workers' endpoints (backend, events, telemetry), e.g. a veth
  // address for a worker in another network namespace; the frontend stays on loopback.
  std::string worker_host = "127.0.0.1";
};

class LocalCluster {
 public:
  explicit LocalCluster(ClusterOptions options = {});
  ~LocalCluster();

  // Starts the broker (again, on the same endpoints and database after a restart); throws
  // std::runtime_error with its stderr when it does not announce itself in time.
  void start_broker();
  void kill_broker(int sig);  // and waits for it to end
  ChildProcess& add_worker(unsigned slots = 1, std::vector<std::string> extra = {});
  std::vector<std::unique_ptr<ChildProcess>>& workers() { return workers_; }
  ChildProcess& broker() { return *broker_; }

  // Changes apply to the next start_broker / add_worker.
  ClusterOptions& options() { return options_; }
  const protocol::Endpoints& endpoints() const { return endpoints_; }
  const std::string& db_path() const { return db_path_; }
  const std::string& dir() const { return dir_; }
  std::string broker_stderr() const { return broker_ ? broker_->stderr_text() : ""; }

 private:
  ClusterOptions options_;
  std::string dir_, db_path_;
  protocol::Endpoints endpoints_;
  bool bound_ = false;
  std::unique_ptr<ChildProcess> broker_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
};

}  // namespace sweep::testing
