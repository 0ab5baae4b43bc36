#include "cluster.hpp"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace sweep::testing {

namespace {
constexpr auto kReadyTimeout = std::chrono::seconds(30);
constexpr auto kEphemeral = "tcp://127.0.0.1:*";

// "frontend=EP backend=EP ..." -> the value of `key`.
std::string field(const std::string& line, const std::string& key) {
  std::istringstream in(line);
  for (std::string word; in >> word;) {
    if (word.rfind(key + "=", 0) == 0) return word.substr(key.size() + 1);
  }
  return {};
}

std::string test_plugin() {
  return lib_dir() + "/libsweep_test_plugin.so";
}
}  // namespace

LocalCluster::LocalCluster(ClusterOptions options) : options_(std::move(options)) {
  char tmpl[] = "/tmp/sweep-cluster-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  db_path_ = dir_ + "/sweep.db";
  const std::string workers = "tcp://" + options_.worker_host + ":*";
  endpoints_ = {kEphemeral, workers, workers, workers};
}

LocalCluster::~LocalCluster() {
  for (auto& w : workers_) w->signal(SIGKILL);
  workers_.clear();
  broker_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void LocalCluster::start_broker() {
  std::vector<std::string> args = {"--db",        db_path_,
                                   "--data-dir",  SWEEP_DATA_DIR,
                                   "--frontend",  endpoints_.frontend,
                                   "--backend",   endpoints_.backend,
                                   "--events",    endpoints_.events,
                                   "--telemetry", endpoints_.telemetry};
  if (options_.test_plugin) {
    args.push_back("--plugin");
    args.push_back(test_plugin());
  }
  args.insert(args.end(), options_.broker_args.begin(), options_.broker_args.end());
  broker_ = std::make_unique<ChildProcess>(bin_dir() + "/sweep-broker", args);
  auto line = broker_->wait_for_line("sweep-broker ready ", kReadyTimeout);
  if (!line) throw std::runtime_error("sweep-broker did not start:\n" + broker_->stderr_text());
  endpoints_ = {field(*line, "frontend"), field(*line, "backend"), field(*line, "events"),
                field(*line, "telemetry")};
  bound_ = true;
}

void LocalCluster::kill_broker(int sig) {
  if (!broker_) return;
  broker_->signal(sig);
  broker_->wait(std::chrono::seconds(30));
}

ChildProcess& LocalCluster::add_worker(unsigned slots, std::vector<std::string> extra) {
  if (!bound_) throw std::runtime_error("start the broker first");
  std::vector<std::string> args = {"--broker", endpoints_.backend,
                                   "--slots",  std::to_string(slots),
                                   "--name",   "w" + std::to_string(workers_.size() + 1)};
  if (options_.test_plugin) {
    args.push_back("--plugin");
    args.push_back(test_plugin());
  }
  args.insert(args.end(), options_.worker_args.begin(), options_.worker_args.end());
  args.insert(args.end(), extra.begin(), extra.end());
  workers_.push_back(std::make_unique<ChildProcess>(bin_dir() + "/sweep-worker", args));
  return *workers_.back();
}

}  // namespace sweep::testing
