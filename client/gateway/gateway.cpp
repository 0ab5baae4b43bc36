#include "gateway.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "http_util.hpp"
#include "request_guard.hpp"
#include "sweep/base/log.hpp"

namespace sweep::gateway {

namespace {

bool is_api_path(const std::string& path) {
  return path.rfind("/api/", 0) == 0 || path == "/api" || path == "/metrics";
}

// Compares without an early exit, so the time taken does not reveal a matching prefix.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i % b.size()]);
  return diff == 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The code for an error response the router made without a body (no route, body too large...).
const char* code_for_http(int status) {
  switch (status) {
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "too_large";
    case 415:
      return "unsupported_media_type";
    default:
      return status >= 500 ? "internal" : "bad_request";
  }
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::create(GatewayConfig config) {
  if (config.broker.empty()) return Status::BadRequest("--broker: the broker's frontend endpoint");
  StrategyRegistry registry = StrategyRegistry::WithBuiltins();
  for (const std::string& p : config.plugins)
    if (Status s = registry.load_plugin(p); !s.ok()) return s;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::path(config.web_dir) / "index.html", ec))
    return Status::NotFound("--web-dir: no index.html in '" + config.web_dir + "'");
  if (!std::filesystem::is_regular_file(config.chartjs, ec))
    return Status::NotFound("--chartjs: no file '" + config.chartjs +
                            "' (Debian package libjs-chart.js)");
  auto ctx = std::make_unique<Context>(std::move(config), std::move(registry));
  std::unique_ptr<Gateway> g(new Gateway(std::move(ctx)));
  g->install();
  return g;
}

void Gateway::install() {
  Context& ctx = *ctx_;
  server_.set_payload_max_length(ctx.config.max_body_bytes);
  // The dashboard loads only its own files (no inline scripts, no CDN); styles may be inline.
  server_.set_default_headers(
      {{"X-Content-Type-Options", "nosniff"},
       {"X-Frame-Options", "DENY"},
       {"Referrer-Policy", "no-referrer"},
       {"Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"}});

  server_.set_pre_routing_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
    if (auto refused = check_request(req.method, req.get_header_value("Host"),
                                     req.get_header_value("Origin"), ctx.config.allowed_hosts)) {
      send_error(res, 403, "forbidden", refused->message, refused->field);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (ctx.config.token.empty() || !is_api_path(req.path))
      return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    if (same_secret(auth, "Bearer " + ctx.config.token))
      return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer realm=\"sweep\"");
    send_error(res, 401, "unauthorized",
               auth.empty() ? "Authorization: a bearer token is required"
                            : "Authorization: the bearer token is wrong",
               "Authorization");
    return httplib::Server::HandlerResponse::Handled;
  });

  // Errors the router produced without a body (no route, body over the limit) get the same
  // JSON error body as the routes' own.
  server_.set_error_handler(httplib::Server::HandlerWithResponse([&ctx](const httplib::Request& req,
                                                                        httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message;
    if (res.status == 404)
      message = "no route " + req.method + " " + req.path;
    else if (res.status == 400 && req.method == "POST" && !req.has_header("Content-Length") &&
             !req.has_header("Transfer-Encoding"))
      message = kContentLengthRequired;
    else if (res.status == 413)
      message = "body: over the limit of " + std::to_string(ctx.config.max_body_bytes) + " bytes";
    else
      message = "HTTP " + std::to_string(res.status);
    send_error(res, res.status, code_for_http(res.status), message);
    return httplib::Server::HandlerResponse::Handled;
  }));

  server_.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("{} {}: {}", req.method, req.path, what);
        send_error(res, 500, "internal", "internal error: " + what);
      });

  add_job_routes(server_, ctx);
  add_catalog_routes(server_, ctx);
  add_metrics_route(server_, ctx);

  // Chart.js from the Debian package, read once; the dashboard's own files straight from disk.
  auto chartjs = std::make_shared<std::string>(read_file(ctx.config.chartjs));
  server_.Get("/vendor/chart.min.js", [chartjs](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "max-age=3600");
    res.set_content(*chartjs, "text/javascript");
  });
  server_.set_mount_point("/", ctx.config.web_dir, {{"Cache-Control", "no-cache"}});
  server_.set_file_extension_and_mimetype_mapping("js", "text/javascript");
}

Result<int> Gateway::bind() {
  const int port =
      ctx_->config.port == 0
          ? server_.bind_to_any_port(ctx_->config.host)
          : (server_.bind_to_port(ctx_->config.host, ctx_->config.port) ? ctx_->config.port : -1);
  if (port <= 0)
    return Status::Unavailable("--listen: cannot listen on " + ctx_->config.host + ":" +
                               std::to_string(ctx_->config.port));
  return port;
}

void Gateway::run() {
  server_.listen_after_bind();
}

}  // namespace sweep::gateway
