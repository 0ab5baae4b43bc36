// Codec of the Sweep wire protocol, version 1: the public entry points of protocol.hpp. The
// contract is docs/PROTOCOL.md; this grammar is its summary, and the Schemas of
// messages_frontend.cpp, messages_backend.cpp and messages_events.cpp are its one description in
// code (codec_core.hpp drives the encoder and decoder from them). Every frame is one msgpack map;
// `v` and `type` are in every map, `req` in every frontend message. Field names, once used, are
// never reused with another meaning; unknown keys are ignored. "?" marks a field that may be nil or
// absent. u = unsigned int, i = int, f = float 64 (readers accept any number), s = string, ts = int
// ms since the Unix epoch.
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
//                    running u, queued u, elapsed_s f, eta_s? f, best? trial, result? any,
//                    waiting_for? s (no key when empty)}
//     job           {req s, job {id s, kind s, status s, spec map, total u, completed u, failed u,
//                    created_at? ts, started_at? ts, finished_at? ts, error_message? s,
//                    best? trial, result? any}}
//     trials_page   {req s, id s, total u, offset u, trials [trial]}
//     jobs_page     {req s, total u, offset u, jobs [{id s, kind s, status s, total u,
//                    completed u, failed u, created_at? ts, finished_at? ts}]}
//     health        {req s, version s, endpoints {frontend s, backend s, events s, telemetry s},
//                    workers [{id s, pid i, host s, slots u, busy u}], queue u, jobs u,
//                    store_error? s (no key when empty),
//                    waiting? [{job s, reason s}] (no key when empty)}
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

#include "codec_frames.hpp"
#include "messages.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::protocol {

std::string encode(const FrontendRequest& m) {
  return codec::encode_frontend(m);
}
std::string encode(const FrontendReply& m) {
  return codec::encode_frontend(m);
}
std::string encode(const WorkerMessage& m) {
  return codec::encode_backend(m);
}
std::string encode(const BrokerMessage& m) {
  return codec::encode_backend(m);
}
std::string encode(const Event& m) {
  return codec::encode_events(m);
}
std::string encode(const Tick& m) {
  return codec::encode_events(m);
}

Result<FrontendRequest> decode_frontend_request(std::string_view bytes, size_t max_bytes) {
  return codec::decode_requests(bytes, max_bytes);
}
Result<FrontendReply> decode_frontend_reply(std::string_view bytes) {
  return codec::decode_replies(bytes);
}
Result<WorkerMessage> decode_worker_message(std::string_view bytes) {
  return codec::decode_worker(bytes);
}
Result<BrokerMessage> decode_broker_message(std::string_view bytes) {
  return codec::decode_broker(bytes);
}
Result<Event> decode_event(std::string_view bytes) {
  return codec::decode_events(bytes);
}
Result<Tick> decode_tick(std::string_view bytes) {
  return codec::decode_ticks(bytes);
}

std::string recover_req(std::string_view bytes) {
  msgpack::object_handle h;
  if (!codec::unpack(bytes, kMaxMessageBytes, h).ok()) return {};
  const codec::Obj& root = h.get();
  if (root.type != codec::mt::MAP) return {};
  std::string req;
  for (uint32_t i = 0; i < root.via.map.size; ++i) {
    const auto& kv = root.via.map.ptr[i];
    if (kv.key.type != codec::mt::STR || codec::str_of(kv.key) != "req") continue;
    if (kv.val.type == codec::mt::STR && kv.val.via.str.size <= kMaxIdLength)
      req = std::string(codec::str_of(kv.val));
    else
      req.clear();
  }
  return req;
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
  static constexpr std::array<std::string_view, 9> k = {
      "submit_", "status", "cancel", "get", "trials", "list", "health", "strategies", "datasets"};
  if (const auto* s = std::get_if<SubmitRequest>(&m))
    return s->kind == JobKind::kBacktest ? "submit_backtest" : "submit_optimization";
  return k[m.index()];
}
std::string_view type_name(const FrontendReply& m) {
  static constexpr std::array<std::string_view, 9> k = {"accepted",    "status",     "job",
                                                        "trials_page", "jobs_page",  "health",
                                                        "error",       "strategies", "datasets"};
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
