// The broker core (DESIGN §1-4): one thread polls the frontend ROUTER, the backend ROUTER and the
// telemetry SUB, and runs timers for heartbeats, lease deadlines and progress events. Trial
// records and job updates go to a StoreWriter thread; job inserts and final states are written
// directly so that they are durable before they are announced. A submit's dataset is read, hashed
// and stored, and a worker's dataset read back, on DatasetLanes' two threads (a big dataset on
// one, the rest on the other): seconds of work for millions of bars that would otherwise silence
// the loop. The database is locked against a second broker and watched for deletion
// (db_guard.hpp).
//
// Thread safety: a Broker is used by one thread; stop() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "completion_worker.hpp"
#include "dataset_lanes.hpp"
#include "db_guard.hpp"
#include "job_table.hpp"
#include "lease_table.hpp"
#include "live_job.hpp"
#include "rate_window.hpp"
#include "scheduler.hpp"
#include "sweep/base/clock.hpp"
#include "sweep/base/limits.hpp"
#include "sweep/curve/curve_keys.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/protocol/protocol.hpp"
#include "sweep/store/store.hpp"
#include "transport.hpp"
#include "worker_registry.hpp"
#include "zap_handler.hpp"

namespace sweep::broker {

struct BrokerConfig {
  protocol::Endpoints endpoints;  // "tcp://127.0.0.1:*" binds an ephemeral port
  std::string db_path;
  std::vector<std::string> data_dirs;
  std::vector<std::string> plugins;
  uint32_t heartbeat_ms = 1000;
  uint32_t heartbeat_liveness = 3;
  Limits limits;  // the operator's limits (docs/LIMITS.md)
  // False only to measure the SQLite writer's cost (cluster_bench): trials are counted and
  // published but not written, so records, heatmaps and resume lack them.
  bool record_trial_rows = true;
  // False only to measure their cost (cluster_bench robustness): workers are not asked for
  // per-trial return statistics and optimizations complete without result.robustness.
  bool robustness = true;
  // Tests only (--max-db-pages): caps the database's size, as a full disk would.
  uint64_t max_db_pages = 0;
  // CURVE on every socket with this key pair (docs/SECURITY.md); nullopt: plain TCP.
  std::optional<curve::KeyPair> curve;
  // Checked by a ZAP handler when CURVE is on and a list is given.
  AllowLists allow;
  // After stop(): how long the broker drains (submits answered `unavailable`, nothing dispatched,
  // results of running trials still recorded) before it flushes its writes and run() returns. A
  // second stop() ends it at once.
  std::chrono::milliseconds drain_grace{0};
  // Every read of the time (leases, heartbeats, timeouts, ETA, record stamps); tests pass a
  // FakeClock.
  std::shared_ptr<const Clock> clock = system_clock();
};

class Broker {
 public:
  // Opens the store, loads plugins, binds every socket and resumes unfinished jobs.
  static Result<std::unique_ptr<Broker>> create(BrokerConfig config, zmq::context_t& ctx);
  ~Broker();

  // The endpoints actually bound (ephemeral ports resolved).
  const protocol::Endpoints& endpoints() const { return transport_->bound(); }
  // Serves until stop() is called, then drains for config.drain_grace and flushes every write.
  void run();
  void stop() { stops_.fetch_add(1); }

 private:
  Broker(BrokerConfig config, zmq::context_t& ctx);
  Status init();
  void poll_once(std::chrono::milliseconds timeout);
  void on_timer();
  void housekeeping(SteadyTime now);
  // stop() was called: refuse submits, answer the ones waiting for a dataset, dispatch nothing.
  void begin_drain();
  // Once a second: whether the database file is still the one opened (db_guard.hpp).
  void check_db_file();

