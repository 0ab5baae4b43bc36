// sweep-gateway: the HTTP API and web dashboard of a Sweep cluster (DESIGN §7, docs/HTTP.md).
// Prints one line `sweep-gateway ready http://HOST:PORT` on stdout once it listens (the port
// resolved when --listen asks for port 0), then serves until SIGINT or SIGTERM.
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <CLI/CLI.hpp>

#include "gateway.hpp"
#include "sweep/base/log.hpp"
#include "sweep/curve/curve_keys.hpp"
#include "sweep/protocol/endpoints.hpp"

namespace {

// "HOST:PORT" -> host, port; false when malformed.
bool parse_listen(const std::string& text, std::string& host, int& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  const std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
    return false;
  port = std::stoi(p);
  return port <= 65535;
}

}  // namespace

int main(int argc, char** argv) {
  sweep::gateway::GatewayConfig config;
  config.broker = std::getenv("SWEEP_BROKER") ? std::getenv("SWEEP_BROKER")
                                              : std::string(sweep::kDefaultFrontend);
  config.web_dir = SWEEP_GATEWAY_WEB_DIR;
  config.chartjs = SWEEP_GATEWAY_CHARTJS;
  std::string listen(sweep::kDefaultHttp);
  int timeout_ms = 3000;
  CLI::App app{"sweep-gateway: the HTTP API and web dashboard of a Sweep cluster"};
  app.add_option("--listen", listen, "HOST:PORT to serve HTTP on (port 0: ephemeral)")
      ->capture_default_str();
  app.add_option("--broker", config.broker, "the broker's frontend endpoint (or $SWEEP_BROKER)")
      ->capture_default_str();
  app.add_option("--token", config.token,
                 "require 'Authorization: Bearer TOKEN' on every API route (or $SWEEP_TOKEN)")
      ->envname("SWEEP_TOKEN");
  app.add_option("--allow-host", config.allowed_hosts,
                 "a host name the gateway is reached by, besides IP addresses and localhost "
                 "(repeatable; other Host headers get 403, against DNS rebinding)");
  app.add_option("--db", config.db, "the broker's SQLite database (for stored datasets)");
  app.add_option("--data-dir", config.data_dirs, "a data folder of the broker (repeatable)");
  app.add_option("--plugin", config.plugins, "strategy plugin library (repeatable)");
  app.add_option("--web-dir", config.web_dir, "the dashboard's files")->capture_default_str();
  app.add_option("--chartjs", config.chartjs, "Chart.js (Debian libjs-chart.js)")
      ->capture_default_str();
  app.add_option("--max-body-bytes", config.max_body_bytes, "largest request body (CSV uploads)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  int header_timeout_ms = static_cast<int>(config.reception.header_timeout.count());
  app.add_option("--header-timeout-ms", header_timeout_ms,
                 "a request's headers must arrive within this of its first byte (else 408)")
      ->capture_default_str()
      ->check(CLI::Range(100, 600'000));
  int submit_timeout_ms = static_cast<int>(config.submit_timeout.count());
  app.add_option("--submit-timeout-ms", submit_timeout_ms,
                 "how long a submit waits for the broker to accept it (its dataset is prepared "
                 "first)")
      ->capture_default_str()
      ->check(CLI::Range(100, 3'600'000));
  app.add_option("--timeout-ms", timeout_ms, "per attempt of a broker request (one retry)")
      ->capture_default_str()
      ->check(CLI::Range(50, 600'000));
  std::string curve_server_key, curve_key;
  app.add_option("--curve-server-key", curve_server_key,
                 "the broker's CURVE public key file; needs --curve-key (or "
                 "$SWEEP_CURVE_SERVER_KEY)")
      ->envname("SWEEP_CURVE_SERVER_KEY");
  app.add_option("--curve-key", curve_key,
                 "the gateway's CURVE key pair file, from sweep keygen (or $SWEEP_CURVE_KEY)")
      ->envname("SWEEP_CURVE_KEY");
  std::string log_level(sweep::log::kDefaultLevel);
  app.add_option("--log-level", log_level, "diagnostics on stderr from this level up")
      ->capture_default_str()
      ->check(CLI::IsMember(sweep::log::level_names()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (sweep::Status s = sweep::log::init("sweep-gateway", log_level); !s.ok()) {
    std::fprintf(stderr, "sweep-gateway: %s\n", s.message().c_str());
    return 2;
  }
  if (!parse_listen(listen, config.host, config.port)) {
    spdlog::error("--listen: '{}' is not HOST:PORT", listen);
    return 2;
  }
  auto keys = sweep::curve::load_client_keys(curve_server_key, curve_key);
  if (!keys.ok()) {
    spdlog::error("{}", keys.status().message());
    return 2;
  }
  config.client.curve = std::move(keys).value();
  config.client.timeout = std::chrono::milliseconds(timeout_ms);
  config.reception.header_timeout = std::chrono::milliseconds(header_timeout_ms);
  config.submit_timeout = std::chrono::milliseconds(submit_timeout_ms);
  config.client.retries = 1;
  config.client.backoff = std::chrono::milliseconds(100);

  // SIGINT/SIGTERM are taken by one thread with sigwait (the server's stop() is not
  // async-signal-safe); every other thread inherits the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const std::string host = config.host, broker = config.broker;
  auto gateway = sweep::gateway::Gateway::create(std::move(config));
  if (!gateway.ok()) {
    spdlog::error("{}", gateway.status().message());
    return gateway.status().code() == sweep::Code::kBadRequest ? 2 : 1;
  }
  auto port = (*gateway)->bind();
  if (!port.ok()) {
    spdlog::error("{}", port.status().message());
    return 1;
  }
  // A signal can come before the server runs, when stop() has nothing to stop yet: keep asking
  // until run() has returned.
  std::atomic<bool> served{false};
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    while (!served) {
      (*gateway)->stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  spdlog::info("serving http://{}:{} for the broker at {}", host, *port, broker);
  std::printf("sweep-gateway ready http://%s:%d\n", host.c_str(), *port);
  std::fflush(stdout);
  (*gateway)->run();
  served = true;
  // run() also returns when the server fails; wake the stopper so it can be joined.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  return 0;
}
