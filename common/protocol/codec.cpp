// Codec of the Sweep wire protocol, version 1. The contract is docs/PROTOCOL.md; this grammar is
// its summary. Every frame is one msgpack map; `v` and `type` are in every map, `req` in every
// frontend message. Field names, once used, are never reused with another meaning; unknown keys
// are ignored. "?" marks a field that may be nil or absent. u = unsigned int, i = int,
// f = float 64 (readers accept any number), s = string, ts = int ms since the Unix epoch.
//
//   frontend request = submit_backtest | submit_optimization | status | cancel | get | trials
//                    | list | health
//     submit_*      {req s, spec map, idempotency_key? s}
//     status | cancel | get  {req s, id s}
//     trials        {req s, id s, sort? s ("index" | metric), order? s ("asc"|"desc"),
//                    limit? u, offset? u}
//     list          {req s, kind? s, status? s, limit? u, offset? u}
//     health        {req s}
//   frontend reply = accepted | status | job | trials_page | jobs_page | health | error
//     accepted      {req s, id s, total u, status s}
//     status        {req s, id s, kind s, status s, total u, completed u, failed u, progress f,
//                    running u, queued u, elapsed_s f, eta_s? f, best? trial, result? any}
//     job           {req s, job {id s, kind s, status s, spec map, total u, completed u, failed u,
//                    created_at? ts, started_at? ts, finished_at? ts, error_message? s,
//                    best? trial, result? any}}
//     trials_page   {req s, id s, total u, offset u, trials [trial]}
//     jobs_page     {req s, total u, offset u, jobs [{id s, kind s, status s, total u,
//                    completed u, failed u, created_at? ts, finished_at? ts}]}
//     health        {req s, version s, endpoints {frontend s, backend s, events s, telemetry s},
//                    workers [{id s, pid i, host s, slots u, busy u}], queue u, jobs u}
//     error         {req s, code s, message s, field? s}
//     trial         {index u, attempt u, status s, params map, metrics map, trades u,
//                    error_message? s, error_stack_trace? s, worker? s, started_at? ts,
//                    finished_at? ts}
//   worker -> broker = hello | heartbeat | credit | result | results | dataset_request | bye
//                    | crashed
//     hello         {worker s, pid i, host s, slots u, version s, strategies [s]}
//     heartbeat     {}
//     credit        {credit u}
//     result        {job s, index u, attempt u, status s, metrics map, trades u, equity [f],
//                    error_message? s, error_stack_trace? s, started_at ts, finished_at ts, bars u,
//                    duration_us? u, trade_list? [map]}
//     results       {results [result without v and type], credit? u}
//     dataset_request {hash s}
//     bye           {reason? s}
//     crashed       {signal u, signal_name s, description s, trial? {job s, index u, attempt u}}
//   broker -> worker = welcome | heartbeat | batch | dataset | crash_ack
//     welcome       {events s, telemetry s, heartbeat_ms u, heartbeat_liveness u}
//     batch         {job s, dataset {hash s, source map}, strategy s, cash f, commission f,
//                    trial_timeout_s f, trials [{index u, attempt u, params map}],
//                    objective? {metric s, goal s}, top_k? u, trades? bool}
//     dataset       {hash s, csv s}
//     crash_ack     {}
//   events (topic job.<id>)    = progress | trial_event | state
//     progress      {job s, status s, total u, completed u, failed u, running u, queued u,
//                    progress f, elapsed_s f, eta_s? f}
//     trial_event   {job s, trial trial}
//     state         {job s, status s, error_message? s}
//   events (topic cancel.<id>) = cancel {job s}
//   telemetry (topic tick)     = tick {job s, trial u, attempt u, bars_done u, bars_total u}
#include <array>
#include <cmath>
#include <functional>

