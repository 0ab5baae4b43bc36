// sweep-gateway: the HTTP API of DESIGN §7 (docs/HTTP.md) in front of a broker's frontend, plus
// the dashboard's static files. Each API request becomes one or two frontend requests through a
// pooled client (client/include/sweep/client.hpp); when the broker does not answer, the request
// gets 503 `unavailable` and the next one tries again, so the gateway outlives broker restarts.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>

#include "client_pool.hpp"
#include "datasets.hpp"
#include "reception.hpp"
#include "sweep/base/status.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "trial_feed.hpp"

namespace sweep::gateway {

inline constexpr size_t kDefaultMaxBodyBytes = size_t{64} << 20;  // CSV uploads
#ifdef SWEEP_VERSION
inline constexpr const char* kVersion = SWEEP_VERSION;
#else
inline constexpr const char* kVersion = "unknown";
#endif

struct GatewayConfig {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: an ephemeral port
  std::string broker;
  std::string token;  // "" = no authentication
  // Host names served besides IP addresses and localhost (request_guard.hpp).
  std::vector<std::string> allowed_hosts;
  std::string web_dir;
  std::string chartjs;
  std::string db;  // the broker's SQLite file, for stored datasets
  std::vector<std::string> data_dirs;
  std::vector<std::string> plugins;
  size_t max_body_bytes = kDefaultMaxBodyBytes;
  // How long a submit waits for the broker's answer (its dataset may take seconds to prepare).
  std::chrono::milliseconds submit_timeout{60'000};
  ReceptionLimits reception;  // request headers: deadline, size (reception.hpp)
  client::ClientOptions client;
};

// What the routes share. Every member is safe to use from the server's threads.
struct Context {
  Context(GatewayConfig c, StrategyRegistry r)
      : config(std::move(c)),
        pool(config.broker, config.client),
        registry(std::move(r)),
        datasets(config.db, config.data_dirs),
        feed(config.broker, config.client.curve) {}

  GatewayConfig config;
  ClientPool pool;
  StrategyRegistry registry;
  Datasets datasets;
  TrialFeed feed;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

void add_job_routes(httplib::Server& server, Context& ctx);
void add_catalog_routes(httplib::Server& server, Context& ctx);  // strategies, datasets, health
void add_metrics_route(httplib::Server& server, Context& ctx);

class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> create(GatewayConfig config);

  // Binds the listening socket; returns the port (the chosen one when config.port is 0).
  Result<int> bind();
  // Serves until stop(); call bind() first.
  void run();
  void stop() { server_.stop(); }

 private:
  Gateway(std::unique_ptr<Context> ctx) : ctx_(std::move(ctx)), server_(ctx_->config.reception) {}
  void install();

  std::unique_ptr<Context> ctx_;
  ReceptionServer server_;
};

}  // namespace sweep::gateway
