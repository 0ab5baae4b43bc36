// The worker's side of the backend session (docs/PROTOCOL.md §5) as an explicit state machine,
// run on one I/O thread that owns every ZeroMQ socket:
//
//   kGreeting --welcome--> kReady --silence (liveness x heartbeat)--> kGreeting (new DEALER, hello)
//   kGreeting --silence--> kGreeting (new DEALER, hello again)
//   any state --stop flag--> kStopping (`draining`: queued trials handed back, running ones go on)
//     --running trials ended, or drain_timeout over (they are cancelled; grace) --> bye, exit
//
// A fatal signal on a slot thread (crash_signals.hpp) is reported as `crashed` in kReady (the
// handler waits for the broker's crash_ack), and only logged otherwise.
//
// The health file (health_file.hpp) exists exactly while the state is kReady.
//
// In every state: batches are accepted (kStopping hands them back at once), cancel events
// stop a job's trials, finished trials are reported (buffered while greeting), the watchdog
// enforces per-trial timeouts.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "dataset_cache.hpp"
#include "dataset_loader.hpp"
#include "equity_filter.hpp"
#include "health_file.hpp"
#include "outbox.hpp"
#include "slot_pool.hpp"
#include "sweep/base/clock.hpp"
#include "sweep/curve/curve_keys.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/protocol/protocol.hpp"
#include "trial_exec.hpp"

namespace sweep::worker {

// Trials the worker takes per slot (its credit): the broker sizes what it actually sends by time
// (tens of ms of work per batch, two batches in flight); this bounds the worker's memory.
inline constexpr uint32_t kQueuePerSlot = 1024;

struct WorkerOptions {
  std::string broker;  // backend endpoint
  uint32_t slots = 1;
  std::string name;              // worker id; "" = host:pid:1
  uint32_t heartbeat_ms = 1000;  // until the welcome says otherwise
  uint32_t heartbeat_liveness = 3;
  size_t dataset_cache_entries = 4;
  // After the stop flag: how long running trials may go on before they are cancelled and handed
  // back (0: at once).
  std::chrono::milliseconds drain_timeout{20'000};
  std::chrono::milliseconds shutdown_grace{10'000};  // then: wait for cancelled trials to end
  std::string health_file;                           // "" = none (health_file.hpp)
  // CURVE on the backend, events and telemetry connections (docs/SECURITY.md); nullopt: plain.
  std::optional<curve::ClientKeys> curve;
  // Every read of the time (heartbeats, the watchdog, result stamps); tests pass a FakeClock.
  std::shared_ptr<const Clock> clock = system_clock();
};

class WorkerSession {
 public:
  // `registry` must outlive the session.
  WorkerSession(WorkerOptions options, const StrategyRegistry& registry);
  ~WorkerSession();
  WorkerSession(const WorkerSession&) = delete;
  WorkerSession& operator=(const WorkerSession&) = delete;

  // Runs until `stop` is set; then drains (the class comment), says bye and returns 0.
  int run(const std::atomic<bool>& stop);

  const std::string& worker_id() const { return hello_.worker; }

 private:
  enum class State { kGreeting, kReady, kStopping };
  struct Task {
    std::string job;
    protocol::BatchTrial trial;
    double timeout_s = 0;
    std::shared_ptr<TrialControl> control;
  };

  SteadyTime now() const { return options_.clock->steady(); }
  void connect_backend();
  void connect_side_sockets(const protocol::Welcome& w);
  void send(const protocol::WorkerMessage& m);
  void send_credit();
  // Sends the results reported since the last call, with the credit they free, in `results`
  // messages: one per loop turn rather than one per trial.
  void flush_results();
  uint32_t capacity() const;

  void on_backend_readable();
  void on_monitor_readable();
  void on_events_readable();
  void on_broker_message(protocol::BrokerMessage m);
  void on_welcome(const protocol::Welcome& w);
  void on_batch(protocol::TrialsBatch b);
  void on_dataset(protocol::Dataset d);
  void on_loaded(Loaded l);
  void on_cancel(const std::string& job);
  void on_outbox();
  void on_finished(Finished f);
  // A slot thread is dying by a fatal signal (crash_signals.hpp): tell the broker.
  void on_crash_reports();

  void start_trials(const protocol::TrialsBatch& b, std::shared_ptr<const MarketData> data);
  // Bars `span` of `data` (stored dataset `hash`) as a dataset of their own; nullptr when the
  // span is not within it.
  std::shared_ptr<const MarketData> slice_of(const std::string& hash, const MarketData& data,
                                             BarSpan span);
  void report_unrun(const protocol::TrialsBatch& b, TrialState status, const std::string& why);
  void report(protocol::TrialResult r);
  void watchdog();
  void keepalive();
  void begin_stop();
  // Cancels the trials still running at the drain deadline; their leases go back with the bye.
  void cancel_running();
  // Sends `draining` with the leases collected in hand_back_ (at least one message per call).
  void send_hand_back();
  // Writes or refreshes the health file while kReady; removes it otherwise.
  void update_health();
  bool job_cancelled(const std::string& job) const;

  WorkerOptions options_;
  const StrategyRegistry& registry_;
  protocol::Hello hello_;
  zmq::context_t ctx_;
  Outbox outbox_;
  DatasetCache cache_;
  // Walk-forward windows' train bars as datasets of their own, made once per window (a window's
  // trials come in many batches): keyed by the dataset's hash and the span.
  static constexpr size_t kSliceCacheEntries = 16;
  DatasetCache slices_;
  DatasetLoader loader_;  // after outbox_, which it pushes to
  std::optional<zmq::socket_t> dealer_, sub_, pub_;
  // Socket monitor of dealer_ (disconnections), so that a restarted broker hears hello at once
  // rather than after the heartbeat liveness has run out.
  std::optional<zmq::socket_t> monitor_;
  uint64_t monitors_ = 0;
  // The CURVE handshake failed (refused key, wrong server key): wait for keepalive() to retry.
  bool handshake_failed_ = false;
  std::string events_ep_, telemetry_ep_;
  State state_ = State::kGreeting;
  uint32_t heartbeat_ms_;
  uint32_t liveness_;
  SteadyTime last_heard_, last_sent_, last_watchdog_;

  uint32_t held_ = 0;  // trials received and not yet reported
  uint64_t next_task_ = 1;
  // Queued or running on the pool, by id: the order the pool starts them in (FIFO).
  std::map<uint64_t, Task> tasks_;
  std::map<std::string, std::vector<protocol::TrialsBatch>> awaiting_;  // by dataset hash
  std::set<std::string> loading_;  // hashes on the loader thread (awaiting_ holds their batches)
  std::deque<std::string> cancelled_jobs_;     // most recent last
  std::vector<protocol::TrialResult> unsent_;  // reported, not yet sent (kept while greeting)
  uint32_t credit_owed_ = 0;                   // trials freed since the last credit sent
  std::vector<protocol::TrialRef> hand_back_;  // kStopping: leases not run, for `draining`
  HealthFile health_;
  SteadyTime last_health_{};
  EquityFilter equity_filter_;
  // Declared last: destroyed first, so no slot thread outlives the members it reports to.
  SlotPool pool_;
};

}  // namespace sweep::worker
