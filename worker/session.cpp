#include "session.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "crash_signals.hpp"
#include "sweep/base/log.hpp"
#include "sweep/base/signal_names.hpp"
#include "sweep/curve/curve_socket.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::worker {
namespace {

// Cancelled job ids remembered, so that a batch racing a cancel is answered at once.
constexpr size_t kRememberedCancels = 256;
// Longest wait in zmq::poll: the watchdog and the heartbeat run at least this often.
constexpr std::chrono::milliseconds kMaxPollWait{50};
// While trials are in flight the loop wakes this often to collect finished ones, instead of
// being woken by every result: trials of tens of microseconds would otherwise cost a wakeup, a
// loop turn and a `results` message each. Results wait at most this long.
constexpr std::chrono::milliseconds kCollectInterval{2};
// Trial timeouts are checked this often (they are given in seconds).
constexpr std::chrono::milliseconds kWatchdogInterval{10};

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

protocol::Hello make_hello(const WorkerOptions& o, const StrategyRegistry& registry) {
  protocol::Hello h;
  h.pid = getpid();
  h.host = host_name();
  h.worker = o.name.empty() ? h.host + ":" + std::to_string(h.pid) + ":1" : o.name;
  h.slots = std::max<uint32_t>(o.slots, 1);
  h.version = SWEEP_VERSION;
  for (const StrategyInfo& s : registry.all()) h.strategies.push_back(s.name);
  return h;
}

void log(const std::string& line) {
  spdlog::warn("{}", line);
}

}  // namespace

WorkerSession::WorkerSession(WorkerOptions options, const StrategyRegistry& registry)
    : options_(std::move(options)),
      registry_(registry),
      hello_(make_hello(options_, registry)),
      outbox_(ctx_),
      cache_(options_.dataset_cache_entries),
      slices_(kSliceCacheEntries),
      loader_(outbox_),
      heartbeat_ms_(std::max<uint32_t>(options_.heartbeat_ms, 1)),
      liveness_(std::max<uint32_t>(options_.heartbeat_liveness, 1)),
      health_(options_.health_file),
      pool_(hello_.slots) {
  if (!options_.clock) options_.clock = system_clock();
}

WorkerSession::~WorkerSession() {
  for (auto& [id, task] : tasks_) task.control->cancel.store(true);
}

void WorkerSession::connect_backend() {
  monitor_.reset();
  dealer_.reset();  // linger 0: whatever the dead connection held is gone
  dealer_.emplace(ctx_, zmq::socket_type::dealer);
  dealer_->set(zmq::sockopt::linger, 0);
  dealer_->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes));
  if (options_.curve) curve::make_client(*dealer_, *options_.curve);
  const std::string monitor_ep = "inproc://sweep-worker-monitor-" +
                                 std::to_string(reinterpret_cast<uintptr_t>(this)) + "-" +
                                 std::to_string(++monitors_);
  constexpr int kEvents = ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                          ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                          ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
  if (zmq_socket_monitor(dealer_->handle(), monitor_ep.c_str(), kEvents) == 0) {
    monitor_.emplace(ctx_, zmq::socket_type::pair);
    monitor_->set(zmq::sockopt::linger, 0);
    monitor_->connect(monitor_ep);
  }
  dealer_->connect(options_.broker);
  handshake_failed_ = false;
  state_ = State::kGreeting;
  update_health();  // not ready until the welcome
  last_heard_ = this->now();
  send(hello_);
}

void WorkerSession::connect_side_sockets(const protocol::Welcome& w) {
  if (!sub_ || w.events != events_ep_) {
    sub_.reset();
    if (!w.events.empty()) {
      sub_.emplace(ctx_, zmq::socket_type::sub);
      sub_->set(zmq::sockopt::linger, 0);
      sub_->set(zmq::sockopt::subscribe, kCancelPrefix);
      if (options_.curve) curve::make_client(*sub_, *options_.curve);
      sub_->connect(w.events);
    }
    events_ep_ = w.events;
  }
  if (!pub_ || w.telemetry != telemetry_ep_) {
    pub_.reset();
    if (!w.telemetry.empty()) {
      pub_.emplace(ctx_, zmq::socket_type::pub);
      pub_->set(zmq::sockopt::linger, 0);
      if (options_.curve) curve::make_client(*pub_, *options_.curve);
      pub_->connect(w.telemetry);
    }
    telemetry_ep_ = w.telemetry;
  }
}

