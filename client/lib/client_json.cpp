#include "sweep/client_json.hpp"

#include "sweep/jobs/result_json.hpp"

namespace sweep::client {
namespace {

using nlohmann::json;

json opt(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}
template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
json opt_trial(const std::optional<protocol::TrialRecord>& t) {
  return t ? json_of(*t) : json(nullptr);
}

}  // namespace

json json_of(const protocol::TrialRecord& t) {
  return {{"index", t.index},
          {"attempt", t.attempt},
          {"status", trial_state_name(t.status)},
          {"params", to_json(t.params)},
          {"metrics", to_json(t.metrics)},
          {"trades", t.trades},
          {"error_message", opt(t.error_message)},
          {"error_stack_trace", opt(t.error_stack_trace)},
          {"worker", opt(t.worker)},
          {"started_at", opt(t.started_at)},
          {"finished_at", opt(t.finished_at)}};
}

json json_of(const protocol::AcceptedReply& a) {
  return {{"id", a.id}, {"total", a.total}, {"status", job_state_name(a.status)}};
}

json json_of(const protocol::StatusReply& s) {
  return {{"id", s.id},
          {"kind", job_kind_name(s.kind)},
          {"status", job_state_name(s.status)},
          {"total", s.total},
          {"completed", s.completed},
          {"failed", s.failed},
          {"progress", number_or_null(s.progress)},
          {"running", s.running},
          {"queued", s.queued},
          {"elapsed_s", number_or_null(s.elapsed_s)},
          {"eta_s", s.eta_s ? number_or_null(*s.eta_s) : json(nullptr)},
          {"best", opt_trial(s.best)},
          {"result", s.result},
          {"waiting_for", opt(s.waiting_for)}};
}

json json_of(const protocol::JobRecord& j) {
  return {{"id", j.id},
          {"kind", job_kind_name(j.kind)},
          {"status", job_state_name(j.status)},
          {"spec", j.spec},
          {"total", j.total},
          {"completed", j.completed},
          {"failed", j.failed},
          {"created_at", opt(j.created_at)},
          {"started_at", opt(j.started_at)},
          {"finished_at", opt(j.finished_at)},
          {"error_message", opt(j.error_message)},
          {"best", opt_trial(j.best)},
          {"result", j.result}};
}

json json_of(const protocol::TrialsPage& p) {
  json trials = json::array();
  for (const auto& t : p.trials) trials.push_back(json_of(t));
  return {{"id", p.id}, {"total", p.total}, {"offset", p.offset}, {"trials", std::move(trials)}};
}

json json_of(const protocol::JobsPage& p) {
  json jobs = json::array();
  for (const auto& j : p.jobs)
    jobs.push_back({{"id", j.id},
                    {"kind", job_kind_name(j.kind)},
                    {"status", job_state_name(j.status)},
                    {"total", j.total},
                    {"completed", j.completed},
                    {"failed", j.failed},
                    {"created_at", opt(j.created_at)},
                    {"finished_at", opt(j.finished_at)}});
  return {{"total", p.total}, {"offset", p.offset}, {"jobs", std::move(jobs)}};
}

json json_of(const protocol::HealthReply& h) {
  json workers = json::array();
  for (const auto& w : h.workers)
    workers.push_back(
        {{"id", w.id}, {"pid", w.pid}, {"host", w.host}, {"slots", w.slots}, {"busy", w.busy}});
  json out = {{"version", h.version},
              {"endpoints",
               {{"frontend", h.endpoints.frontend},
                {"backend", h.endpoints.backend},
                {"events", h.endpoints.events},
                {"telemetry", h.endpoints.telemetry}}},
              {"workers", std::move(workers)},
              {"queue", h.queue},
              {"jobs", h.jobs}};
  // Only when set, as on the wire.
  if (!h.store_error.empty()) out["store_error"] = h.store_error;
  if (!h.waiting.empty()) {
    json waiting = json::array();
    for (const auto& w : h.waiting) waiting.push_back({{"job", w.job}, {"reason", w.reason}});
    out["waiting"] = std::move(waiting);
  }
  return out;
}

}  // namespace sweep::client