#include "fast_path.hpp"
#include "msgpack_io.hpp"
#include "reader.hpp"
#include "sweep/jobs/result_json.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::protocol {
namespace {

using detail::Reader;
using nlohmann::json;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// ---- encoding helpers ----

json envelope(std::string_view type) {
  json j = json::object();
  j["v"] = kProtocolVersion;
  j["type"] = type;
  return j;
}
json str_or_nil(const std::string& s) {
  return s.empty() ? json() : json(s);
}
json opt(const std::optional<int64_t>& v) {
  return v ? json(*v) : json();
}
json opt(const std::optional<double>& v) {
  return v ? json(*v) : json();
}
json metrics_json(const Metrics& m) {
  json j = json::object();
  for (int i = 0; i < kMetricCount; ++i) {
    const double v = m.values[i];
    j[std::string(metric_name(static_cast<Metric>(i)))] = std::isnan(v) ? json() : json(v);
  }
  return j;
}
json params_json(const ParamSet& p) {
  json j = json::object();
  for (const auto& [k, v] : p.items()) j[k] = to_json(v);
  return j;
}
std::string write(const json& j) {
  std::string out;
  detail::write_msgpack(j, out);
  return out;
}

json trial_json(const TrialRecord& t) {
  return {{"index", t.index},
          {"attempt", t.attempt},
          {"status", trial_state_name(t.status)},
          {"params", params_json(t.params)},
          {"metrics", metrics_json(t.metrics)},
          {"trades", t.trades},
          {"error_message", str_or_nil(t.error_message)},
          {"error_stack_trace", str_or_nil(t.error_stack_trace)},
          {"worker", str_or_nil(t.worker)},
          {"started_at", opt(t.started_at)},
          {"finished_at", opt(t.finished_at)}};
}
json opt_trial(const std::optional<TrialRecord>& t) {
  return t ? trial_json(*t) : json();
}

// ---- decoding helpers ----

template <class E>
void read_enum(Reader& r, std::string_view key, E& out, std::optional<E> (*from)(std::string_view),
               std::string_view what, bool required = true) {
  std::string s;
  r.str(key, s, required, 64);
  if (!r.ok() || (s.empty() && !required)) return;
  auto e = from(s);
  if (!e) return r.fail(key, "unknown " + std::string(what) + " '" + s + "'");
  out = *e;
}
template <class E>
void read_opt_enum(Reader& r, std::string_view key, std::optional<E>& out,
                   std::optional<E> (*from)(std::string_view), std::string_view what) {
  out.reset();
  std::string s;
  r.str(key, s, false, 64);
  if (!r.ok() || s.empty()) return;
  auto e = from(s);
  if (!e) return r.fail(key, "unknown " + std::string(what) + " '" + s + "'");
  out = *e;
}

Status read_trial(const json& m, const std::string& path, TrialRecord& t) {
  Reader r(m, path);
  r.u64("index", t.index);
  r.u32("attempt", t.attempt);
  read_enum(r, "status", t.status, trial_state_from_name, "trial state");
  r.params("params", t.params);
  r.metrics("metrics", t.metrics);
  r.u64("trades", t.trades);
  r.str("error_message", t.error_message, false);
  r.str("error_stack_trace", t.error_stack_trace, false);
  r.str("worker", t.worker, false, kMaxIdLength);
  r.opt_i64("started_at", t.started_at);
  r.opt_i64("finished_at", t.finished_at);
  return r.status();
}
Status read_opt_trial(Reader& r, std::string_view key, std::optional<TrialRecord>& out) {
  out.reset();
  const json* m = r.map(key, false);
  if (!r.ok() || !m) return r.status();
  TrialRecord t;
  if (Status s = read_trial(*m, r.path(key), t); !s.ok()) {
    r.fail_with(s);
    return s;
  }
  out = std::move(t);
  return Status::Ok();
}
// Copies the value at key: nil/absent -> null, else a map (results are maps).
void read_result(Reader& r, std::string_view key, json& out) {
  out = json();
  if (const json* m = r.map(key, false)) out = *m;
}

// ---- envelope and dispatch ----

template <class V>
using Decoder = std::function<Result<V>(Reader&, const std::string& type)>;
template <class V>
struct Entry {
  std::string_view type;
  Decoder<V> decode;
};

template <class V, size_t N>
Result<V> decode_with(std::string_view bytes, size_t max_bytes,
                      const std::array<Entry<V>, N>& table) {
  auto parsed = detail::read_msgpack(bytes, max_bytes);
  if (!parsed.ok()) return parsed.status();
  const json& j = *parsed;
  if (!j.is_object()) return Status::BadRequest("frame is not a msgpack map");
  auto v = j.find("v");
  if (v == j.end() || v->is_null()) return Status::BadRequest("v: required field missing");
  if (!v->is_number_integer()) return Status::BadRequest("v: expected an unsigned integer");
  if (!v->is_number_unsigned() || v->get<uint64_t>() != kProtocolVersion)
    return Status(Code::kUnsupportedVersion, "v: protocol version " + v->dump() +
                                                 " is not supported (this peer speaks " +
                                                 std::to_string(kProtocolVersion) + ")");
  auto t = j.find("type");
  if (t == j.end() || t->is_null()) return Status::BadRequest("type: required field missing");
  if (!t->is_string()) return Status::BadRequest("type: expected a string");
  const auto& type = t->get_ref<const std::string&>();
  for (const auto& e : table) {
    if (e.type != type) continue;
    Reader r(j, type);
    return e.decode(r, type);
  }
  std::string shown = type.size() > 64 ? type.substr(0, 64) + "..." : type;
  return Status::BadRequest("unknown message type '" + shown + "'");
}

// Wraps a decoder body that fills `m` from `r`: returns m, or the first error.
template <class V, class M, class F>
Entry<V> entry(std::string_view type, F fill) {
  return {type, [fill](Reader& r, const std::string& t) -> Result<V> {
            M m;
            Status s = fill(r, m, t);
            if (!r.ok()) return r.status();
            if (!s.ok()) return s;
            return V(std::move(m));
          }};
}

void read_req(Reader& r, std::string& req) {
  r.str("req", req, true, kMaxIdLength);
}
void read_id(Reader& r, std::string_view key, std::string& id) {
  r.str(key, id, true, kMaxIdLength);
}

// ---- frontend requests ----

std::string encode_req(const FrontendRequest& m) {
  return write(std::visit(Overloaded{
                              [](const SubmitRequest& x) {
                                json j =
                                    envelope(x.kind == JobKind::kBacktest ? "submit_backtest"
                                                                          : "submit_optimization");
                                j["req"] = x.req;
                                j["spec"] = x.spec;
                                j["idempotency_key"] = str_or_nil(x.idempotency_key);
                                return j;
                              },
                              [](const StatusRequest& x) {
                                json j = envelope("status");
                                j["req"] = x.req;
                                j["id"] = x.id;
                                return j;
                              },
                              [](const CancelRequest& x) {
                                json j = envelope("cancel");
                                j["req"] = x.req;
                                j["id"] = x.id;
                                return j;
                              },
                              [](const GetRequest& x) {
                                json j = envelope("get");
                                j["req"] = x.req;
                                j["id"] = x.id;
                                return j;
                              },
                              [](const TrialsRequest& x) {
                                json j = envelope("trials");
                                j["req"] = x.req;
                                j["id"] = x.id;
                                j["sort"] = x.sort;
                                j["order"] = x.order == SortOrder::kAsc ? "asc" : "desc";
                                j["limit"] = x.limit;
                                j["offset"] = x.offset;
                                return j;
                              },
                              [](const ListRequest& x) {
                                json j = envelope("list");
                                j["req"] = x.req;
                                j["kind"] = x.kind ? json(job_kind_name(*x.kind)) : json();
                                j["status"] = x.status ? json(job_state_name(*x.status)) : json();
                                j["limit"] = x.limit;
                                j["offset"] = x.offset;
                                return j;
                              },
                              [](const HealthRequest& x) {
                                json j = envelope("health");
                                j["req"] = x.req;
                                return j;
                              },
                          },
                          m));
}

Status read_page(Reader& r, uint64_t& limit, uint64_t& offset) {
  limit = kDefaultPageLimit;
  offset = 0;
  r.u64("limit", limit, false);
  r.u64("offset", offset, false);
  if (r.ok() && (limit == 0 || limit > kMaxPageLimit))
    r.fail("limit", "must be between 1 and " + std::to_string(kMaxPageLimit));
  return r.status();
}

template <class M>
Status read_id_request(Reader& r, M& m, const std::string&) {
  read_req(r, m.req);
  read_id(r, "id", m.id);
  return r.status();
}

using FR = FrontendRequest;
const std::array<Entry<FR>, 8> kFrontendRequests = {
    entry<FR, SubmitRequest>("submit_backtest",
                             [](Reader& r, SubmitRequest& m, const std::string& t) {
                               m.kind = t == "submit_backtest" ? JobKind::kBacktest
                                                               : JobKind::kOptimization;
                               read_req(r, m.req);
                               if (const json* s = r.map("spec")) m.spec = *s;
                               r.str("idempotency_key", m.idempotency_key, false, kMaxIdLength);
                               return r.status();
                             }),
    entry<FR, SubmitRequest>("submit_optimization",
                             [](Reader& r, SubmitRequest& m, const std::string& t) {
                               m.kind = t == "submit_backtest" ? JobKind::kBacktest
                                                               : JobKind::kOptimization;
                               read_req(r, m.req);
                               if (const json* s = r.map("spec")) m.spec = *s;
                               r.str("idempotency_key", m.idempotency_key, false, kMaxIdLength);
                               return r.status();
                             }),
    entry<FR, StatusRequest>("status", read_id_request<StatusRequest>),
    entry<FR, CancelRequest>("cancel", read_id_request<CancelRequest>),
    entry<FR, GetRequest>("get", read_id_request<GetRequest>),
    entry<FR, TrialsRequest>("trials",
                             [](Reader& r, TrialsRequest& m, const std::string&) {
                               read_req(r, m.req);
                               read_id(r, "id", m.id);
                               m.sort = "index";
                               r.str("sort", m.sort, false, 64);
                               if (m.sort.empty()) m.sort = "index";
                               if (r.ok() && m.sort != "index" && !metric_from_name(m.sort))
                                 r.fail("sort", "unknown sort key '" + m.sort +
                                                    "' (expected index or a metric name)");
                               std::string order;
                               r.str("order", order, false, 8);
                               if (!r.ok()) return r.status();
                               if (order.empty()) {
                                 m.order = m.sort == "index" ? SortOrder::kAsc : SortOrder::kDesc;
                               } else if (order == "asc" || order == "desc") {
                                 m.order = order == "asc" ? SortOrder::kAsc : SortOrder::kDesc;
                               } else {
                                 r.fail("order", "expected 'asc' or 'desc'");
                               }
                               return read_page(r, m.limit, m.offset);
                             }),
    entry<FR, ListRequest>("list",
                           [](Reader& r, ListRequest& m, const std::string&) {
                             read_req(r, m.req);
                             read_opt_enum(r, "kind", m.kind, job_kind_from_name, "job kind");
                             read_opt_enum(r, "status", m.status, job_state_from_name, "job state");
                             return read_page(r, m.limit, m.offset);
                           }),
    entry<FR, HealthRequest>("health",
                             [](Reader& r, HealthRequest& m, const std::string&) {
                               read_req(r, m.req);
                               return r.status();
                             }),
};

// ---- frontend replies ----

json status_reply_json(const StatusReply& x) {
  json j = envelope("status");
  j["req"] = x.req;
  j["id"] = x.id;
  j["kind"] = job_kind_name(x.kind);
  j["status"] = job_state_name(x.status);
  j["total"] = x.total;
  j["completed"] = x.completed;
  j["failed"] = x.failed;
  j["progress"] = x.progress;
  j["running"] = x.running;
  j["queued"] = x.queued;
  j["elapsed_s"] = x.elapsed_s;
  j["eta_s"] = opt(x.eta_s);
  j["best"] = opt_trial(x.best);
  j["result"] = x.result;
  return j;
}

json job_record_json(const JobRecord& x) {
  return {{"id", x.id},
          {"kind", job_kind_name(x.kind)},
          {"status", job_state_name(x.status)},
          {"spec", x.spec},
          {"total", x.total},
          {"completed", x.completed},
          {"failed", x.failed},
          {"created_at", opt(x.created_at)},
          {"started_at", opt(x.started_at)},
          {"finished_at", opt(x.finished_at)},
          {"error_message", str_or_nil(x.error_message)},
          {"best", opt_trial(x.best)},
          {"result", x.result}};
}

std::string encode_reply(const FrontendReply& m) {
  return write(std::visit(Overloaded{
                              [](const AcceptedReply& x) {
                                json j = envelope("accepted");
                                j["req"] = x.req;
                                j["id"] = x.id;
                                j["total"] = x.total;
                                j["status"] = job_state_name(x.status);
                                return j;
                              },
                              [](const StatusReply& x) { return status_reply_json(x); },
                              [](const JobReply& x) {
                                json j = envelope("job");
                                j["req"] = x.req;
                                j["job"] = job_record_json(x.job);
                                return j;
                              },
                              [](const TrialsPage& x) {
                                json j = envelope("trials_page");
                                j["req"] = x.req;
                                j["id"] = x.id;
                                j["total"] = x.total;
                                j["offset"] = x.offset;
                                j["trials"] = json::array();
                                for (const auto& t : x.trials) j["trials"].push_back(trial_json(t));
                                return j;
                              },
                              [](const JobsPage& x) {
                                json j = envelope("jobs_page");
                                j["req"] = x.req;
                                j["total"] = x.total;
                                j["offset"] = x.offset;
                                j["jobs"] = json::array();
                                for (const auto& s : x.jobs)
                                  j["jobs"].push_back({{"id", s.id},
                                                       {"kind", job_kind_name(s.kind)},
                                                       {"status", job_state_name(s.status)},
                                                       {"total", s.total},
                                                       {"completed", s.completed},
                                                       {"failed", s.failed},
                                                       {"created_at", opt(s.created_at)},
                                                       {"finished_at", opt(s.finished_at)}});
                                return j;
                              },
                              [](const HealthReply& x) {
                                json j = envelope("health");
                                j["req"] = x.req;
                                j["version"] = x.version;
                                j["endpoints"] = {{"frontend", x.endpoints.frontend},
                                                  {"backend", x.endpoints.backend},
                                                  {"events", x.endpoints.events},
                                                  {"telemetry", x.endpoints.telemetry}};
                                j["workers"] = json::array();
                                for (const auto& w : x.workers)
                                  j["workers"].push_back({{"id", w.id},
                                                          {"pid", w.pid},
                                                          {"host", w.host},
                                                          {"slots", w.slots},
                                                          {"busy", w.busy}});
                                j["queue"] = x.queue;
                                j["jobs"] = x.jobs;
                                return j;
                              },
                              [](const ErrorReply& x) {
                                json j = envelope("error");
                                j["req"] = x.req;
                                j["code"] = code_name(x.code);
                                j["message"] = x.message;
                                j["field"] = str_or_nil(x.field);
                                return j;
                              },
                          },
                          m));
}

// Reads the elements of array `key` as maps with `read_one(map, path, out)`.
template <class T, class F>
void read_list(Reader& r, std::string_view key, std::vector<T>& out, F read_one,
               size_t max = SIZE_MAX) {
  out.clear();
  const json* a = r.array(key);
  if (!a) return;
  if (a->size() > max)
    return r.fail(key, "more than " + std::to_string(max) + " elements", Code::kTooLarge);
  for (size_t i = 0; i < a->size(); ++i) {
    const std::string path = r.path(key) + "[" + std::to_string(i) + "]";
    if (!(*a)[i].is_object()) {
      r.fail(std::string(key) + "[" + std::to_string(i) + "]", "expected a map");
      return;
    }
    T t;
    if (Status s = read_one((*a)[i], path, t); !s.ok()) {
      return r.fail_with(s);
    }
    out.push_back(std::move(t));
  }
}

template <class T>
void read_kind_state(Reader& r, T& m) {
  read_enum(r, "kind", m.kind, job_kind_from_name, "job kind");
  read_enum(r, "status", m.status, job_state_from_name, "job state");
}

Status read_job_summary(const json& map, const std::string& path, JobSummary& s) {
  Reader r(map, path);
  read_id(r, "id", s.id);
  read_kind_state(r, s);
  r.u64("total", s.total);
  r.u64("completed", s.completed);
  r.u64("failed", s.failed);
  r.opt_i64("created_at", s.created_at);
  r.opt_i64("finished_at", s.finished_at);
  return r.status();
}

Status read_job_record(const json& map, const std::string& path, JobRecord& x) {
  Reader r(map, path);
  read_id(r, "id", x.id);
  read_kind_state(r, x);
  if (const json* s = r.map("spec")) x.spec = *s;
  r.u64("total", x.total);
  r.u64("completed", x.completed);
  r.u64("failed", x.failed);
  r.opt_i64("created_at", x.created_at);
  r.opt_i64("started_at", x.started_at);
  r.opt_i64("finished_at", x.finished_at);
  r.str("error_message", x.error_message, false);
  (void)read_opt_trial(r, "best", x.best);
  read_result(r, "result", x.result);
  return r.status();
}

Status read_worker_info(const json& map, const std::string& path, WorkerInfo& w) {
  Reader r(map, path);
  read_id(r, "id", w.id);
  r.i64("pid", w.pid);
  r.str("host", w.host);
  r.u32("slots", w.slots);
  r.u32("busy", w.busy);
  return r.status();
}

std::optional<Code> code_from_name(std::string_view name) {
  for (int c = static_cast<int>(Code::kOk); c <= static_cast<int>(Code::kInternal); ++c)
    if (code_name(static_cast<Code>(c)) == name) return static_cast<Code>(c);
  return std::nullopt;
}

using FP = FrontendReply;
const std::array<Entry<FP>, 7> kFrontendReplies = {
    entry<FP, AcceptedReply>("accepted",
                             [](Reader& r, AcceptedReply& m, const std::string&) {
                               read_req(r, m.req);
                               read_id(r, "id", m.id);
                               r.u64("total", m.total);
                               read_enum(r, "status", m.status, job_state_from_name, "job state");
                               return r.status();
                             }),
    entry<FP, StatusReply>("status",
                           [](Reader& r, StatusReply& m, const std::string&) {
                             read_req(r, m.req);
                             read_id(r, "id", m.id);
                             read_kind_state(r, m);
                             r.u64("total", m.total);
                             r.u64("completed", m.completed);
                             r.u64("failed", m.failed);
                             r.f64("progress", m.progress);
                             r.u64("running", m.running);
                             r.u64("queued", m.queued);
                             r.f64("elapsed_s", m.elapsed_s);
                             r.opt_f64("eta_s", m.eta_s);
                             (void)read_opt_trial(r, "best", m.best);
                             read_result(r, "result", m.result);
                             return r.status();
                           }),
    entry<FP, JobReply>("job",
                        [](Reader& r, JobReply& m, const std::string&) {
                          read_req(r, m.req);
                          if (const json* j = r.map("job"))
                            r.fail_with(read_job_record(*j, r.path("job"), m.job));
                          return r.status();
                        }),
    entry<FP, TrialsPage>("trials_page",
                          [](Reader& r, TrialsPage& m, const std::string&) {
                            read_req(r, m.req);
                            read_id(r, "id", m.id);
                            r.u64("total", m.total);
                            r.u64("offset", m.offset);
                            read_list(r, "trials", m.trials, read_trial);
                            return r.status();
                          }),
    entry<FP, JobsPage>("jobs_page",
                        [](Reader& r, JobsPage& m, const std::string&) {
                          read_req(r, m.req);
                          r.u64("total", m.total);
                          r.u64("offset", m.offset);
                          read_list(r, "jobs", m.jobs, read_job_summary);
                          return r.status();
                        }),
    entry<FP, HealthReply>("health",
                           [](Reader& r, HealthReply& m, const std::string&) {
                             read_req(r, m.req);
                             r.str("version", m.version);
                             if (const json* e = r.map("endpoints")) {
                               Reader er(*e, r.path("endpoints"));
                               er.str("frontend", m.endpoints.frontend);
                               er.str("backend", m.endpoints.backend);
                               er.str("events", m.endpoints.events);
                               er.str("telemetry", m.endpoints.telemetry);
                               r.fail_with(er.status());
                             }
                             read_list(r, "workers", m.workers, read_worker_info);
                             r.u64("queue", m.queue);
                             r.u64("jobs", m.jobs);
                             return r.status();
                           }),
    entry<FP, ErrorReply>("error",
                          [](Reader& r, ErrorReply& m, const std::string&) {
                            // `req` may be nil: the request it answers had none readable.
                            r.str("req", m.req, false, kMaxIdLength);
                            std::string code;
                            r.str("code", code, true, 64);
                            r.str("message", m.message);
                            r.str("field", m.field, false);
                            if (!r.ok()) return r.status();
                            // A code this peer does not know (a newer broker): internal.
                            m.code = code_from_name(code).value_or(Code::kInternal);
                            return r.status();
                          }),
};

// ---- backend ----

json result_json(const TrialResult& x) {
  json j = json::object();
  j["job"] = x.job;
  j["index"] = x.index;
  j["attempt"] = x.attempt;
  j["status"] = trial_state_name(x.status);
  j["metrics"] = metrics_json(x.metrics);
  j["trades"] = x.trades;
  json& eq = j["equity"] = json::array();
  for (double d : x.equity) eq.push_back(std::isfinite(d) ? json(d) : json());
  j["error_message"] = str_or_nil(x.error_message);
  j["error_stack_trace"] = str_or_nil(x.error_stack_trace);
  j["started_at"] = x.started_at;
  j["finished_at"] = x.finished_at;
  j["bars"] = x.bars;
  j["duration_us"] = x.duration_us;
  j["trade_list"] = x.trade_list;
  return j;
}

Status read_result_fields(const json& map, const std::string& path, TrialResult& m) {
  Reader r(map, path);
  read_id(r, "job", m.job);
  r.u64("index", m.index);
  r.u32("attempt", m.attempt);
  read_enum(r, "status", m.status, ended_trial_state_from_name, "trial status");
  r.metrics("metrics", m.metrics);
  r.u64("trades", m.trades);
  r.double_list("equity", m.equity);
  if (r.ok() && m.equity.size() > kMaxEquityPoints)
    r.fail("equity", "more than " + std::to_string(kMaxEquityPoints) + " points", Code::kTooLarge);
  r.str("error_message", m.error_message, false);
  r.str("error_stack_trace", m.error_stack_trace, false);
  r.i64("started_at", m.started_at);
  r.i64("finished_at", m.finished_at);
  r.u64("bars", m.bars);
  r.u64("duration_us", m.duration_us, false);
  m.trade_list = json();
  if (const json* t = r.array("trade_list", false)) {
    if (t->size() > kMaxTradeListLength)
      r.fail("trade_list", "more than " + std::to_string(kMaxTradeListLength) + " trades",
             Code::kTooLarge);
    else
      m.trade_list = *t;
  }
  return r.status();
}

std::string encode_worker(const WorkerMessage& m) {
  return write(std::visit(Overloaded{
                              [](const Hello& x) {
                                json j = envelope("hello");
                                j["worker"] = x.worker;
                                j["pid"] = x.pid;
                                j["host"] = x.host;
                                j["slots"] = x.slots;
                                j["version"] = x.version;
                                j["strategies"] = x.strategies;
                                return j;
                              },
                              [](const Heartbeat&) { return envelope("heartbeat"); },
                              [](const Credit& x) {
                                json j = envelope("credit");
                                j["credit"] = x.credit;
                                return j;
                              },
                              [](const TrialResult& x) {
                                json j = result_json(x);
                                j.update(envelope("result"));
                                return j;
                              },
                              [](const TrialResults& x) {
                                json j = envelope("results");
                                j["results"] = json::array();
                                for (const TrialResult& r : x.results)
                                  j["results"].push_back(result_json(r));
                                j["credit"] = x.credit;
                                return j;
                              },
                              [](const DatasetRequest& x) {
                                json j = envelope("dataset_request");
                                j["hash"] = x.hash;
                                return j;
                              },
                              [](const Bye& x) {
                                json j = envelope("bye");
                                j["reason"] = str_or_nil(x.reason);
                                return j;
                              },
                              [](const Crashed& x) {
                                json j = envelope("crashed");
                                j["signal"] = x.signal;
                                j["signal_name"] = x.signal_name;
                                j["description"] = x.description;
                                j["trial"] = x.trial ? json{{"job", x.trial->job},
                                                            {"index", x.trial->index},
                                                            {"attempt", x.trial->attempt}}
                                                     : json();
                                return j;
                              },
                          },
                          m));
}

using WM = WorkerMessage;
void read_crashed_trial(Reader& r, std::optional<TrialRef>& out) {
  out.reset();
  const json* t = r.map("trial", false);
  if (!t) return;
  Reader tr(*t, r.path("trial"));
  TrialRef ref;
  read_id(tr, "job", ref.job);
  tr.u64("index", ref.index);
  tr.u32("attempt", ref.attempt);
  r.fail_with(tr.status());
  if (r.ok()) out = std::move(ref);
}

const std::array<Entry<WM>, 8> kWorkerMessages = {
    entry<WM, Hello>("hello",
                     [](Reader& r, Hello& m, const std::string&) {
                       read_id(r, "worker", m.worker);
                       r.i64("pid", m.pid);
                       r.str("host", m.host, true, kMaxPathLength);
                       r.u32("slots", m.slots);
                       r.str("version", m.version, true, kMaxIdLength);
                       r.string_list("strategies", m.strategies);
                       return r.status();
                     }),
    entry<WM, Heartbeat>("heartbeat",
                         [](Reader& r, Heartbeat&, const std::string&) { return r.status(); }),
    entry<WM, Credit>("credit",
                      [](Reader& r, Credit& m, const std::string&) {
                        r.u32("credit", m.credit);
                        return r.status();
                      }),
    entry<WM, TrialResult>("result",
                           [](Reader& r, TrialResult& m, const std::string& type) {
                             r.fail_with(read_result_fields(r.whole(), type, m));
                             return r.status();
                           }),
    entry<WM, TrialResults>("results",
                            [](Reader& r, TrialResults& m, const std::string&) {
                              read_list(r, "results", m.results, read_result_fields,
                                        kMaxBatchTrials);
                              r.u32("credit", m.credit, false);
                              return r.status();
                            }),
    entry<WM, DatasetRequest>("dataset_request",
                              [](Reader& r, DatasetRequest& m, const std::string&) {
                                read_id(r, "hash", m.hash);
                                return r.status();
                              }),
    entry<WM, Bye>("bye",
                   [](Reader& r, Bye& m, const std::string&) {
                     r.str("reason", m.reason, false);
                     return r.status();
                   }),
    entry<WM, Crashed>("crashed",
                       [](Reader& r, Crashed& m, const std::string&) {
                         r.u32("signal", m.signal);
                         r.str("signal_name", m.signal_name, true, kMaxIdLength);
                         r.str("description", m.description, true, kMaxStringLength);
                         read_crashed_trial(r, m.trial);
                         return r.status();
                       }),
};

std::string encode_broker(const BrokerMessage& m) {
  return write(std::visit(
      Overloaded{
          [](const Welcome& x) {
            json j = envelope("welcome");
            j["events"] = x.events;
            j["telemetry"] = x.telemetry;
            j["heartbeat_ms"] = x.heartbeat_ms;
            j["heartbeat_liveness"] = x.heartbeat_liveness;
            return j;
          },
          [](const Heartbeat&) { return envelope("heartbeat"); },
          [](const TrialsBatch& x) {
            json j = envelope("batch");
            j["job"] = x.job;
            j["dataset"] = {{"hash", x.dataset.hash}, {"source", x.dataset.source}};
            j["strategy"] = x.strategy;
            j["cash"] = x.cash;
            j["commission"] = x.commission;
            j["trial_timeout_s"] = x.trial_timeout_s;
            j["trials"] = json::array();
            for (const auto& t : x.trials)
              j["trials"].push_back(
                  {{"index", t.index}, {"attempt", t.attempt}, {"params", params_json(t.params)}});
            j["objective"] = x.objective
                                 ? json{{"metric", metric_name(x.objective->metric)},
                                        {"goal", x.objective->maximize ? "maximize" : "minimize"}}
                                 : json();
            j["top_k"] = x.top_k;
            j["trades"] = x.trades;
            return j;
          },
          [](const Dataset& x) {
            json j = envelope("dataset");
            j["hash"] = x.hash;
            j["csv"] = x.csv;
            return j;
          },
          [](const CrashAck&) { return envelope("crash_ack"); },
      },
      m));
}

void read_objective(Reader& r, std::optional<Objective>& out) {
  out.reset();
  const json* o = r.map("objective", false);
  if (!o) return;
  Reader orr(*o, r.path("objective"));
  Objective obj;
  read_enum(orr, "metric", obj.metric, metric_from_name, "metric");
  std::string goal;
  orr.str("goal", goal, true, 16);
  if (orr.ok() && goal != "maximize" && goal != "minimize")
    orr.fail("goal", "expected 'maximize' or 'minimize'");
  obj.maximize = goal == "maximize";
  r.fail_with(orr.status());
  if (r.ok()) out = obj;
}

Status read_batch_trial(const json& map, const std::string& path, BatchTrial& t) {
  Reader r(map, path);
  r.u64("index", t.index);
  r.u32("attempt", t.attempt);
  r.params("params", t.params);
  return r.status();
}

using BM = BrokerMessage;
const std::array<Entry<BM>, 5> kBrokerMessages = {
    entry<BM, Welcome>("welcome",
                       [](Reader& r, Welcome& m, const std::string&) {
                         r.str("events", m.events, true, kMaxPathLength);
                         r.str("telemetry", m.telemetry, true, kMaxPathLength);
                         r.u32("heartbeat_ms", m.heartbeat_ms);
                         r.u32("heartbeat_liveness", m.heartbeat_liveness);
                         return r.status();
                       }),
    entry<BM, Heartbeat>("heartbeat",
                         [](Reader& r, Heartbeat&, const std::string&) { return r.status(); }),
    entry<BM, TrialsBatch>("batch",
                           [](Reader& r, TrialsBatch& m, const std::string&) {
                             read_id(r, "job", m.job);
                             if (const json* d = r.map("dataset")) {
                               Reader dr(*d, r.path("dataset"));
                               dr.str("hash", m.dataset.hash, true, kMaxIdLength);
                               if (const json* s = dr.map("source")) m.dataset.source = *s;
                               r.fail_with(dr.status());
                             }
                             r.str("strategy", m.strategy, true, kMaxStringLength);
                             r.f64("cash", m.cash);
                             r.f64("commission", m.commission);
                             r.f64("trial_timeout_s", m.trial_timeout_s);
                             read_list(r, "trials", m.trials, read_batch_trial, kMaxBatchTrials);
                             read_objective(r, m.objective);
                             r.u32("top_k", m.top_k, false);
                             r.boolean("trades", m.trades, false);
                             return r.status();
                           }),
    entry<BM, Dataset>("dataset",
                       [](Reader& r, Dataset& m, const std::string&) {
                         read_id(r, "hash", m.hash);
                         r.str("csv", m.csv);
                         return r.status();
                       }),
    entry<BM, CrashAck>("crash_ack",
                        [](Reader& r, CrashAck&, const std::string&) { return r.status(); }),
};

// ---- events and telemetry ----

std::string encode_event(const Event& m) {
  return write(std::visit(Overloaded{
                              [](const ProgressEvent& x) {
                                json j = envelope("progress");
                                j["job"] = x.job;
                                j["status"] = job_state_name(x.status);
                                j["total"] = x.total;
                                j["completed"] = x.completed;
                                j["failed"] = x.failed;
                                j["running"] = x.running;
                                j["queued"] = x.queued;
                                j["progress"] = x.progress;
                                j["elapsed_s"] = x.elapsed_s;
                                j["eta_s"] = opt(x.eta_s);
                                return j;
                              },
                              [](const TrialEvent& x) {
                                json j = envelope("trial_event");
                                j["job"] = x.job;
                                j["trial"] = trial_json(x.trial);
                                return j;
                              },
                              [](const StateEvent& x) {
                                json j = envelope("state");
                                j["job"] = x.job;
                                j["status"] = job_state_name(x.status);
                                j["error_message"] = str_or_nil(x.error_message);
                                return j;
                              },
                              [](const CancelEvent& x) {
                                json j = envelope("cancel");
                                j["job"] = x.job;
                                return j;
                              },
                          },
                          m));
}

using EV = Event;
const std::array<Entry<EV>, 4> kEvents = {
    entry<EV, ProgressEvent>("progress",
                             [](Reader& r, ProgressEvent& m, const std::string&) {
                               read_id(r, "job", m.job);
                               read_enum(r, "status", m.status, job_state_from_name, "job state");
                               r.u64("total", m.total);
                               r.u64("completed", m.completed);
                               r.u64("failed", m.failed);
                               r.u64("running", m.running);
                               r.u64("queued", m.queued);
                               r.f64("progress", m.progress);
                               r.f64("elapsed_s", m.elapsed_s);
                               r.opt_f64("eta_s", m.eta_s);
                               return r.status();
                             }),
    entry<EV, TrialEvent>("trial_event",
                          [](Reader& r, TrialEvent& m, const std::string&) {
                            read_id(r, "job", m.job);
                            if (const json* t = r.map("trial"))
                              r.fail_with(read_trial(*t, r.path("trial"), m.trial));
                            return r.status();
                          }),
    entry<EV, StateEvent>("state",
                          [](Reader& r, StateEvent& m, const std::string&) {
                            read_id(r, "job", m.job);
                            read_enum(r, "status", m.status, job_state_from_name, "job state");
                            r.str("error_message", m.error_message, false);
                            return r.status();
                          }),
    entry<EV, CancelEvent>("cancel",
                           [](Reader& r, CancelEvent& m, const std::string&) {
                             read_id(r, "job", m.job);
                             return r.status();
                           }),
};

const std::array<Entry<Tick>, 1> kTicks = {
    Entry<Tick>{"tick",
                [](Reader& r, const std::string&) -> Result<Tick> {
                  Tick m;
                  read_id(r, "job", m.job);
                  r.u64("trial", m.trial);
                  r.u32("attempt", m.attempt);
                  r.u64("bars_done", m.bars_done);
                  r.u64("bars_total", m.bars_total);
                  if (!r.ok()) return r.status();
                  return m;
                }},
};

}  // namespace