void WorkerSession::send(const protocol::WorkerMessage& m) {
  if (!dealer_) return;
  const std::string bytes = protocol::encode(m);
  // A DEALER blocks only at its high-water mark; dropping then is what a dead link does anyway.
  (void)dealer_->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
  last_sent_ = this->now();
}

uint32_t WorkerSession::capacity() const {
  return hello_.slots * kQueuePerSlot;
}

void WorkerSession::send_credit() {
  credit_owed_ = 0;
  if (held_ < capacity()) send(protocol::Credit{capacity() - held_});
}

void WorkerSession::flush_results() {
  if (state_ == State::kGreeting || unsent_.empty()) return;
  for (size_t first = 0; first < unsent_.size(); first += kMaxBatchTrials) {
    const size_t last = std::min(unsent_.size(), first + kMaxBatchTrials);
    protocol::TrialResults m;
    m.results.assign(std::make_move_iterator(unsent_.begin() + static_cast<ptrdiff_t>(first)),
                     std::make_move_iterator(unsent_.begin() + static_cast<ptrdiff_t>(last)));
    if (last == unsent_.size() && state_ == State::kReady) {
      m.credit = credit_owed_;
      credit_owed_ = 0;
    }
    send(m);
  }
  unsent_.clear();
}

int WorkerSession::run(const std::atomic<bool>& stop) {
  connect_backend();
  SteadyTime drain_deadline{}, stop_deadline{};
  bool cancelled = false;
  for (;;) {
    if (stop.load() && state_ != State::kStopping) {
      begin_stop();
      drain_deadline = this->now() + options_.drain_timeout;
    }
    if (state_ == State::kStopping) {
      if (tasks_.empty()) break;
      if (!cancelled && this->now() >= drain_deadline) {
        cancel_running();
        cancelled = true;
        stop_deadline = this->now() + options_.shutdown_grace;
      }
      if (cancelled && this->now() >= stop_deadline) break;
    }

    std::vector<zmq::pollitem_t> items;
    items.push_back({outbox_.wake_socket().handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({dealer_->handle(), 0, ZMQ_POLLIN, 0});
    const size_t monitor_at = monitor_ ? items.size() : SIZE_MAX;
    if (monitor_) items.push_back({monitor_->handle(), 0, ZMQ_POLLIN, 0});
    const size_t sub_at = sub_ ? items.size() : SIZE_MAX;
    if (sub_) items.push_back({sub_->handle(), 0, ZMQ_POLLIN, 0});
    const int crash_fd = CrashSignals::report_fd();
    const size_t crash_at = crash_fd >= 0 ? items.size() : SIZE_MAX;
    if (crash_fd >= 0) items.push_back({nullptr, crash_fd, ZMQ_POLLIN, 0});
    try {
      zmq::poll(items, tasks_.empty() ? kMaxPollWait : kCollectInterval);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      continue;  // a signal: the loop head looks at the stop flag
    }
    on_outbox();
    if (items[1].revents & ZMQ_POLLIN) on_backend_readable();
    if (sub_at != SIZE_MAX && (items[sub_at].revents & ZMQ_POLLIN)) on_events_readable();
    if (crash_at != SIZE_MAX && (items[crash_at].revents & ZMQ_POLLIN)) on_crash_reports();
    // Last: it may replace the dealer and its monitor.
    if (monitor_at != SIZE_MAX && (items[monitor_at].revents & ZMQ_POLLIN)) on_monitor_readable();
    watchdog();
    keepalive();
    flush_results();
    if (state_ == State::kStopping && !hand_back_.empty()) send_hand_back();
  }
  on_outbox();  // results that ended during the last wait
  flush_results();
  if (!hand_back_.empty()) send_hand_back();
  // Whatever it still holds (trials cancelled at the deadline) goes back with the bye.
  send(protocol::Bye{"shutting down"});
  // Give the bye (and the last results) a moment to leave.
  dealer_->set(zmq::sockopt::linger, 1000);
  dealer_.reset();
  return 0;
}

void WorkerSession::on_backend_readable() {
  for (;;) {
    std::vector<zmq::message_t> frames;
    zmq::message_t frame;
    if (!dealer_->recv(frame, zmq::recv_flags::dontwait)) return;
    frames.push_back(std::move(frame));
    while (frames.back().more()) {
      zmq::message_t next;
      (void)dealer_->recv(next);
      frames.push_back(std::move(next));
    }
    last_heard_ = this->now();
    if (frames.size() != 1) {
      log("dropped a backend message of " + std::to_string(frames.size()) + " frames");
      continue;
    }
    Result<protocol::BrokerMessage> m = protocol::decode_broker_message(frames[0].to_string_view());
    if (!m.ok()) {
      log("dropped a backend message: " + m.status().ToString());
      continue;
    }
    on_broker_message(std::move(m).value());
  }
}

void WorkerSession::on_monitor_readable() {
  bool lost = false, refused = false, failed = false;
  for (;;) {
    zmq::message_t event, address;
    if (!monitor_->recv(event, zmq::recv_flags::dontwait)) break;
    if (event.more()) (void)monitor_->recv(address);
    uint16_t id = 0;
    if (event.size() >= sizeof id) std::memcpy(&id, event.data(), sizeof id);
    if (id == ZMQ_EVENT_DISCONNECTED) lost = true;
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) refused = true;
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
      failed = true;
  }
  // A handshake that failed fails again at once: instead of reconnecting in a tight loop (and
  // filling the broker's log), stay disconnected until keepalive() says hello again.
  if ((refused || failed) && state_ != State::kStopping) {
    log(refused ? "the broker refused this worker's CURVE key (is its public key in the broker's "
                  "--allow-workers file?)"
                : "the handshake with the broker failed (check --curve-server-key/--curve-key: "
                  "CURVE must be on at both ends, with the broker's public key)");
    handshake_failed_ = true;
    try {
      dealer_->disconnect(options_.broker);
    } catch (const zmq::error_t&) {
      // Already disconnected: nothing to stop.
    }
    return;
  }
  // The broker went away (a restart, a crash): a new connection, and hello as soon as it is
  // back. Its ROUTER gives the new connection a new identity, so the old session is over anyway.
  if (lost && !handshake_failed_ && state_ != State::kStopping) {
    log("lost the connection to the broker; reconnecting");
    connect_backend();
  }
}

void WorkerSession::on_events_readable() {
  for (;;) {
    std::vector<zmq::message_t> frames;
    zmq::message_t frame;
    if (!sub_->recv(frame, zmq::recv_flags::dontwait)) return;
    frames.push_back(std::move(frame));
    while (frames.back().more()) {
      zmq::message_t next;
      (void)sub_->recv(next);
      frames.push_back(std::move(next));
    }
    if (frames.size() != 2) continue;
    Result<protocol::Event> e = protocol::decode_event(frames[1].to_string_view());
    if (!e.ok()) continue;
    if (const auto* c = std::get_if<protocol::CancelEvent>(&*e)) {
      // Topics match by prefix: the payload's job is the one cancelled.
      if (frames[0].to_string_view() == cancel_topic(c->job)) on_cancel(c->job);
    }
  }
}

void WorkerSession::on_broker_message(protocol::BrokerMessage m) {
  std::visit(
      [this](auto&& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, protocol::Welcome>) {
          on_welcome(msg);
        } else if constexpr (std::is_same_v<T, protocol::TrialsBatch>) {
          on_batch(std::move(msg));
        } else if constexpr (std::is_same_v<T, protocol::Dataset>) {
          on_dataset(std::move(msg));
        } else if constexpr (std::is_same_v<T, protocol::CrashAck>) {
          // The dying slot thread may now re-raise its signal.
          CrashSignals::acknowledge();
        }  // Heartbeat: hearing it is all it does.
      },
      std::move(m));
}

