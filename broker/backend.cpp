// The worker side (docs/PROTOCOL.md §5, §7): sessions, results against leases, telemetry ticks.
#include <cstdio>
#include <utility>

#include "broker.hpp"
#include "sweep/base/log.hpp"
#include "sweep/data/dataset.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::broker {

void Broker::send_worker(const std::string& identity, const protocol::BrokerMessage& msg) {
  transport_->send_to(Socket::kBackend, identity, protocol::encode(msg));
}

void Broker::on_served(Served done) {
  auto it = dataset_requests_.find(done.hash);
  if (it == dataset_requests_.end()) return;
  const std::set<std::string> workers = std::move(it->second);
  dataset_requests_.erase(it);
  if (!done.message.ok()) {
    // A job's dataset is stored before it goes live, so this is a damaged or edited database.
    spdlog::error("worker asked for dataset {}: {}", done.hash, done.message.status().ToString());
    return;
  }
  for (const auto& identity : workers) {
    transport_->send_shared(Socket::kBackend, identity, *done.message);
    // Waiting for the dataset is not the worker's stall: its trials start once it has it.
    if (WorkerSession* s = workers_.find(identity)) s->quiet_since = now();
  }
}

void Broker::on_backend() {
  const std::vector<zmq::message_t> frames = transport_->receive(Socket::kBackend);
  if (frames.size() != 2) return;  // identity + one payload frame, anything else is dropped
  const std::string identity = frames[0].to_string();
  auto msg = protocol::decode_worker_message(frames[1].to_string_view());
  if (!msg.ok()) {
    spdlog::warn("bad worker message: {}", msg.status().ToString());
    return;
  }
  on_worker_message(identity, std::move(msg).value());
}

void Broker::on_worker_message(const std::string& identity, protocol::WorkerMessage msg) {
  const auto now = this->now();
  if (auto* hello = std::get_if<protocol::Hello>(&msg)) {
    if (workers_.find(identity)) drop_worker(identity, "said hello again", SessionState::kGone);
    // One session per worker id: a second hello with a live id (a restarted worker with a new
    // connection, or two workers given one --id) replaces the older session, whose trials are
    // re-queued at once rather than after its heartbeats stop.
    if (auto older = workers_.identity_of(hello->worker)) {
      drop_worker(*older, "replaced: its id said hello from another connection",
                  SessionState::kGone, /*count_attempts=*/false);
    }
    workers_.welcome(identity, std::move(*hello), now);
    send_worker(identity, protocol::Welcome{endpoints().events, endpoints().telemetry,
                                            config_.heartbeat_ms, config_.heartbeat_liveness});
    return;
  }
  WorkerSession* session = workers_.find(identity);
  if (!session) return;  // no hello yet: the worker re-sends hello when no welcome comes
  WorkerRegistry::heard(*session, now);
  std::visit(
      [&](auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, protocol::Credit>) {
          grant_credit(*session, m.credit);
        } else if constexpr (std::is_same_v<T, protocol::TrialResult>) {
          ended_a_trial(*session, now);
          on_result(*session, m);
        } else if constexpr (std::is_same_v<T, protocol::TrialResults>) {
          if (!m.results.empty()) ended_a_trial(*session, now);
          for (const protocol::TrialResult& r : m.results) on_result(*session, r);
          grant_credit(*session, m.credit);
        } else if constexpr (std::is_same_v<T, protocol::DatasetRequest>) {
          // Reading millions of bars back and writing them as CSV is the dataset thread's job.
          auto& waiting = dataset_requests_[m.hash];
          if (waiting.empty()) datasets_->serve(m.hash);
          waiting.insert(identity);
        } else if constexpr (std::is_same_v<T, protocol::Draining>) {
          on_draining(*session, m);
        } else if constexpr (std::is_same_v<T, protocol::Bye>) {
          // A worker leaving on purpose hands back what it still holds: not the trials' fault.
          drop_worker(identity, m.reason.empty() ? "said bye" : "said bye: " + m.reason,
                      SessionState::kGone, /*count_attempts=*/false);
        } else if constexpr (std::is_same_v<T, protocol::Crashed>) {
          on_crashed(identity, m);
        }
      },
      msg);
}

void Broker::ended_a_trial(WorkerSession& session, SteadyTime now) {
  session.quiet_since = now;
  session.drained = false;  // alive after all: it may take trials again
}

void Broker::grant_credit(WorkerSession& session, uint32_t credit) {
  WorkerRegistry::grant(session, credit);
  while (session.takes_trials() && dispatch_to(session)) {
  }
}