// ---- public API ----

std::string encode(const FrontendRequest& m) {
  return encode_req(m);
}
std::string encode(const FrontendReply& m) {
  return encode_reply(m);
}
std::string encode(const WorkerMessage& m) {
  if (const auto* r = std::get_if<TrialResults>(&m)) return detail::fast_encode(*r);
  return encode_worker(m);
}
std::string encode(const BrokerMessage& m) {
  if (const auto* b = std::get_if<TrialsBatch>(&m)) return detail::fast_encode(*b);
  return encode_broker(m);
}
std::string encode(const Event& m) {
  return encode_event(m);
}
std::string encode(const Tick& m) {
  json j = envelope("tick");
  j["job"] = m.job;
  j["trial"] = m.trial;
  j["attempt"] = m.attempt;
  j["bars_done"] = m.bars_done;
  j["bars_total"] = m.bars_total;
  return write(j);
}

Result<FrontendRequest> decode_frontend_request(std::string_view bytes, size_t max_bytes) {
  return decode_with(bytes, max_bytes, kFrontendRequests);
}
Result<FrontendReply> decode_frontend_reply(std::string_view bytes) {
  return decode_with(bytes, kMaxMessageBytes, kFrontendReplies);
}
Result<WorkerMessage> decode_worker_message(std::string_view bytes) {
  if (bytes.size() <= kMaxMessageBytes) {
    if (auto r = detail::fast_decode_results(bytes)) return WorkerMessage(std::move(*r));
  }
  return decode_with(bytes, kMaxMessageBytes, kWorkerMessages);
}
Result<BrokerMessage> decode_broker_message(std::string_view bytes) {
  if (bytes.size() <= kMaxMessageBytes) {
    if (auto b = detail::fast_decode_batch(bytes)) return BrokerMessage(std::move(*b));
  }
  return decode_with(bytes, kMaxMessageBytes, kBrokerMessages);
}