void WorkerSession::on_welcome(const protocol::Welcome& w) {
  if (state_ != State::kGreeting) return;  // a duplicate; the session is up
  heartbeat_ms_ = std::max<uint32_t>(w.heartbeat_ms, 1);
  liveness_ = std::max<uint32_t>(w.heartbeat_liveness, 1);
  connect_side_sockets(w);
  state_ = State::kReady;
  update_health();
  send_credit();
  flush_results();
  // Datasets asked for on a dead connection: ask again.
  for (const auto& [hash, batches] : awaiting_) {
    if (!loading_.contains(hash)) send(protocol::DatasetRequest{hash});
  }
}

void WorkerSession::on_batch(protocol::TrialsBatch b) {
  if (state_ == State::kStopping) {
    // Sent before the broker read our `draining`: hand it straight back (the loop sends it).
    for (const protocol::BatchTrial& t : b.trials)
      hand_back_.push_back({b.job, t.index, t.attempt});
    return;
  }
  held_ += static_cast<uint32_t>(b.trials.size());
  if (job_cancelled(b.job)) return report_unrun(b, TrialState::kCancelled, "");
  if (!registry_.find(b.strategy)) {
    return report_unrun(b, TrialState::kFailed, registry_.not_found(b.strategy).message());
  }
  if (auto data = cache_.find(b.dataset.hash)) return start_trials(b, std::move(data));
  const std::string hash = b.dataset.hash;
  auto& waiting = awaiting_[hash];
  const bool first = waiting.empty() && !loading_.contains(hash);
  if (first) {
    if (makes_itself(b.dataset.source)) {
      // Generated here, on the loader thread (falls back to asking the broker).
      loading_.insert(hash);
      loader_.load(
          hash, [source = b.dataset.source, hash]() -> Result<std::shared_ptr<const MarketData>> {
            return market_data_from_source(source, hash);
          });
    } else {
      send(protocol::DatasetRequest{hash});
    }
  }
  waiting.push_back(std::move(b));
}

