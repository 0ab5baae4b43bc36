// /api/backtests and /api/optimizations: submit, status, cancel, the record, its trials, lists.
#include <chrono>
#include <optional>
#include <string>

#include "gateway.hpp"
#include "http_util.hpp"
#include "sweep/base/limits.hpp"
#include "sweep/client_json.hpp"
#include "sweep/jobs/job_state.hpp"

namespace sweep::gateway {

namespace {

using httplib::Request;
using httplib::Response;
using nlohmann::json;

const char* collection(JobKind kind) {
  return kind == JobKind::kBacktest ? "backtests" : "optimizations";
}

// Sends the error of a failed broker request; the field is the broker's (a spec path).
void send_broker_error(Response& res, const Status& s, client::Client& c) {
  if (s.code() == Code::kUnavailable) {
    send_error(res, 503, "unavailable", "broker unavailable: " + s.message());
    return;
  }
  send_status(res, s, c.last_error_field());
}

void send_wrong_kind(Response& res, JobKind wanted, const std::string& id, JobKind actual) {
  send_error(res, 404, "not_found",
             std::string("no ") + std::string(job_kind_name(wanted)) + " '" + id + "' (it is " +
                 (actual == JobKind::kBacktest ? "a backtest" : "an optimization") + ": see /api/" +
                 collection(actual) + "/" + id + ")",
             "id");
}

// The job's status when it exists and is of `kind`; otherwise the error is sent.
std::optional<protocol::StatusReply> status_of(Context& ctx, Response& res, JobKind kind,
                                               const std::string& id) {
  auto c = ctx.pool.acquire();
  Result<protocol::StatusReply> s = c->status(id);
  if (!s.ok()) {
    send_broker_error(res, s.status(), *c);
    return std::nullopt;
  }
  if (s->kind != kind) {
    send_wrong_kind(res, kind, id, s->kind);
    return std::nullopt;
  }
  return *s;
}

void submit(Context& ctx, JobKind kind, const Request& req, Response& res) {
  std::optional<json> spec = read_json_object(req, res, kMaxSpecBytes);
  if (!spec) return;
  const std::string key = req.get_header_value("Idempotency-Key");
  if (key.size() > kMaxIdLength) {
    send_error(res, 400, "bad_request",
               "Idempotency-Key: longer than " + std::to_string(kMaxIdLength) + " bytes",
               "Idempotency-Key");
    return;
  }
  // The broker answers a submit once its dataset is stored: seconds for millions of bars. While
  // the broker still answers other requests (health), the submit is pending there, and the
  // gateway asks again, up to --submit-timeout-ms, every time with one idempotency key (its own
  // when the client gave none), which the broker joins to the same pending job: the job is
  // created once. A broker that answers nothing at all is down: 503 at once.
  const std::string idempotency_key = key.empty() ? client::random_key() : key;
  const auto deadline = std::chrono::steady_clock::now() + ctx.config.submit_timeout;
  auto c = ctx.pool.acquire();
  Result<protocol::AcceptedReply> a = c->submit(kind, *spec, idempotency_key);
  while (!a.ok() && !c->answered() && std::chrono::steady_clock::now() < deadline &&
         c->health().ok())
    a = c->submit(kind, *spec, idempotency_key);
  if (!a.ok()) {
    // A spec naming an unknown strategy or dataset is a bad spec: 400, the code says which.
    if (a.status().code() == Code::kNotFound) {
      send_error(res, 400, "not_found", a.status().message(), c->last_error_field());
      return;
    }
    send_broker_error(res, a.status(), *c);
    return;
  }
  res.set_header("Location", std::string("/api/") + collection(kind) + "/" + a->id);
  send_json(res, 202, client::json_of(*a));
}

void cancel(Context& ctx, JobKind kind, const std::string& id, Response& res) {
  if (!status_of(ctx, res, kind, id)) return;
  auto c = ctx.pool.acquire();
  Result<protocol::StatusReply> s = c->cancel(id);
  if (!s.ok()) {
    send_broker_error(res, s.status(), *c);
    return;
  }
  send_json(res, 202, client::json_of(*s));
}

void record(Context& ctx, JobKind kind, const std::string& id, Response& res) {
  auto c = ctx.pool.acquire();
  Result<protocol::JobRecord> j = c->get(id);
  if (!j.ok()) return send_broker_error(res, j.status(), *c);
  if (j->kind != kind) return send_wrong_kind(res, kind, id, j->kind);
  send_json(res, 200, client::json_of(*j));
}

void trials(Context& ctx, JobKind kind, const std::string& id, const Request& req, Response& res) {
  client::TrialsQuery q;
  if (req.has_param("sort")) q.sort = req.get_param_value("sort");
  if (q.sort.empty() || q.sort.size() > 64)
    return send_error(res, 400, "bad_request", "sort: 'index' or a metric name", "sort");
  if (req.has_param("order")) {
    const std::string o = req.get_param_value("order");
    if (o == "asc")
      q.order = protocol::SortOrder::kAsc;
    else if (o == "desc")
      q.order = protocol::SortOrder::kDesc;
    else
      return send_error(res, 400, "bad_request", "order: '" + o + "' is not 'asc' or 'desc'",
                        "order");
  }
  auto limit = query_uint(req, res, "limit", kDefaultPageLimit, 1, kMaxPageLimit);
  if (!limit) return;
  auto offset = query_uint(req, res, "offset", 0, 0, uint64_t{1} << 53);
  if (!offset) return;
  q.limit = *limit;
  q.offset = *offset;
  if (!status_of(ctx, res, kind, id)) return;
  auto c = ctx.pool.acquire();
  Result<protocol::TrialsPage> p = c->trials(id, q);
  if (!p.ok()) {
    // The broker names its own field ("trials.sort"); the HTTP parameter is "sort".
    if (p.status().code() == Code::kBadRequest && c->last_error_field() == "trials.sort")
      return send_error(res, 400, "bad_request", p.status().message(), "sort");
    return send_broker_error(res, p.status(), *c);
  }
  json body = client::json_of(*p);
  body["limit"] = q.limit;
  send_json(res, 200, body);
}

void list(Context& ctx, std::optional<JobKind> kind, const Request& req, Response& res) {
  client::ListQuery q;
  q.kind = kind;
  if (req.has_param("kind")) {
    const std::string k = req.get_param_value("kind");
    q.kind = job_kind_from_name(k);
    if (!q.kind || (kind && *q.kind != *kind))
      return send_error(res, 400, "bad_request",
                        "kind: '" + k + "' is not 'backtest' or 'optimization'", "kind");
  }
  if (req.has_param("status")) {
    const std::string s = req.get_param_value("status");
    q.status = job_state_from_name(s);
    if (!q.status)
      return send_error(res, 400, "bad_request",
                        "status: '" + s +
                            "' is not a job state (queued, running, cancelling, completed, "
                            "failed, cancelled)",
                        "status");
  }
  auto limit = query_uint(req, res, "limit", kDefaultPageLimit, 1, kMaxPageLimit);
  if (!limit) return;
  auto offset = query_uint(req, res, "offset", 0, 0, uint64_t{1} << 53);
  if (!offset) return;
  q.limit = *limit;
  q.offset = *offset;
  auto c = ctx.pool.acquire();
  Result<protocol::JobsPage> p = c->list(q);
  if (!p.ok()) return send_broker_error(res, p.status(), *c);
  json body = client::json_of(*p);
  body["limit"] = q.limit;
  send_json(res, 200, body);
}

}  // namespace

void add_job_routes(httplib::Server& server, Context& ctx) {
  server.Get("/api/jobs",
             [&ctx](const Request& req, Response& res) { list(ctx, std::nullopt, req, res); });
  for (JobKind kind : {JobKind::kBacktest, JobKind::kOptimization}) {
    const std::string base = std::string("/api/") + collection(kind);
    const std::string one = base + R"(/([^/]+))";
    post_bounded(server, base, ctx.config.max_body_bytes,
                 [&ctx, kind](const Request& req, Response& res) { submit(ctx, kind, req, res); });
    server.Get(base,
               [&ctx, kind](const Request& req, Response& res) { list(ctx, kind, req, res); });
    server.Get(one + "/status", [&ctx, kind](const Request& req, Response& res) {
      if (auto s = status_of(ctx, res, kind, req.matches[1]))
        send_json(res, 200, client::json_of(*s));
    });
    post_bounded(server, one + "/cancel", ctx.config.max_body_bytes,
                 [&ctx, kind](const Request& req, Response& res) {
                   cancel(ctx, kind, req.matches[1], res);
                 });
    server.Get(one + "/trials", [&ctx, kind](const Request& req, Response& res) {
      trials(ctx, kind, req.matches[1], req, res);
    });
    server.Get(one, [&ctx, kind](const Request& req, Response& res) {
      record(ctx, kind, req.matches[1], res);
    });
  }
}

}  // namespace sweep::gateway