namespace reference {
std::string encode(const WorkerMessage& m) {
  return encode_worker(m);
}
std::string encode(const BrokerMessage& m) {
  return encode_broker(m);
}
Result<WorkerMessage> decode_worker_message(std::string_view bytes) {
  return decode_with(bytes, kMaxMessageBytes, kWorkerMessages);
}
Result<BrokerMessage> decode_broker_message(std::string_view bytes) {
  return decode_with(bytes, kMaxMessageBytes, kBrokerMessages);
}
}  // namespace reference
Result<Event> decode_event(std::string_view bytes) {
  return decode_with(bytes, kMaxMessageBytes, kEvents);
}
Result<Tick> decode_tick(std::string_view bytes) {
  return decode_with(bytes, kMaxMessageBytes, kTicks);
}

std::string recover_req(std::string_view bytes) {
  auto parsed = detail::read_msgpack(bytes, kMaxMessageBytes);
  if (!parsed.ok() || !parsed->is_object()) return {};
  auto it = parsed->find("req");
  if (it == parsed->end() || !it->is_string()) return {};
  const auto& s = it->get_ref<const std::string&>();
  return s.size() <= kMaxIdLength ? s : std::string();
}

ErrorReply make_error(std::string req, const Status& status, std::string field) {
  ErrorReply e;
  e.req = std::move(req);
  e.code = status.ok() ? Code::kInternal : status.code();
  e.message = status.message();
  if (field.empty()) {
    // "status.id: expected a string" -> field "status.id".
    const auto colon = e.message.find(": ");
    if (colon != std::string::npos && e.message.find(' ') > colon &&
        e.code != Code::kUnsupportedVersion)
      field = e.message.substr(0, colon);
  }
  e.field = std::move(field);
  return e;
}