void WorkerSession::on_dataset(protocol::Dataset d) {
  if (!awaiting_.contains(d.hash) || loading_.contains(d.hash)) return;
  loading_.insert(d.hash);
  loader_.load(d.hash,
               [csv = std::move(d.csv), hash = d.hash] { return market_data_from_csv(csv, hash); });
}

void WorkerSession::on_loaded(Loaded l) {
  loading_.erase(l.hash);
  if (l.data.ok() && *l.data) cache_.put(l.hash, *l.data);
  auto it = awaiting_.find(l.hash);
  if (it == awaiting_.end()) return;  // every batch waiting for it was cancelled
  if (l.data.ok() && !*l.data) {      // not the bars the broker hashed: ask it for them
    send(protocol::DatasetRequest{l.hash});
    return;
  }
  std::vector<protocol::TrialsBatch> batches = std::move(it->second);
  awaiting_.erase(it);
  if (!l.data.ok()) {
    log(l.data.status().message());
    for (const auto& b : batches) report_unrun(b, TrialState::kFailed, l.data.status().message());
    return;
  }
  for (const auto& b : batches) start_trials(b, *l.data);
}

void WorkerSession::start_trials(const protocol::TrialsBatch& b,
                                 std::shared_ptr<const MarketData> data) {
  const StrategyInfo* strategy = registry_.find(b.strategy);
  for (const protocol::BatchTrial& t : b.trials) {
    std::shared_ptr<const MarketData> bars = data;
    if (t.bars) {
      bars = slice_of(b.dataset.hash, *data, *t.bars);
      if (!bars) {
        report(unrun_result(*options_.clock, b.job, t, TrialState::kFailed,
                            "batch.trials.bars: [" + std::to_string(t.bars->begin) + ", " +
                                std::to_string(t.bars->end) + ") is not within the dataset's " +
                                std::to_string(data->size()) + " bars"));
        continue;
      }
    }
    const uint64_t id = next_task_++;
    auto control = std::make_shared<TrialControl>();
    tasks_.emplace(id, Task{b.job, t, b.trial_timeout_s, control});
    TrialJob job{b.job, t, std::move(bars), strategy,
                 // Past the limit the broker asked for what no spec allows: none.
                 EngineOptions{b.cash, b.commission,
                               b.return_blocks <= kMaxReturnBlocks ? int(b.return_blocks) : 0},
                 b.trial_timeout_s, b.objective, b.top_k, b.trades, &equity_filter_,
                 options_.clock.get()};
    pool_.submit(b.job, [this, id, job = std::move(job), control](bool run) {
      Outbox& out = outbox_;
      if (!run) {
        out.push(Finished{id, unrun_result(*job.clock, job.job, job.trial, TrialState::kCancelled),
                          false});
        return;
      }
      TickSink ticks = [&out](protocol::Tick t) { out.push(std::move(t)); };
      CrashSignals::ensure_alt_stack();
      CrashSignals::set_current_task(id);
      protocol::TrialResult result = execute_trial(job, *control, ticks);
      CrashSignals::set_current_task(0);
      out.push(Finished{id, std::move(result)});
    });
  }
}

