// sweep status | cancel | list | show | trials | health: one request each, shown for people or
// as JSON (--json; trials also --csv).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cluster.hpp"
#include "commands.hpp"
#include "metric_format.hpp"
#include "sweep/client_json.hpp"
#include "sweep/jobs/result_json.hpp"
#include "sweep/jobs/robustness_json.hpp"
#include "terminal.hpp"
#include "windows_text.hpp"

namespace sweep::cli {
namespace {

namespace pr = protocol;
using ull = unsigned long long;

struct IdArgs {
  std::string id;
  BrokerArgs broker;
};

std::string name(JobState s) {
  return std::string(job_state_name(s));
}
std::string name(JobKind k) {
  return std::string(job_kind_name(k));
}

void print_json(const nlohmann::json& j) {
  std::printf("%s\n", j.dump().c_str());
}

// An optimization's result.stopped ({"value", "trial"}), when it stopped on target.
void print_stopped(const nlohmann::json& result, const std::string& metric) {
  if (!result.is_object() || !result.contains("stopped") || !result["stopped"].is_object()) return;
  const nlohmann::json& st = result["stopped"];
  std::printf("stopped on target: trial %s reached %s %s; later trials were not run\n",
              st["trial"].dump().c_str(), metric.empty() ? "the objective" : metric.c_str(),
              st["value"].dump().c_str());
}

// An optimization's result.robustness, when it has one.
void print_robustness(const nlohmann::json& result) {
  if (!result.is_object() || !result.contains("robustness")) return;
  if (auto r = robustness_from_json(result["robustness"]))
    std::printf("%s\n", robustness_text(*r).c_str());
}

// A walk-forward or holdout optimization's out-of-sample part, when it has one.
void print_windows(const nlohmann::json& result, const std::string& metric) {
  if (!result.is_object()) return;
  const auto m = metric_from_name(metric);
  const Metric obj = m ? *m : Metric::kSharpe;
  if (result.contains("walk_forward") && result["walk_forward"].is_object())
    std::printf("walk-forward:\n%s", walk_forward_text(result["walk_forward"], obj).c_str());
  if (result.contains("holdout") && result["holdout"].is_object())
    std::printf("%s\n%s", holdout_spans_text(result["holdout"]).c_str(),
                holdout_text(result["holdout"], obj).c_str());
}

void print_status(const pr::StatusReply& s, const std::string& metric) {
  std::printf("job %s (%s): %s\n", s.id.c_str(), name(s.kind).c_str(), name(s.status).c_str());
  std::printf("progress: %llu/%llu %s (%.1f%%), %llu failed, %llu running, %llu queued\n",
              static_cast<ull>(s.completed + s.failed), static_cast<ull>(s.total),
              s.kind == JobKind::kBacktest ? "bars" : "trials", s.progress * 100,
              static_cast<ull>(s.failed), static_cast<ull>(s.running), static_cast<ull>(s.queued));
  std::printf("elapsed %s, ETA %s\n", human_duration(s.elapsed_s).c_str(),
              human_duration(s.eta_s.value_or(-1)).c_str());
  if (s.best) std::printf("best: %s\n", format_best(*s.best, metric).c_str());
  if (!s.waiting_for.empty()) std::printf("waiting: %s\n", s.waiting_for.c_str());
  print_stopped(s.result, metric);
  print_robustness(s.result);
  print_windows(s.result, metric);
}

// The metrics of a result map ({"metrics": {...}}), as the local backtest prints them.
void print_metrics_json(const nlohmann::json& metrics) {
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < kMetricCount; ++i) {
    const auto m = static_cast<Metric>(i);
    const std::string key(metric_name(m));
    const nlohmann::json& v = metrics.contains(key) ? metrics[key] : nlohmann::json();
    rows.push_back({metric_label(m), format_metric(m, v.is_number() ? v.get<double>() : NAN)});
  }
  std::printf("%s", format_table({"Metric", "Value"}, rows).c_str());
}

void print_trial_metrics(const pr::TrialRecord& t) {
  print_metrics_json(to_json(t.metrics));
}

int run_status(const IdArgs& a) {
  auto made = make_client(a.broker);
  if (!made.ok()) return fail(made.status());
  auto& c = *made;
  Result<pr::StatusReply> s = c->status(a.id);
  if (!s.ok()) return fail(s.status());
  if (a.broker.json) return print_json(client::json_of(*s)), kExitOk;
  std::string metric;
  if (s->best) {
    Result<pr::JobRecord> job = c->get(a.id);
    if (job.ok()) metric = objective_metric(job->spec);
  }
  print_status(*s, metric);
  return kExitOk;
}

int run_cancel(const IdArgs& a) {
  auto made = make_client(a.broker);
  if (!made.ok()) return fail(made.status());
  auto& c = *made;
  Result<pr::StatusReply> s = c->cancel(a.id);
  if (!s.ok()) return fail(s.status());
  if (a.broker.json) return print_json(client::json_of(*s)), kExitOk;
  std::printf("job %s: %s\n", s->id.c_str(), name(s->status).c_str());
  return kExitOk;
}

int run_show(const IdArgs& a) {
  auto made = make_client(a.broker);
  if (!made.ok()) return fail(made.status());
  auto& c = *made;
  Result<pr::JobRecord> j = c->get(a.id);
  if (!j.ok()) return fail(j.status());
  if (a.broker.json) return print_json(client::json_of(*j)), kExitOk;
  std::printf("job %s (%s): %s\n", j->id.c_str(), name(j->kind).c_str(), name(j->status).c_str());
  std::printf("created %s, started %s, finished %s\n", format_ts(j->created_at).c_str(),
              format_ts(j->started_at).c_str(), format_ts(j->finished_at).c_str());
  std::printf("total %llu, completed %llu, failed %llu\n", static_cast<ull>(j->total),
              static_cast<ull>(j->completed), static_cast<ull>(j->failed));
  std::printf("spec: %s\n", j->spec.dump().c_str());
  if (!j->error_message.empty()) std::printf("error: %s\n", j->error_message.c_str());
  print_stopped(j->result, objective_metric(j->spec));
  print_robustness(j->result);
  print_windows(j->result, objective_metric(j->spec));
  if (j->best) {
    std::printf("best: trial %llu %s\n\n", static_cast<ull>(j->best->index),
                format_best(*j->best, objective_metric(j->spec)).c_str());
    print_trial_metrics(*j->best);
  } else if (j->result.is_object() && j->result.contains("metrics")) {
    std::printf("\n");
    print_metrics_json(j->result["metrics"]);
  }
  return kExitOk;
}

struct TrialsArgs {
  std::string id, sort = "index", order;
  uint64_t limit = 100, offset = 0;
  bool csv = false;
  BrokerArgs broker;
};

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

// Shortest text that reads back as the same double; empty for undefined.
std::string number_text(double v) {
  return std::isfinite(v) ? nlohmann::json(v).dump() : "";
}

void print_trials_csv(const pr::TrialsPage& p) {
  std::vector<std::string> params;
  for (const auto& t : p.trials)
    for (const auto& [k, v] : t.params.items())
      if (std::find(params.begin(), params.end(), k) == params.end()) params.push_back(k);
  std::string head = "index,attempt,status";
  for (const auto& k : params) head += "," + csv_cell(k);
  for (int i = 0; i < kMetricCount; ++i) head += "," + std::string(metric_name(Metric(i)));
  std::printf("%s,worker,error_message\n", head.c_str());
  for (const auto& t : p.trials) {
    std::string row = std::to_string(t.index) + "," + std::to_string(t.attempt) + "," +
                      std::string(trial_state_name(t.status));
    for (const auto& k : params) {
      const ParamValue* v = t.params.find(k);
      row += "," + (v ? csv_cell(to_string(*v)) : std::string());
    }
    for (int i = 0; i < kMetricCount; ++i) row += "," + number_text(t.metrics.values[i]);
    row += "," + csv_cell(t.worker) + "," + csv_cell(t.error_message);
    std::printf("%s\n", row.c_str());
  }
}

void print_trials_table(const pr::TrialsPage& p, const std::string& sort) {
  std::vector<std::string> params;
  for (const auto& t : p.trials)
    for (const auto& [k, v] : t.params.items())
      if (std::find(params.begin(), params.end(), k) == params.end()) params.push_back(k);
  std::vector<Metric> cols;
  if (auto m = metric_from_name(sort)) cols.push_back(*m);
  for (Metric m : {Metric::kSharpe, Metric::kReturnPct, Metric::kMaxDrawdownPct, Metric::kTrades})
    if (std::find(cols.begin(), cols.end(), m) == cols.end()) cols.push_back(m);
  std::vector<std::string> header = {"trial", "status"};
  header.insert(header.end(), params.begin(), params.end());
  for (Metric m : cols) header.emplace_back(metric_name(m));
  header.emplace_back("error");
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : p.trials) {
    std::vector<std::string> row = {std::to_string(t.index),
                                    std::string(trial_state_name(t.status))};
    for (const auto& k : params) {
      const ParamValue* v = t.params.find(k);
      row.push_back(v ? to_string(*v) : "");
    }
    for (Metric m : cols) row.push_back(format_metric(m, t.metrics[m]));
    row.push_back(t.error_message.substr(0, 60));
    rows.push_back(std::move(row));
  }
  std::printf("%s", format_table(header, rows).c_str());
  std::printf("(%zu of %llu trials, from %llu)\n", p.trials.size(), static_cast<ull>(p.total),
              static_cast<ull>(p.offset));
}