  // Frontend (frontend.cpp).
  void on_frontend();
  // nullopt: the reply comes later (a submit waits for its dataset, see on_prepared).
  std::optional<protocol::FrontendReply> handle(const std::string& identity,
                                                const protocol::FrontendRequest& req);
  std::optional<protocol::FrontendReply> on_submit(const std::string& identity,
                                                   const protocol::SubmitRequest& r);
  // A submit's dataset is stored (or failed): the job goes live and every waiter is answered.
  void on_prepared(Prepared done);
  struct PendingSubmit;
  // Stores the job and answers `accepted` (or `unavailable` when the store refuses it).
  void go_live(PendingSubmit& p, const StoredDataset& dataset,
               const std::function<void(const protocol::FrontendReply&)>& answer);
  protocol::FrontendReply on_status(const protocol::StatusRequest& r);
  protocol::FrontendReply on_cancel(const protocol::CancelRequest& r);
  protocol::FrontendReply on_get(const protocol::GetRequest& r);
  protocol::FrontendReply on_trials(const protocol::TrialsRequest& r);
  protocol::FrontendReply on_list(const protocol::ListRequest& r);
  protocol::FrontendReply on_health(const protocol::HealthRequest& r);
  // Catalog (catalog.cpp).
  protocol::FrontendReply on_strategies(const protocol::StrategiesRequest& r);
  protocol::FrontendReply on_datasets(const protocol::DatasetsRequest& r);
  protocol::StatusReply live_status(const LiveJob& job) const;
  // Why the job's pending trials cannot be dispatched now; "" when they can (docs/PROTOCOL.md
  // §4.2 status.waiting_for).
  std::string waiting_for(const LiveJob& job) const;
  void reply(const std::string& identity, const protocol::FrontendReply& rep);

  // Backend (backend.cpp).
  void on_backend();
  void on_worker_message(const std::string& identity, protocol::WorkerMessage msg);
  void on_result(WorkerSession& session, const protocol::TrialResult& r);
  // Any result, stale or not, shows the worker is not hung (timeouts.cpp).
  static void ended_a_trial(WorkerSession& session, SteadyTime now);
  // Adds the credit a worker granted and sends it what that allows.
  void grant_credit(WorkerSession& session, uint32_t credit);
  void on_telemetry();
  void send_worker(const std::string& identity, const protocol::BrokerMessage& msg);
  // What the dataset thread finished: submits to answer, datasets to send to workers.
  void on_dataset_work();
  void on_served(Served done);
  // Ends the worker's session (`end`: lost or gone) and requeues the trials it held (as their
  // next attempt unless `count_attempts` is false).
  void drop_worker(const std::string& identity, const std::string& why, SessionState end,
                   bool count_attempts = true);
  // The worker is leaving: it takes no more trials; the leases it hands back run elsewhere as the
  // same attempt.
  void on_draining(WorkerSession& session, const protocol::Draining& d);
  // The worker is dying by a signal: ack, drop it, and charge the attempt to the trial it ran.
  void on_crashed(const std::string& identity, const protocol::Crashed& c);
  // A lease ended without a result: run the trial again, or record it failed ("REASON after N
  // attempts"). Without `count_attempt` the trial runs again as the same attempt.
  void requeue_or_fail(const Lease& lease, const std::string& reason, bool count_attempt = true);
  // Hung trials and workers (timeouts.cpp, docs/RELIABILITY.md "hung worker").
  // Leases past their deadline and workers that ended no trial for longer than their trials'
  // timeout: the trials run elsewhere and the worker is drained.
  void expire_trials(SteadyTime now);
  // The lease timed out: the trial runs again elsewhere (counting an attempt) or is recorded
  // failed, and its worker is drained.
  void time_out(const Lease& lease, const std::string& reason);
  // No more trials for the worker until it sends a result; the trials it holds run elsewhere:
  // the `timed_out` it was given first as their next attempt ("timed out: WHY"), the others as the
  // same attempt (they never started).
  void drain(const std::string& identity, const std::string& why, size_t timed_out = 0);
  // `trades`: the trade list a backtest's worker sent.
  void record(LiveJob& job, TrialRow row, std::vector<double> equity,
              std::vector<TradeRecord> trades = {});