void Broker::on_result(WorkerSession& session, const protocol::TrialResult& r) {
  auto lease = leases_.release(r.job, r.index, session.identity, r.attempt);
  if (!lease) return;  // stale: not the lease we hold (late, duplicated, or another attempt)
  LiveJob* job = find_live(r.job);
  if (!job) return;
  if (r.status == TrialState::kCancelled && job->dispatchable()) {
    // The worker gave the trial up although the job goes on: run it again.
    requeue_or_fail(*lease, "cancelled by the worker " + session.hello.worker);
    return;
  }
  TrialRow row;
  row.trial_index = r.index;
  row.attempt = static_cast<int>(r.attempt);
  row.status = r.status;
  row.metrics = r.metrics;
  row.error_message = r.error_message;
  row.error_stack_trace = r.error_stack_trace;
  row.worker = session.hello.worker;
  row.started_at_ms = r.started_at;
  row.finished_at_ms = r.finished_at;
  row.params = std::move(lease->params);
  if (job->is_backtest() && r.status == TrialState::kCompleted) {
    job->bars_done = r.bars;
    if (r.trade_list) row.trades_json = to_json(*r.trade_list).dump();
  }
  if (r.status == TrialState::kCompleted) row.return_stats = r.return_stats;
  if (r.duration_us > 0 && r.status == TrialState::kCompleted) {
    job->observe_duration(static_cast<double>(r.duration_us) / 1000.0);
  }
  record(*job, std::move(row), r.equity, r.trade_list.value_or(std::vector<TradeRecord>{}));
  if (std::exchange(dispatch_due_, false)) dispatch();
}

void Broker::on_draining(WorkerSession& session, const protocol::Draining& d) {
  if (!session.leaving) {
    spdlog::info("worker {} is draining: no more trials for it", session.hello.worker);
  }
  session.leaving = true;
  for (const protocol::TrialRef& t : d.trials) {
    auto lease = leases_.release(t.job, t.index, session.identity, t.attempt);
    if (!lease) continue;  // stale: already ended, or not this worker's
    requeue_or_fail(*lease, "handed back by the draining worker " + session.hello.worker,
                    /*count_attempt=*/false);
  }
}

void Broker::on_crashed(const std::string& identity, const protocol::Crashed& c) {
  // The worker's slot thread waits for this before dying: answer first.
  send_worker(identity, protocol::CrashAck{});
  const auto s = workers_.drop(identity, SessionState::kLost);
  const std::string name = s ? s->hello.worker : identity;
  const std::string what =
      "worker " + name + " crashed with " + c.signal_name + " (" + c.description + ")";
  std::fprintf(
      stderr, "sweep-broker: %s%s\n", what.c_str(),
      c.trial ? (" in trial " + std::to_string(c.trial->index) + " of job " + c.trial->job).c_str()
              : "");
  for (const Lease& lease : leases_.release_worker(identity)) {
    if (!c.trial) {  // the culprit is unknown: every trial it held counts an attempt
      requeue_or_fail(lease, what + "; failed");
    } else if (c.trial->job == lease.job && c.trial->index == lease.index &&
               c.trial->attempt == lease.attempt) {
      requeue_or_fail(lease, what + " while running this trial; failed");
    } else {
      // Queued at that worker or running on another of its slots: not the trial's fault.
      requeue_or_fail(lease, what, /*count_attempt=*/false);
    }
  }
}

void Broker::requeue_or_fail(const Lease& lease, const std::string& reason, bool count_attempt) {
  LiveJob* job = find_live(lease.job);
  if (!job) return;
  if (!job->dispatchable() || job->past_stop(lease.index)) {
    maybe_finish(*job);
    return;
  }
  ParamSet params = lease.params;
  if (!count_attempt) {
    job->retry.push_front({lease.index, lease.attempt, std::move(params)});
    job->dirty = true;
    return;
  }
  if (static_cast<int>(lease.attempt) < job->spec.max_attempts) {
    job->retry.push_front({lease.index, lease.attempt + 1, std::move(params)});
    job->dirty = true;
    return;
  }
  TrialRow row;
  row.trial_index = lease.index;
  row.attempt = static_cast<int>(lease.attempt);
  row.params = std::move(params);
  row.status = TrialState::kFailed;
  row.error_message = reason + " after " + std::to_string(lease.attempt) + " attempts";
  row.worker = lease.worker_name;
  row.started_at_ms = lease.started_at_ms;
  row.finished_at_ms = now_ms();
  record(*job, std::move(row), {});
}

void Broker::drop_worker(const std::string& identity, const std::string& why, SessionState end,
                         bool count_attempts) {
  const auto s = workers_.drop(identity, end);
  const std::string name = s ? s->hello.worker : identity;
  // "gone" for either end: operators' log searches (and a test) look for "gone (missed ...".
  spdlog::warn("worker {} gone ({})", name, why);
  for (const Lease& lease : leases_.release_worker(identity)) {
    requeue_or_fail(lease, "worker lost (" + name + ": " + why + ")", count_attempts);
  }
}

void Broker::on_telemetry() {
  const std::vector<zmq::message_t> frames = transport_->receive(Socket::kTelemetry);
  if (frames.size() != 2) return;
  auto tick = protocol::decode_tick(frames[1].to_string_view());
  if (!tick.ok()) return;
  LiveJob* job = find_live(tick->job);
  if (!job || !job->is_backtest() || !job->dispatchable()) return;
  const Lease* lease = leases_.find(tick->job, tick->trial);
  if (!lease || lease->attempt != tick->attempt) return;
  if (tick->bars_done > job->bars_done) {
    job->bars_done = std::min(tick->bars_done, job->total);
    job->dirty = true;
  }
}

}  // namespace sweep::broker
