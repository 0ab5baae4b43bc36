#include "broker.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "sweep/base/log.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::broker {

namespace {
constexpr auto kProgressPeriod = std::chrono::milliseconds(100);  // at most ~10 events/s/job
constexpr auto kFullProgressPeriod = std::chrono::seconds(1);     // every live job, changed or not
constexpr int kMaxMessagesPerSocket = 256;
constexpr uint64_t kLoopBusyTimeoutMs = 1000;
// How often the database file is checked (two or three stats): how long a deleted or replaced
// file can go unnoticed.
constexpr auto kDbCheckPeriod = std::chrono::seconds(1);
// Scans over every lease, worker and job (expiry, silence, stalled finishes) run at most this
// often, not after every poll: under load the loop turns thousands of times a second.
constexpr auto kHousekeepingPeriod =
    std::chrono::milliseconds(20);  // per poll round, so no socket starves the others

// How long run() waits for the writer at exit: what it has not written then is lost (trials run
// again after a restart).
constexpr auto kFinalFlush = std::chrono::seconds(5);

}  // namespace

Broker::Broker(BrokerConfig config, zmq::context_t& ctx)
    : config_(std::move(config)),
      clock_(*(config_.clock ? config_.clock : config_.clock = system_clock())),
      ctx_(ctx),
      registry_(StrategyRegistry::WithBuiltins()),
      workers_(config_.heartbeat_ms, config_.heartbeat_liveness),
      rng_(std::random_device{}()) {}

// The completion thread may be running a strategy of registry_ (an out-of-sample run), which is
// destroyed before it otherwise.
Broker::~Broker() {
  completions_.reset();
}

Result<std::unique_ptr<Broker>> Broker::create(BrokerConfig config, zmq::context_t& ctx) {
  std::unique_ptr<Broker> b(new Broker(std::move(config), ctx));
  Status s = b->init();
  if (!s.ok()) return s;
  return b;
}

Status Broker::init() {
  // One broker per database, settled before anything opens, resumes or migrates it.
  auto lock = DbLock::acquire(config_.db_path, now_ms());
  if (!lock.ok()) return lock.status();
  db_lock_.emplace(std::move(lock).value());
  for (const auto& p : config_.plugins) {
    Status s = registry_.load_plugin(p);
    if (!s.ok()) return s;
  }
  // The loop's own connection (job inserts, final states, queries) waits for a lock held elsewhere
  // less than a worker's heartbeat liveness, so that a locked database makes a submit fail with
  // `unavailable` rather than stall the loop until workers give the broker up. The writer waits
  // as long: it retries a failed transaction anyway, and its failure is what tells finalize()
  // not to wait for it.
  StoreOptions store_options;
  store_options.busy_timeout_ms = static_cast<int>(std::min<uint64_t>(
      kLoopBusyTimeoutMs, uint64_t{config_.heartbeat_ms} * config_.heartbeat_liveness / 2));
  store_options.max_page_count = config_.max_db_pages;
  // Its commits (a job before `accepted`, a final state before its event) survive an OS crash.
  StoreOptions loop_options = store_options;
  loop_options.durable_commits = true;
  auto store = Store::open(config_.db_path, loop_options);
  if (!store.ok()) return store.status();
  store_ = std::make_unique<Store>(std::move(store).value());
  StoreWriterOptions wo;
  wo.store = store_options;
  wo.on_error = [](const Status& s) { spdlog::error("store: {}", s.ToString()); };
  auto writer = StoreWriter::start(config_.db_path, wo);
  if (!writer.ok()) return writer.status();
  writer_ = std::move(writer).value();
  // Off the loop, so it may wait for a lock as long as the writer does.
  auto datasets = DatasetLanes::start(config_.db_path, store_options, config_.data_dirs, *store_);
  if (!datasets.ok()) return datasets.status();
  datasets_ = std::move(datasets).value();
  // Its CSCV shares the machine with the loop and, often, workers: a few threads at most.
  auto completions = CompletionWorker::start(
      config_.db_path, store_options, std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  if (!completions.ok()) return completions.status();
  completions_ = std::move(completions).value();
  // The files as they are now, with every connection open (the -wal exists, and stays while
  // one is open).
  db_watch_.emplace(
      std::vector<std::string>{config_.db_path, config_.db_path + "-wal", db_lock_->path()});

  if (config_.curve && (config_.allow.clients || config_.allow.workers)) {
    auto zap = ZapHandler::start(ctx_, config_.allow, config_.clock);
    if (!zap.ok()) return zap.status();
    zap_ = std::move(zap).value();
  }
  auto transport = Transport::bind(ctx_, config_.endpoints, config_.limits, config_.curve);
  if (!transport.ok()) return transport.status();
  transport_ = std::move(transport).value();
  const auto& ep = transport_->bound();
  db_lock_->describe({{"frontend", ep.frontend},
                      {"backend", ep.backend},
                      {"events", ep.events},
                      {"telemetry", ep.telemetry}});
  return resume_jobs();
}

void Broker::run() {
  while (stops_.load() == 0) poll_once(std::chrono::milliseconds(50));
  begin_drain();
  const SteadyTime until = now() + config_.drain_grace;
  while (stops_.load() < 2 && now() < until) poll_once(std::chrono::milliseconds(20));
  if (!writer_->flush(kFinalFlush).ok()) spdlog::error("store: writes still pending at exit");
  spdlog::info("drained: {} trial leases held by workers run again after a restart",
               leases_.size());
}

void Broker::poll_once(std::chrono::milliseconds timeout) {
  const auto ready = transport_->poll(timeout, datasets_->fds());
  if (!ready) return;
  // A bug in a handler must not take the broker down: log it and serve on.
  auto guarded = [](const char* what, auto&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      spdlog::error("{}: {}", what, e.what());
    }
  };
  auto drain = [&](bool readable, Socket socket, auto handler) {
    for (int i = 0; i < kMaxMessagesPerSocket && readable; ++i) {
      bool more = false;
      guarded("poll", [&] { more = transport_->has_input(socket); });
      if (!more) break;
      guarded("handler", handler);
    }
  };
  drain(ready->frontend, Socket::kFrontend, [this] { on_frontend(); });
  drain(ready->backend, Socket::kBackend, [this] { on_backend(); });
  drain(ready->telemetry, Socket::kTelemetry, [this] { on_telemetry(); });
  drain(ready->events, Socket::kEvents, [this] { on_subscription(); });
  if (ready->extra_fd) guarded("datasets", [this] { on_dataset_work(); });
  guarded("timer", [this] { on_timer(); });
}