int run_trials(const TrialsArgs& a) {
  if (a.csv && a.broker.json)
    return fail(Status::BadRequest("--json and --csv exclude each other"));
  client::TrialsQuery q;
  q.sort = a.sort;
  if (a.order == "asc") q.order = pr::SortOrder::kAsc;
  if (a.order == "desc") q.order = pr::SortOrder::kDesc;
  q.limit = a.limit;
  q.offset = a.offset;
  auto made = make_client(a.broker);
  if (!made.ok()) return fail(made.status());
  auto& c = *made;
  Result<pr::TrialsPage> p = c->trials(a.id, q);
  if (!p.ok()) return fail(p.status());
  if (a.broker.json) return print_json(client::json_of(*p)), kExitOk;
  if (a.csv) return print_trials_csv(*p), kExitOk;
  print_trials_table(*p, a.sort);
  return kExitOk;
}

struct ListArgs {
  std::string kind, status;
  uint64_t limit = 100, offset = 0;
  BrokerArgs broker;
};

int run_list(const ListArgs& a) {
  client::ListQuery q;
  if (!a.kind.empty()) {
    q.kind = job_kind_from_name(a.kind == "optimize" ? "optimization" : a.kind);
    if (!q.kind)
      return fail(Status::BadRequest("--kind '" + a.kind + "': expected backtest or optimization"));
  }
  if (!a.status.empty()) {
    q.status = job_state_from_name(a.status);
    if (!q.status) return fail(Status::BadRequest("--status '" + a.status + "': not a job state"));
  }
  q.limit = a.limit;
  q.offset = a.offset;
  auto made = make_client(a.broker);
  if (!made.ok()) return fail(made.status());
  auto& c = *made;
  Result<pr::JobsPage> p = c->list(q);
  if (!p.ok()) return fail(p.status());
  if (a.broker.json) return print_json(client::json_of(*p)), kExitOk;
  std::vector<std::vector<std::string>> rows;
  for (const auto& j : p->jobs)
    rows.push_back({j.id, name(j.kind), name(j.status),
                    std::to_string(j.completed + j.failed) + "/" + std::to_string(j.total),
                    std::to_string(j.failed), format_ts(j.created_at)});
  std::printf("%s",
              format_table({"id", "kind", "status", "done", "failed", "created"}, rows).c_str());
  std::printf("(%zu of %llu jobs)\n", p->jobs.size(), static_cast<ull>(p->total));
  return kExitOk;
}