std::string_view type_name(const FrontendRequest& m) {
  static constexpr std::array<std::string_view, 7> k = {"submit_", "status", "cancel", "get",
                                                        "trials",  "list",   "health"};
  if (const auto* s = std::get_if<SubmitRequest>(&m))
    return s->kind == JobKind::kBacktest ? "submit_backtest" : "submit_optimization";
  return k[m.index()];
}
std::string_view type_name(const FrontendReply& m) {
  static constexpr std::array<std::string_view, 7> k = {
      "accepted", "status", "job", "trials_page", "jobs_page", "health", "error"};
  return k[m.index()];
}
std::string_view type_name(const WorkerMessage& m) {
  static constexpr std::array<std::string_view, 8> k = {
      "hello", "heartbeat", "credit", "result", "dataset_request", "bye", "results", "crashed"};
  return k[m.index()];
}
std::string_view type_name(const BrokerMessage& m) {
  static constexpr std::array<std::string_view, 5> k = {"welcome", "heartbeat", "batch", "dataset",
                                                        "crash_ack"};
  return k[m.index()];
}
std::string_view type_name(const Event& m) {
  static constexpr std::array<std::string_view, 4> k = {"progress", "trial_event", "state",
                                                        "cancel"};
  return k[m.index()];
}

}  // namespace sweep::protocol
