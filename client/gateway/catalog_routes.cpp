// /api/strategies, /api/datasets, /api/health.
#include <string>

#include "gateway.hpp"
#include "http_util.hpp"
#include "sweep/client_json.hpp"
#include "sweep/engine/metrics.hpp"
#include "sweep/jobs/catalog_json.hpp"
#include "sweep/jobs/result_json.hpp"

namespace sweep::gateway {

namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

void strategies(Context& ctx, Response& res) {
  send_json(res, 200,
            {{"strategies", strategies_json(ctx.registry)}, {"metrics", metric_names_json()}});
}

void upload(Context& ctx, const Request& req, Response& res) {
  const std::string type = media_type(req);
  if (type != "text/csv" && type != "text/plain")
    return send_error(
        res, 415, "unsupported_media_type",
        "body: Content-Type must be text/csv, not '" + req.get_header_value("Content-Type") + "'",
        "body");
  const std::string name = req.has_param("name") ? req.get_param_value("name") : "upload.csv";
  Result<Upload> u = ctx.datasets.upload(req.body, name);
  if (!u.ok()) {
    const std::string& m = u.status().message();
    return send_status(res, u.status(), m.substr(0, m.find(':')));
  }
  res.set_header("Location", "/api/datasets/" + u->dataset["id"].get<std::string>());
  send_json(res, u->created ? 201 : 200, u->dataset);
}

void health(Context& ctx, Response& res) {
  auto c = ctx.pool.acquire();
  Result<protocol::HealthReply> h = c->health();
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
  json gateway = {{"version", kVersion}, {"uptime_s", uptime}, {"broker", ctx.pool.frontend()}};
  if (!h.ok()) {
    send_json(res, 503,
              {{"status", "unavailable"},
               {"gateway", std::move(gateway)},
               {"error",
                {{"code", "unavailable"},
                 {"message", "broker unavailable: " + h.status().message()},
                 {"field", nullptr}}}});
    return;
  }
  if (!h->store_error.empty()) {
    // The broker answers but refuses every submit: a health check must not call that healthy.
    send_json(res, 503,
              {{"status", "unavailable"},
               {"gateway", std::move(gateway)},
               {"broker", client::json_of(*h)},
               {"error",
                {{"code", "unavailable"},
                 {"message", "broker store: " + h->store_error},
                 {"field", nullptr}}}});
    return;
  }
  send_json(res, 200,
            {{"status", "ok"}, {"gateway", std::move(gateway)}, {"broker", client::json_of(*h)}});
}

}  // namespace

void add_catalog_routes(httplib::Server& server, Context& ctx) {
  server.Get("/api/strategies", [&ctx](const Request&, Response& res) { strategies(ctx, res); });
  server.Get("/api/datasets", [&ctx](const Request&, Response& res) {
    Result<json> list = ctx.datasets.list();
    if (!list.ok()) return send_status(res, list.status());
    send_json(res, 200, *list);
  });
  post_bounded(server, "/api/datasets", ctx.config.max_body_bytes,
               [&ctx](const Request& req, Response& res) { upload(ctx, req, res); });
  server.Get("/api/health", [&ctx](const Request&, Response& res) { health(ctx, res); });
}

}  // namespace sweep::gateway