int run_health(const BrokerArgs& a) {
  auto made = make_client(a);
  if (!made.ok()) return fail(made.status());
  auto& c = *made;
  Result<pr::HealthReply> h = c->health();
  if (!h.ok()) return fail(h.status());
  if (a.json) return print_json(client::json_of(*h)), kExitOk;
  std::printf("broker %s at %s\n", h->version.c_str(), h->endpoints.frontend.c_str());
  std::printf("endpoints: frontend=%s backend=%s events=%s telemetry=%s\n",
              h->endpoints.frontend.c_str(), h->endpoints.backend.c_str(),
              h->endpoints.events.c_str(), h->endpoints.telemetry.c_str());
  std::printf("jobs live: %llu, trials queued: %llu, workers: %zu\n", static_cast<ull>(h->jobs),
              static_cast<ull>(h->queue), h->workers.size());
  if (!h->store_error.empty()) std::printf("store error: %s\n", h->store_error.c_str());
  for (const auto& w : h->waiting)
    std::printf("job %s waits: %s\n", w.job.c_str(), w.reason.c_str());
  if (!h->workers.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& w : h->workers)
      rows.push_back(
          {w.id, std::to_string(w.pid), w.host, std::to_string(w.slots), std::to_string(w.busy)});
    std::printf("%s", format_table({"worker", "pid", "host", "slots", "busy"}, rows).c_str());
  }
  return kExitOk;
}