  // Dispatch (dispatch.cpp): the scheduler's batches, sent.
  void dispatch();
  bool dispatch_to(WorkerSession& session);
  // Job lifecycle (jobs.cpp).
  Status resume_jobs();
  void set_state(LiveJob& job, JobState state, const std::string& error = {});
  void maybe_finish(LiveJob& job);
  // Counts, best trials and heatmap from the store (a resume; a stop on target, jobs.cpp).
  void load_records(LiveJob& j, uint64_t failed_fallback);
  Result<std::optional<uint64_t>> first_on_target(const LiveJob& j);
  Status settle_stop(LiveJob& j);
  Status replay_search(LiveJob& job);
  // A job whose trials are all in completes once what its result needs from the store is read
  // off the loop (completion_worker.hpp): its equity points' dates, an optimization's
  // robustness statistics.
  void complete(LiveJob& job);
  // What the completion worker finished: the jobs complete.
  void on_completions();
  // Whether every queued write is committed, waiting briefly (finalize).
  bool writes_flushed();
  bool finalize(LiveJob& job, JobState state, const std::string& error = {});
  void push_update(LiveJob& job);
  // Events are encoded and sent only when a subscription (XPUB) matches the topic.
  void publish(const std::string& topic, const protocol::Event& ev);
  void on_subscription();
  bool has_subscriber(const std::string& topic) const;
  // `final_state`: the job's terminal state, for its last progress event (finalize).
  void publish_progress(LiveJob& job, std::optional<JobState> final_state = std::nullopt);
  LiveJob* find_live(const std::string& id);
  std::string new_job_id();
  SteadyTime now() const { return clock_.steady(); }
  int64_t now_ms() const { return clock_.wall_ms(); }

  BrokerConfig config_;
  const Clock& clock_;  // *config_.clock
  zmq::context_t& ctx_;
  std::unique_ptr<ZapHandler> zap_;       // before the sockets: they are closed first
  std::unique_ptr<Transport> transport_;  // every socket
  std::atomic<int> stops_{0};
  bool draining_ = false;  // stop() was called: run() is draining

  std::optional<DbLock> db_lock_;  // before the store: released after its connections close
  std::optional<DbFileWatch> db_watch_;
  // Why the database can no longer keep what it is given (its file deleted or replaced): set
  // once, for good; submits are refused and nothing is dispatched. "" while the file is fine.
  std::string store_error_;
  // record() suggested a new generation of a tpe job: on_result dispatches it at once (not from
  // record() itself, which housekeeping also reaches, mid-way through its own walks).
  bool dispatch_due_ = false;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreWriter> writer_;
  std::unique_ptr<DatasetLanes> datasets_;
  std::unique_ptr<CompletionWorker> completions_;
  // A submit waiting for its dataset. A retry with the same idempotency key joins its waiters.
  struct PendingSubmit {
    std::vector<std::pair<std::string, std::string>> waiters;  // (client identity, req)
    JobSpec spec;
    std::optional<TrialPlan> plan;
    std::string spec_text;
    nlohmann::json dataset_json;
    std::string idempotency_key;
  };
  std::map<uint64_t, PendingSubmit> pending_submits_;  // by ticket
  uint64_t next_ticket_ = 1;
  // Workers waiting for a dataset being read back: one read per dataset, however many ask.
  std::map<std::string, std::set<std::string>> dataset_requests_;
  StrategyRegistry registry_;
  JobTable jobs_;
  std::set<std::string> subscriptions_;  // topic prefixes with at least one subscriber
  LeaseTable leases_;
  Scheduler scheduler_;
  WorkerRegistry workers_;
  RateWindow rate_;  // trials recorded in every job, per second (health reply)
  std::mt19937_64 rng_;
  SteadyTime next_heartbeat_{}, next_progress_{}, next_full_progress_{}, next_housekeeping_{};
  SteadyTime next_db_check_{};
};

}  // namespace sweep::broker
