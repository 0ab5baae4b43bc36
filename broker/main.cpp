// sweep-broker: the job broker (DESIGN §1, §10). Prints one "ready" line with the bound
// endpoints, then serves until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <set>

#include <CLI/CLI.hpp>

#include "broker.hpp"
#include "sweep/base/limits.hpp"
#include "sweep/base/log.hpp"
#include "sweep/curve/curve_keys.hpp"
#include "sweep/protocol/endpoints.hpp"

namespace {
sweep::broker::Broker* g_broker = nullptr;
extern "C" void on_signal(int) {
  if (g_broker) g_broker->stop();
}

struct CurveFiles {
  std::string key, allow_clients, allow_workers;
};

// The key pair and allow-lists named on the command line, into `config`.
sweep::Status load_curve(const CurveFiles& files, sweep::broker::BrokerConfig& config) {
  if (files.key.empty()) {
    if (!files.allow_clients.empty() || !files.allow_workers.empty())
      return sweep::Status::BadRequest("--allow-clients/--allow-workers need --curve-key");
    return sweep::Status::Ok();
  }
  auto pair = sweep::curve::load_key_pair(files.key);
  if (!pair.ok()) return pair.status();
  config.curve = std::move(pair).value();
  auto load = [](const std::string& path, std::optional<std::set<std::string>>& into) {
    if (path.empty()) return sweep::Status::Ok();
    auto keys = sweep::curve::load_allow_list(path);
    if (!keys.ok()) return keys.status();
    into.emplace(keys->begin(), keys->end());
    return sweep::Status::Ok();
  };
  if (auto s = load(files.allow_clients, config.allow.clients); !s.ok()) return s;
  return load(files.allow_workers, config.allow.workers);
}
}  // namespace

int main(int argc, char** argv) {
  sweep::broker::BrokerConfig config;
  config.endpoints = {std::string(sweep::kDefaultFrontend), std::string(sweep::kDefaultBackend),
                      std::string(sweep::kDefaultEvents), std::string(sweep::kDefaultTelemetry)};
  config.db_path = "sweep.db";
  CLI::App app{"sweep-broker: runs Sweep jobs on a cluster of workers"};
  app.add_option("--frontend", config.endpoints.frontend, "client ROUTER endpoint");
  app.add_option("--backend", config.endpoints.backend, "worker ROUTER endpoint");
  app.add_option("--events", config.endpoints.events, "events PUB endpoint");
  app.add_option("--telemetry", config.endpoints.telemetry, "telemetry SUB endpoint");
  app.add_option("--db", config.db_path, "SQLite database path");
  app.add_option("--data-dir", config.data_dirs, "folder datasets may be read from (repeatable)");
  app.add_option("--heartbeat-ms", config.heartbeat_ms, "heartbeat interval")
      ->check(CLI::Range(10u, 600'000u));
  app.add_option("--plugin", config.plugins, "strategy plugin library (repeatable)");
  // Limits (docs/LIMITS.md): the defaults are also the ceilings; the floors keep ordinary
  // requests and worker messages possible.
  auto& l = config.limits;
  app.add_option("--max-request-bytes", l.max_request_bytes, "largest frontend frame")
      ->check(CLI::Range(size_t{1024}, sweep::kMaxRequestBytes));
  app.add_option("--max-message-bytes", l.max_message_bytes, "largest backend (worker) frame")
      ->check(CLI::Range(size_t{1} << 20, sweep::kMaxMessageBytes));
  app.add_option("--max-spec-bytes", l.max_spec_bytes, "largest job spec, as compact JSON")
      ->check(CLI::Range(size_t{256}, sweep::kMaxSpecBytes));
  app.add_option("--max-trials", l.max_trials, "most trials in one optimization")
      ->check(CLI::Range(uint64_t{1}, sweep::kMaxTrials));
  app.add_option("--max-string-length", l.max_string_length,
                 "longest strategy name, dataset id or choice value (a sha256 id is 64)")
      ->check(CLI::Range(size_t{64}, sweep::kMaxStringLength));
  app.add_option("--max-jobs", l.max_jobs, "most live (not terminal) jobs at once")
      ->check(CLI::Range(size_t{1}, sweep::kMaxJobsCeiling));
  CurveFiles curve;
  app.add_option("--curve-key", curve.key,
                 "CURVE key pair file (sweep keygen): encrypt and authenticate every socket");
  app.add_option("--allow-clients", curve.allow_clients,
                 "File of client public keys allowed on the frontend (default: any key)");
  app.add_option("--allow-workers", curve.allow_workers,
                 "File of worker public keys allowed on the backend (default: any key)");
  app.add_flag("!--no-trial-rows", config.record_trial_rows,
               "benchmarks only: count trials but write no trial rows to SQLite");
  app.add_flag("!--no-robustness", config.robustness,
               "benchmarks only: no per-trial return statistics and no result.robustness");
  uint32_t drain_ms = 500;
  app.add_option("--drain-ms", drain_ms,
                 "after SIGTERM/SIGINT: how long submits are refused and results of running "
                 "trials still recorded before the broker exits (a second signal: at once)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 600'000u));
  // Hidden (no group): the fault tests' stand-in for a full disk.
  app.add_option("--max-db-pages", config.max_db_pages,
                 "tests only: PRAGMA max_page_count on every connection")
      ->group("");
  std::string log_level(sweep::log::kDefaultLevel);
  app.add_option("--log-level", log_level, "Diagnostics on stderr from this level up")
      ->capture_default_str()
      ->check(CLI::IsMember(sweep::log::level_names()));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (sweep::Status s = sweep::log::init("sweep-broker", log_level); !s.ok()) {
    std::cerr << "sweep-broker: " << s.message() << "\n";
    return 2;
  }

  config.drain_grace = std::chrono::milliseconds(drain_ms);
  if (sweep::Status s = load_curve(curve, config); !s.ok()) {
    spdlog::error("{}", s.ToString());
    return 2;
  }
  zmq::context_t ctx;
  auto broker = sweep::broker::Broker::create(config, ctx);
  if (!broker.ok()) {
    spdlog::error("{}", broker.status().ToString());
    return 1;
  }
  g_broker = broker->get();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto& ep = (*broker)->endpoints();
  std::cout << "sweep-broker ready frontend=" << ep.frontend << " backend=" << ep.backend
            << " events=" << ep.events << " telemetry=" << ep.telemetry
            << (config.curve ? " curve=on" : "") << std::endl;
  spdlog::info("serving: frontend {} backend {} events {} telemetry {}, database {}", ep.frontend,
               ep.backend, ep.events, ep.telemetry, config.db_path);
  (*broker)->run();
  spdlog::info("stopped");
  g_broker = nullptr;
  return 0;
}
