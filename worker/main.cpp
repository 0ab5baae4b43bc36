// sweep-worker --broker BACKEND-EP [--slots N] [--plugin PATH]... [--name NAME] [--heartbeat-ms N]
//   [--drain-timeout S] [--health-file PATH] [--curve-server-key BROKER.pub --curve-key WORKER.key]
// Connects to the broker's backend and runs the trials it is given until SIGINT/SIGTERM, then
// drains (docs/RELIABILITY.md "Drain and probes"); a second signal exits at once.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>

#include "crash_signals.hpp"
#include "session.hpp"
#include "sweep/base/log.hpp"
#include "sweep/curve/curve_keys.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int sig) {
  // The second signal: no drain. The broker hears no bye and charges the trials this worker held
  // an attempt when its heartbeats stop, as for a crash.
  if (g_stop.exchange(true)) _exit(128 + sig);
}

void install_signal_handlers() {
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  sweep::worker::WorkerOptions options;
  options.slots = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::string> plugins;

  CLI::App app{"sweep-worker: runs backtest trials for a sweep broker"};
  app.add_option("--broker", options.broker, "The broker's backend endpoint")->required();
  app.add_option("--slots", options.slots, "Trials run at once (default: CPU count)")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--plugin", plugins, "Strategy plugin (shared library) to load; repeatable");
  app.add_option("--name", options.name, "Worker id (default HOST:PID:1)");
  app.add_option("--heartbeat-ms", options.heartbeat_ms,
                 "Heartbeat interval until the broker's welcome sets it")
      ->check(CLI::Range(1u, 3'600'000u));
  double drain_timeout_s = 20;
  app.add_option("--drain-timeout", drain_timeout_s,
                 "On SIGTERM/SIGINT: seconds running trials may take to finish before they are "
                 "handed back to the broker (queued ones are at once; 0: all at once). A second "
                 "signal exits at once with status 128+signal")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86'400.0));
  app.add_option("--health-file", options.health_file,
                 "Readiness/liveness file for orchestrators: written once the broker's welcome "
                 "comes, its mtime refreshed every half heartbeat interval while connected, "
                 "removed on drain, on losing the broker and at exit. Ready = it exists; live = "
                 "its mtime is under 3 heartbeat intervals old");
  std::string curve_server_key, curve_key;
  app.add_option("--curve-server-key", curve_server_key,
                 "The broker's CURVE public key file (its .pub); needs --curve-key");
  app.add_option("--curve-key", curve_key, "This worker's CURVE key pair file (sweep keygen)");
  std::string log_level(sweep::log::kDefaultLevel);
  app.add_option("--log-level", log_level, "Diagnostics on stderr from this level up")
      ->capture_default_str()
      ->check(CLI::IsMember(sweep::log::level_names()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? app.exit(e) : (app.exit(e), 2);
  }
  if (sweep::Status s = sweep::log::init("sweep-worker", log_level); !s.ok()) {
    std::fprintf(stderr, "sweep-worker: %s\n", s.message().c_str());
    return 2;
  }

  auto keys = sweep::curve::load_client_keys(curve_server_key, curve_key);
  if (!keys.ok()) {
    spdlog::error("{}", keys.status().ToString());
    return 2;
  }
  options.curve = std::move(keys).value();
  options.drain_timeout = std::chrono::milliseconds(static_cast<int64_t>(drain_timeout_s * 1000));

  sweep::StrategyRegistry registry = sweep::StrategyRegistry::WithBuiltins();
  for (const std::string& path : plugins) {
    sweep::Status s = registry.load_plugin(path);
    if (!s.ok()) {
      spdlog::error("plugin {}: {}", path, s.message());
      return 2;
    }
  }

  install_signal_handlers();
  if (sweep::Status s = sweep::worker::CrashSignals::install(); !s.ok()) {
    // Crashes are then reported as a lost worker: worth a line, not worth refusing to run.
    spdlog::warn("{}", s.message());
  }
  try {
    sweep::worker::WorkerSession session(options, registry);
    return session.run(g_stop);
  } catch (const zmq::error_t& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