std::shared_ptr<const MarketData> WorkerSession::slice_of(const std::string& hash,
                                                          const MarketData& data, BarSpan span) {
  if (span.begin >= span.end || span.end > data.size()) return nullptr;
  const std::string key =
      hash + "[" + std::to_string(span.begin) + ":" + std::to_string(span.end) + ")";
  if (auto hit = slices_.find(key)) return hit;
  auto part = slice_market_data(*data.series, span);
  slices_.put(key, part);
  return part;
}

void WorkerSession::report_unrun(const protocol::TrialsBatch& b, TrialState status,
                                 const std::string& why) {
  for (const protocol::BatchTrial& t : b.trials) {
    report(unrun_result(*options_.clock, b.job, t, status, why));
  }
}

void WorkerSession::report(protocol::TrialResult r) {
  if (held_ > 0) --held_;
  // While greeting, the freed slot is granted by the credit sent on welcome.
  if (state_ == State::kReady) ++credit_owed_;
  unsent_.push_back(std::move(r));
}

void WorkerSession::on_outbox() {
  for (OutboxItem& item : outbox_.take()) {
    if (auto* f = std::get_if<Finished>(&item)) {
      on_finished(std::move(*f));
    } else if (auto* l = std::get_if<Loaded>(&item)) {
      on_loaded(std::move(*l));
    } else if (pub_ && state_ == State::kReady) {
      const std::string bytes = protocol::encode(std::get<protocol::Tick>(item));
      (void)pub_->send(zmq::buffer(kTickTopic),
                       zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      (void)pub_->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    }
  }
}

void WorkerSession::on_finished(Finished f) {
  auto it = tasks_.find(f.task);
  if (it == tasks_.end()) return;
  const bool by_shutdown = it->second.control->shutdown.load();
  if (!f.ran && state_ == State::kStopping) {
    // Dropped from the queue by the drain: never started, so the lease is handed back.
    hand_back_.push_back({it->second.job, it->second.trial.index, it->second.trial.attempt});
    tasks_.erase(it);
    if (held_ > 0) --held_;
    return;
  }
  tasks_.erase(it);
  if (by_shutdown && f.result.status == TrialState::kCancelled) {
    // Stopped because this worker is leaving, not because its job was cancelled: no result,
    // so that the broker re-queues the trial when it reads our bye.
    if (held_ > 0) --held_;
    return;
  }
  report(std::move(f.result));
}

void WorkerSession::on_cancel(const std::string& job) {
  if (!job_cancelled(job)) {
    cancelled_jobs_.push_back(job);
    if (cancelled_jobs_.size() > kRememberedCancels) cancelled_jobs_.pop_front();
  }
  for (auto& [id, task] : tasks_) {
    if (task.job == job) task.control->cancel.store(true);
  }
  pool_.drop(job);  // queued trials come back through the outbox as cancelled
  for (auto& [hash, batches] : awaiting_) {
    for (auto it = batches.begin(); it != batches.end();) {
      if (it->job == job) {
        report_unrun(*it, TrialState::kCancelled, "");
        it = batches.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::erase_if(awaiting_, [](const auto& kv) { return kv.second.empty(); });
}

void WorkerSession::on_crash_reports() {
  while (auto report = CrashSignals::read_report()) {
    // What finished before the fault still counts: send it ahead of the crash.
    on_outbox();
    flush_results();
    protocol::Crashed m;
    m.signal = static_cast<uint32_t>(report->signal);
    m.signal_name = signal_name(report->signal);
    m.description = signal_description(report->signal);
    if (auto it = tasks_.find(report->task); it != tasks_.end()) {
      m.trial =
          protocol::TrialRef{it->second.job, it->second.trial.index, it->second.trial.attempt};
    }
    log("dying by " + m.signal_name + " (" + m.description + ")" +
        (m.trial ? " in trial " + std::to_string(m.trial->index) + " of job " + m.trial->job
                 : std::string()));
    if (state_ == State::kGreeting || !dealer_) {
      CrashSignals::acknowledge();  // no broker to tell
      continue;
    }
    send(m);
  }
}

bool WorkerSession::job_cancelled(const std::string& job) const {
  return std::find(cancelled_jobs_.begin(), cancelled_jobs_.end(), job) != cancelled_jobs_.end();
}

void WorkerSession::watchdog() {
  if (this->now() - last_watchdog_ < kWatchdogInterval) return;
  last_watchdog_ = this->now();
  const int64_t now = options_.clock->wall_ms();
  // The pool starts tasks in id order, so past the first few not started (at most one per slot
  // is taken but not yet marked started) none has started: thousands may be queued behind.
  size_t not_started = 0;
  for (auto& [id, task] : tasks_) {
    const int64_t started = task.control->started_ms.load();
    if (started == 0) {
      if (++not_started > hello_.slots) break;
      continue;
    }
    if (task.timeout_s <= 0 || task.control->timed_out.load()) continue;
    if (static_cast<double>(now - started) >= task.timeout_s * 1000.0) {
      task.control->timed_out.store(true);
      task.control->cancel.store(true);
    }
  }
}

void WorkerSession::keepalive() {
  const auto now = this->now();
  const auto interval = std::chrono::milliseconds(heartbeat_ms_);
  if (now - last_heard_ > interval * liveness_) {
    if (state_ == State::kStopping) return;
    log(state_ == State::kReady ? "broker silent; reconnecting" : "no welcome; saying hello again");
    connect_backend();
    return;
  }
  // Draining too: the running trials may take the whole drain_timeout, and a silent worker
  // would be given up (and its trials charged an attempt).
  if (state_ != State::kGreeting && now - last_sent_ >= interval) send(protocol::Heartbeat{});
  if (state_ == State::kReady && now - last_health_ >= interval / 2) update_health();
}

void WorkerSession::begin_stop() {
  const bool welcomed = state_ == State::kReady;
  state_ = State::kStopping;
  update_health();  // not ready: orchestrators stop counting on it
  // Queued trials (and batches waiting for their dataset) never start: their leases go back at
  // once, so that other workers run them while the running ones finish.
  pool_.drop_all();  // each comes back through the outbox as not run
  on_outbox();
  for (const auto& [hash, batches] : awaiting_) {
    for (const protocol::TrialsBatch& b : batches) {
      for (const protocol::BatchTrial& t : b.trials) {
        hand_back_.push_back({b.job, t.index, t.attempt});
        if (held_ > 0) --held_;
      }
    }
  }
  awaiting_.clear();
  spdlog::info("draining: {} trials handed back, {} running (drain timeout {} ms)",
               hand_back_.size(), tasks_.size(), options_.drain_timeout.count());
  if (welcomed) send_hand_back();
}

void WorkerSession::cancel_running() {
  if (!tasks_.empty()) {
    spdlog::warn("drain timeout: {} trials still running are cancelled and handed back",
                 tasks_.size());
  }
  for (auto& [id, task] : tasks_) {
    task.control->shutdown.store(true);
    task.control->cancel.store(true);
  }
}

void WorkerSession::send_hand_back() {
  size_t first = 0;
  do {
    const size_t last = std::min(hand_back_.size(), first + kMaxBatchTrials);
    protocol::Draining m;
    m.trials.assign(hand_back_.begin() + static_cast<ptrdiff_t>(first),
                    hand_back_.begin() + static_cast<ptrdiff_t>(last));
    send(m);
    first = last;
  } while (first < hand_back_.size());
  hand_back_.clear();
}

void WorkerSession::update_health() {
  if (!health_.enabled()) return;
  if (state_ != State::kReady) return health_.remove();
  last_health_ = this->now();
  const std::string content = "worker " + hello_.worker + "\nbroker " + options_.broker + "\n";
  if (Status s = health_.write(content); !s.ok()) log(s.message());
}

}  // namespace sweep::worker
