// GET /metrics: Prometheus text format 0.0.4. Job counts, trial totals, queue and workers come
// from the broker at scrape time (so they are exact and survive a gateway restart); the trial
// duration histogram from the events this gateway saw (trial_feed.hpp). When the broker does not
// answer, the scrape still succeeds with sweep_up 0 and the histogram, as exporters do.
#include <cstdio>
#include <sstream>
#include <string>

#include "gateway.hpp"
#include "sweep/jobs/job_state.hpp"

namespace sweep::gateway {

namespace {

constexpr uint64_t kMaxJobPages = 100;  // 100k jobs summed per scrape at most

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

// Appends the broker's figures; false when the broker did not answer.
bool broker_metrics(client::Client& c, std::ostringstream& out) {
  Result<protocol::HealthReply> h = c.health();
  if (!h.ok()) return false;
  std::ostringstream jobs;
  for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kCancelling,
                     JobState::kCompleted, JobState::kFailed, JobState::kCancelled}) {
    client::ListQuery q;
    q.status = s;
    q.limit = 1;
    Result<protocol::JobsPage> p = c.list(q);
    if (!p.ok()) return false;
    jobs << "sweep_jobs{state=\"" << job_state_name(s) << "\"} " << p->total << '\n';
  }
  uint64_t completed = 0, failed = 0;
  client::ListQuery q;
  q.limit = kMaxPageLimit;
  for (uint64_t page = 0; page < kMaxJobPages; ++page, q.offset += q.limit) {
    Result<protocol::JobsPage> p = c.list(q);
    if (!p.ok()) return false;
    for (const protocol::JobSummary& j : p->jobs) {
      if (j.kind == JobKind::kOptimization) {
        completed += j.completed;
        failed += j.failed;
      } else if (j.status == JobState::kCompleted) {
        ++completed;  // a backtest is one trial; its `completed` counts bars
      } else if (j.status == JobState::kFailed) {
        ++failed;
      }
    }
    if (p->jobs.size() < q.limit) break;
  }
  uint64_t slots = 0, busy = 0;
  for (const protocol::WorkerInfo& w : h->workers) slots += w.slots, busy += w.busy;

  family(out, "sweep_jobs", "gauge", "Jobs by state.");
  out << jobs.str();
  family(out, "sweep_trials_total", "counter",
         "Trials finished, by outcome (a backtest job counts as one trial).");
  out << "sweep_trials_total{status=\"completed\"} " << completed << '\n';
  out << "sweep_trials_total{status=\"failed\"} " << failed << '\n';
  family(out, "sweep_queue_depth", "gauge", "Trials waiting for a worker.");
  out << "sweep_queue_depth " << h->queue << '\n';
  uint64_t ready = 0;
  for (const protocol::WorkerInfo& w : h->workers) ready += w.draining ? 0 : 1;
  family(out, "sweep_workers", "gauge", "Workers connected to the broker (draining ones too).");
  out << "sweep_workers " << h->workers.size() << '\n';
  family(out, "sweep_workers_ready", "gauge", "Connected workers that take trials (not draining).");
  out << "sweep_workers_ready " << ready << '\n';
  family(out, "sweep_trials_running", "gauge", "Trials leased to workers now.");
  out << "sweep_trials_running " << h->running.value_or(0) << '\n';
  const std::string window = "over the last " + std::to_string(protocol::kRateWindowS) + " s";
  family(out, "sweep_trials_per_second", "gauge",
         ("Trials recorded per second, every job, " + window + ".").c_str());
  out << "sweep_trials_per_second " << number(h->trials_per_s.value_or(0)) << '\n';
  family(out, "sweep_job_trials", "gauge", "Trials of each job not terminal, by state.");
  for (const protocol::LiveJobInfo& j : h->live_jobs) {
    const std::pair<const char*, uint64_t> states[] = {{"queued", j.queued},
                                                       {"running", j.running},
                                                       {"completed", j.completed},
                                                       {"failed", j.failed}};
    for (const auto& [state, n] : states)
      out << "sweep_job_trials{job=\"" << j.id << "\",state=\"" << state << "\"} " << n << '\n';
  }
  family(out, "sweep_job_trials_per_second", "gauge",
         ("Trials recorded per second in each job not terminal, " + window + ".").c_str());
  for (const protocol::LiveJobInfo& j : h->live_jobs)
    out << "sweep_job_trials_per_second{job=\"" << j.id << "\"} " << number(j.trials_per_s) << '\n';
  family(out, "sweep_worker_slots", "gauge", "Trial slots of all workers.");
  out << "sweep_worker_slots " << slots << '\n';
  family(out, "sweep_worker_slots_busy", "gauge", "Trial slots running a trial now.");
  out << "sweep_worker_slots_busy " << busy << '\n';
  family(out, "sweep_jobs_active", "gauge", "Jobs not terminal.");
  out << "sweep_jobs_active " << h->jobs << '\n';
  return true;
}

void histogram(const TrialFeed::Snapshot& s, std::ostringstream& out) {
  family(out, "sweep_trial_duration_seconds", "histogram",
         "Wall time of trials that finished (completed or failed) since the gateway started.");
  for (size_t i = 0; i < TrialFeed::kBuckets.size(); ++i)
    out << "sweep_trial_duration_seconds_bucket{le=\"" << number(TrialFeed::kBuckets[i]) << "\"} "
        << s.buckets[i] << '\n';
  out << "sweep_trial_duration_seconds_bucket{le=\"+Inf\"} " << s.count << '\n';
  out << "sweep_trial_duration_seconds_sum " << number(s.sum) << '\n';
  out << "sweep_trial_duration_seconds_count " << s.count << '\n';
  family(out, "sweep_gateway_events_connected", "gauge",
         "Whether the gateway is subscribed to the broker's events (1) or not (0).");
  out << "sweep_gateway_events_connected " << (s.connected ? 1 : 0) << '\n';
}

}  // namespace

void add_metrics_route(httplib::Server& server, Context& ctx) {
  server.Get("/metrics", [&ctx](const httplib::Request&, httplib::Response& res) {
    std::ostringstream broker;
    bool up = false;
    {
      auto c = ctx.pool.acquire();
      up = broker_metrics(*c, broker);
    }
    std::ostringstream out;
    family(out, "sweep_up", "gauge", "Whether the broker answered this scrape (1) or not (0).");
    out << "sweep_up " << (up ? 1 : 0) << '\n';
    if (up) out << broker.str();
    histogram(ctx.feed.snapshot(), out);
    res.set_header("Cache-Control", "no-store");
    res.set_content(out.str(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace sweep::gateway