void Broker::on_dataset_work() {
  for (auto& done : datasets_->take()) {
    std::visit(
        [this](auto& d) {
          if constexpr (std::is_same_v<std::decay_t<decltype(d)>, Prepared>) {
            on_prepared(std::move(d));
          } else {
            on_served(std::move(d));
          }
        },
        done);
  }
}

void Broker::on_timer() {
  const auto now = this->now();
  if (now >= next_housekeeping_) {
    next_housekeeping_ = now + kHousekeepingPeriod;
    housekeeping(now);
  }
  if (now >= next_db_check_) {
    next_db_check_ = now + kDbCheckPeriod;
    check_db_file();
  }
  if (now >= next_heartbeat_) {
    next_heartbeat_ = now + std::chrono::milliseconds(config_.heartbeat_ms);
    for (const auto& [id, s] : workers_.all()) send_worker(id, protocol::Heartbeat{});
  }
  if (now >= next_progress_) {
    next_progress_ = now + kProgressPeriod;
    const bool full = now >= next_full_progress_;
    if (full) next_full_progress_ = now + kFullProgressPeriod;
    for (auto& [id, job] : jobs_.all()) {
      if (job->dirty || full) publish_progress(*job);
    }
  }
  dispatch();
}

void Broker::housekeeping(SteadyTime now) {
  // Workers silent too long are dead; their trials go back to the queue.
  for (const auto& id : workers_.lost(now)) {
    drop_worker(id, "missed heartbeats", SessionState::kLost);
  }
  expire_trials(now);
  on_completions();
  // Retry final writes that failed, and jobs that ended without a result arriving.
  std::vector<LiveJob*> live;
  for (auto& [id, job] : jobs_.all()) live.push_back(job.get());
  for (LiveJob* job : live) maybe_finish(*job);
}

void Broker::check_db_file() {
  // For good once set: the connections stay on the old file whatever appears at the path later.
  if (!store_error_.empty() || !db_watch_) return;
  auto why = db_watch_->check();
  if (!why) return;
  store_error_ = std::move(*why);
  spdlog::error(
      "{}: whatever is stored now is lost when the broker exits, so submits are refused and no "
      "trials are dispatched; restart the broker",
      store_error_);
}

void Broker::on_subscription() {
  const auto frames = transport_->receive(Socket::kEvents);
  if (frames.empty() || frames[0].size() == 0) return;
  const zmq::message_t& msg = frames[0];
  const auto* bytes = static_cast<const char*>(msg.data());
  std::string topic(bytes + 1, msg.size() - 1);
  // XPUB passes a topic's first subscribe and its last unsubscribe (not duplicates), so the set
  // holds exactly the topics someone listens to.
  if (bytes[0] == 1) {
    subscriptions_.insert(std::move(topic));
  } else if (bytes[0] == 0) {
    subscriptions_.erase(topic);
  }
}

bool Broker::has_subscriber(const std::string& topic) const {
  for (const std::string& prefix : subscriptions_) {
    if (topic.starts_with(prefix)) return true;
  }
  return false;
}

void Broker::publish(const std::string& topic, const protocol::Event& ev) {
  // Nobody listening: encoding each trial event would cost more than the trial on small jobs.
  if (!has_subscriber(topic)) return;
  transport_->publish(topic, protocol::encode(ev));
}

void Broker::publish_progress(LiveJob& job, std::optional<JobState> final_state) {
  job.dirty = false;
  const size_t running = leases_.count_for_job(job.id);
  protocol::ProgressEvent ev;
  ev.job = job.id;
  ev.status = final_state.value_or(job.visible_state());
  ev.total = job.total;
  ev.completed = job.is_backtest() && job.completed == 0 ? job.bars_done : job.completed;
  ev.failed = job.failed;
  ev.running = running;
  ev.queued = job.queued_count(running);
  ev.progress = job.total ? std::min(1.0, double(ev.completed + ev.failed) / double(job.total)) : 0;
  ev.elapsed_s = job.elapsed_s(now());
  ev.eta_s = job.eta_s(now());
  publish(job_topic(job.id), ev);
}

LiveJob* Broker::find_live(const std::string& id) {
  return jobs_.find(id);
}

std::string Broker::new_job_id() {
  static const char* kHex = "0123456789abcdef";
  std::string id = "j";
  uint64_t a = rng_(), b = rng_();
  for (int i = 0; i < 12; ++i) id += kHex[(i < 8 ? a >> (i * 4) : b >> (i * 4)) & 15];
  return id;
}

}  // namespace sweep::broker