void add_id_command(CLI::App& app, const char* cmd_name, const char* help, int& exit_code,
                    int (*run)(const IdArgs&)) {
  auto a = std::make_shared<IdArgs>();
  CLI::App* cmd = app.add_subcommand(cmd_name, help);
  cmd->add_option("id", a->id, "Job id")->required();
  add_broker_options(cmd, a->broker);
  cmd->callback([a, run, &exit_code] { exit_code = run(*a); });
}

}  // namespace

void add_query_commands(CLI::App& app, int& exit_code) {
  add_id_command(app, "status", "Show a job's progress", exit_code, run_status);
  add_id_command(app, "cancel", "Cancel a job", exit_code, run_cancel);
  add_id_command(app, "show", "Show a job's stored record and result", exit_code, run_show);

  auto t = std::make_shared<TrialsArgs>();
  CLI::App* trials = app.add_subcommand("trials", "List a job's trials, sorted and paged");
  trials->add_option("id", t->id, "Job id")->required();
  trials->add_option("--sort", t->sort, "index or a metric name")->capture_default_str();
  trials->add_option("--order", t->order, "asc or desc (default: asc for index, desc for a metric)")
      ->check(CLI::IsMember({"asc", "desc"}));
  trials->add_option("--limit", t->limit, "Trials per page (1..1000)")->capture_default_str();
  trials->add_option("--offset", t->offset, "First trial of the page")->capture_default_str();
  trials->add_flag("--csv", t->csv, "Print CSV");
  add_broker_options(trials, t->broker);
  trials->callback([t, &exit_code] { exit_code = run_trials(*t); });

  auto l = std::make_shared<ListArgs>();
  CLI::App* list = app.add_subcommand("list", "List jobs, newest first");
  list->add_option("--kind", l->kind, "backtest or optimization");
  list->add_option("--status", l->status, "A job state (queued, running, completed, ...)");
  list->add_option("--limit", l->limit, "Jobs per page (1..1000)")->capture_default_str();
  list->add_option("--offset", l->offset, "First job of the page")->capture_default_str();
  add_broker_options(list, l->broker);
  list->callback([l, &exit_code] { exit_code = run_list(*l); });

  auto h = std::make_shared<BrokerArgs>();
  CLI::App* health = app.add_subcommand("health", "Show the broker's version, endpoints, workers");
  add_broker_options(health, *h);
  health->callback([h, &exit_code] { exit_code = run_health(*h); });
}

}  // namespace sweep::cli
