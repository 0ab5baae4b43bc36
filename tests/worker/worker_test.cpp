// The worker: slot pool and dataset cache units, and a worker session driven by a fake broker
// (ROUTER backend, XPUB events, SUB telemetry on ephemeral loopback ports). Every wait has a
// deadline; none is a fixed sleep.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "dataset_cache.hpp"
#include "equity_filter.hpp"
#include "session.hpp"
#include "slot_pool.hpp"
#include "sweep/data/csv_loader.hpp"
#include "sweep/data/dataset.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/engine/trial_runner.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::worker {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// SlotPool

TEST(SlotPool, RunsAtMostSlotsAtOnceAndAllTasks) {
  constexpr int kTasks = 12;
  std::mutex mu;
  std::condition_variable cv;
  int active = 0, peak = 0, done = 0;
  bool release = false;
  {
    SlotPool pool(3);
    for (int i = 0; i < kTasks; ++i) {
      pool.submit("j", [&](bool run) {
        ASSERT_TRUE(run);
        std::unique_lock lock(mu);
        peak = std::max(peak, ++active);
        cv.notify_all();
        cv.wait_for(lock, 10s, [&] { return release; });
        --active;
        ++done;
        cv.notify_all();
      });
    }
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return active == 3; }));
    EXPECT_EQ(pool.queued(), size_t{kTasks - 3});
    release = true;
    cv.notify_all();
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return done == kTasks; }));
  }
  EXPECT_EQ(peak, 3);
}

TEST(SlotPool, DropCallsQueuedTasksOfThatKeyWithFalse) {
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, release = false;
  std::atomic<int> ran{0}, dropped{0};
  {
    SlotPool pool(1);
    pool.submit("a", [&](bool run) {
      std::unique_lock lock(mu);
      started = true;
      cv.notify_all();
      cv.wait_for(lock, 10s, [&] { return release; });
      if (run) ++ran;
    });
    {
      std::unique_lock lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return started; }));
    }
    for (const char* key : {"a", "b", "a"}) {
      pool.submit(key, [&](bool run) { run ? ++ran : ++dropped; });
    }
    EXPECT_EQ(pool.drop("a"), 2u);
    EXPECT_EQ(dropped.load(), 2);
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
  }  // the destructor waits for the running task and runs or drops "b"
  EXPECT_EQ(ran.load() + dropped.load(), 4);
}

// ---------------------------------------------------------------------------------------------
// DatasetCache

std::shared_ptr<const MarketData> data_of(size_t bars, uint64_t seed) {
  return MarketData::Build(std::make_shared<const TimeSeries>(make_synthetic(bars, seed)));
}

// A trial's equity curve goes back only while it is among the k best this worker ran for the
// job: every trial of the job's final top-k is among them.
TEST(EquityFilter, AdmitsOnlyTheRunningTopKPerJob) {
  worker::EquityFilter f;
  const Objective maximize{Metric::kSharpe, true};
  EXPECT_TRUE(f.admit("a", maximize, 2, 0, 1.0));
  EXPECT_TRUE(f.admit("a", maximize, 2, 1, 0.5));
  EXPECT_FALSE(f.admit("a", maximize, 2, 2, 0.4));  // two better ones already
  EXPECT_TRUE(f.admit("a", maximize, 2, 3, 2.0));
  EXPECT_FALSE(f.admit("a", maximize, 2, 4, 0.7));  // 2.0 and 1.0 are ahead
  EXPECT_FALSE(f.admit("a", maximize, 2, 5, NAN));  // undefined ranks last
  // Another job, and a minimizing one, start their own.
  EXPECT_TRUE(f.admit("b", maximize, 2, 2, 0.4));
  const Objective minimize{Metric::kMaxDrawdownPct, false};
  EXPECT_TRUE(f.admit("c", minimize, 1, 0, -5.0));
  EXPECT_TRUE(f.admit("c", minimize, 1, 1, -9.0));
  EXPECT_FALSE(f.admit("c", minimize, 1, 2, -1.0));
}

TEST(DatasetCache, EvictsLeastRecentlyUsed) {
  DatasetCache cache(2);
  auto a = data_of(50, 1), b = data_of(50, 2), c = data_of(50, 3);
  cache.put("a", a);
  cache.put("b", b);
  EXPECT_EQ(cache.find("a"), a);  // a is now the most recent
  cache.put("c", c);              // evicts b
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_EQ(cache.find("a"), a);
  EXPECT_EQ(cache.find("c"), c);
  EXPECT_EQ(cache.size(), 2u);
  cache.put("c", a);  // replace keeps one entry
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.find("c"), a);
}

TEST(DatasetCache, MarketDataFromCsvChecksTheHash) {
  const TimeSeries s = make_synthetic(200, 9);
  const std::string csv = to_csv(s);
  auto ok = market_data_from_csv(csv, dataset_hash(s));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)->size(), 200u);
  auto bad = market_data_from_csv(csv, "deadbeef");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("hash mismatch"), std::string::npos);
  auto garbage = market_data_from_csv("not,a\ncsv", "x");
  EXPECT_FALSE(garbage.ok());
}

// ---------------------------------------------------------------------------------------------
// A fake broker and an in-process worker session.

std::string last_endpoint(zmq::socket_t& s) {
  return s.get(zmq::sockopt::last_endpoint);
}

class FakeBroker {
 public:
  FakeBroker()
      : backend_(ctx_, zmq::socket_type::router),
        events_(ctx_, zmq::socket_type::xpub),
        telemetry_(ctx_, zmq::socket_type::sub) {
    for (zmq::socket_t* s : {&backend_, &events_, &telemetry_}) s->set(zmq::sockopt::linger, 0);
    backend_.bind("tcp://127.0.0.1:*");
    events_.bind("tcp://127.0.0.1:*");
    telemetry_.set(zmq::sockopt::subscribe, kTickTopic);
    telemetry_.bind("tcp://127.0.0.1:*");
  }
  std::string backend_ep() { return last_endpoint(backend_); }
  protocol::Welcome welcome(uint32_t heartbeat_ms) {
    // Liveness 50: the test's waits on ticks and subscriptions do not answer heartbeats.
    return {last_endpoint(events_), last_endpoint(telemetry_), heartbeat_ms, 50};
  }

  // The next worker message; tracks credit (granted - results) against the hello's slots.
  std::optional<protocol::WorkerMessage> recv(Clock::duration timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      zmq::pollitem_t item{backend_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 20ms);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> frames;
      (void)zmq::recv_multipart(backend_, std::back_inserter(frames));
      EXPECT_EQ(frames.size(), 2u);
      identity_ = frames[0].to_string();
      auto m = protocol::decode_worker_message(frames.back().to_string_view());
      EXPECT_TRUE(m.ok()) << m.status().ToString();
      if (!m.ok()) continue;
      if (auto* h = std::get_if<protocol::Hello>(&*m)) slots_ = h->slots;
      if (auto* c = std::get_if<protocol::Credit>(&*m)) outstanding_ += c->credit;
      if (std::holds_alternative<protocol::TrialResult>(*m)) --outstanding_;
      if (auto* rs = std::get_if<protocol::TrialResults>(&*m)) {
        outstanding_ -= static_cast<int64_t>(rs->results.size());
        outstanding_ += rs->credit;
      }
      if (std::holds_alternative<protocol::Heartbeat>(*m)) send(protocol::Heartbeat{});
      EXPECT_LE(outstanding_, static_cast<int64_t>(slots_ * worker::kQueuePerSlot))
          << "credit beyond the worker's capacity";
      return std::move(m).value();
    }
    return std::nullopt;
  }
  // The next message of type T, skipping heartbeats and credits.
  template <class T>
  std::optional<T> expect(Clock::duration timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    while (auto m = recv(deadline - Clock::now())) {
      if (auto* t = std::get_if<T>(&*m)) return *t;
      const bool routine = std::holds_alternative<protocol::Heartbeat>(*m) ||
                           std::holds_alternative<protocol::Credit>(*m);
      EXPECT_TRUE(routine) << "unexpected " << protocol::type_name(*m);
    }
    return std::nullopt;
  }
  void send(const protocol::BrokerMessage& m) {
    const std::string bytes = protocol::encode(m);
    backend_.send(zmq::buffer(identity_), zmq::send_flags::sndmore);
    backend_.send(zmq::buffer(bytes));
  }
  // Waits until the worker's SUB has subscribed to "cancel." (XPUB sees the subscription).
  bool wait_cancel_subscription(Clock::duration timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      zmq::pollitem_t item{events_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, 20ms);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      zmq::message_t m;
      (void)events_.recv(m);
      const std::string s = m.to_string();
      if (!s.empty() && s[0] == 1 && s.substr(1) == kCancelPrefix) return true;
    }
    return false;
  }
  void publish_cancel(const std::string& job) {
    const std::string topic = cancel_topic(job);
    const std::string bytes = protocol::encode(protocol::Event{protocol::CancelEvent{job}});
    events_.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    events_.send(zmq::buffer(bytes));
  }
  std::optional<protocol::Tick> tick(Clock::duration timeout = 10s) {
    zmq::pollitem_t item{telemetry_.handle(), 0, ZMQ_POLLIN, 0};
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      zmq::poll(&item, 1, 20ms);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      std::vector<zmq::message_t> frames;
      (void)zmq::recv_multipart(telemetry_, std::back_inserter(frames));
      if (frames.size() != 2) continue;
      auto t = protocol::decode_tick(frames[1].to_string_view());
      if (t.ok()) return *t;
    }
    return std::nullopt;
  }
  int64_t outstanding() const { return outstanding_; }

 private:
  zmq::context_t ctx_;
  zmq::socket_t backend_, events_, telemetry_;
  std::string identity_;
  uint32_t slots_ = 0;
  int64_t outstanding_ = 0;
};

class WorkerSessionTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kSlots = 2;

  void SetUp() override {
    registry_ = StrategyRegistry::WithBuiltins();
    Status s = registry_.load_plugin(SWEEP_LIB_DIR "/libsweep_test_plugin.so");
    ASSERT_TRUE(s.ok()) << s.ToString();
    WorkerOptions o;
    o.broker = broker_.backend_ep();
    o.slots = kSlots;
    o.heartbeat_ms = 200;
    session_ = std::make_unique<WorkerSession>(o, registry_);
    thread_ = std::thread([this] { exit_code_ = session_->run(stop_); });

    auto hello = broker_.expect<protocol::Hello>();
    ASSERT_TRUE(hello);
    EXPECT_EQ(hello->slots, kSlots);
    EXPECT_EQ(hello->version, SWEEP_VERSION);
    for (const char* name : {"sma_cross", "throw_at_bar", "slow"}) {
      EXPECT_NE(std::find(hello->strategies.begin(), hello->strategies.end(), name),
                hello->strategies.end())
          << name;
    }
    broker_.send(broker_.welcome(200));
  }
  void TearDown() override {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    EXPECT_EQ(exit_code_, 0);
  }

  protocol::TrialsBatch batch(std::string job, std::string strategy,
                              std::vector<protocol::BatchTrial> trials) {
    protocol::TrialsBatch b;
    b.job = std::move(job);
    b.dataset.hash = hash_;
    b.strategy = std::move(strategy);
    b.trials = std::move(trials);
    return b;
  }
  // Sends the batch and answers the dataset request if one comes (first batch only).
  void send_batch(const protocol::TrialsBatch& b, bool expect_dataset_request) {
    broker_.send(b);
    if (!expect_dataset_request) return;
    auto req = broker_.expect<protocol::DatasetRequest>();
    ASSERT_TRUE(req);
    EXPECT_EQ(req->hash, hash_);
    broker_.send(protocol::Dataset{hash_, to_csv(series_)});
  }
  std::vector<protocol::TrialResult> results(size_t n, Clock::duration timeout = 20s) {
    std::vector<protocol::TrialResult> out;
    const auto deadline = Clock::now() + timeout;
    while (out.size() < n) {
      auto m = broker_.recv(deadline - Clock::now());
      if (!m) break;
      if (auto* r = std::get_if<protocol::TrialResult>(&*m)) out.push_back(std::move(*r));
      if (auto* rs = std::get_if<protocol::TrialResults>(&*m)) {
        for (auto& r : rs->results) out.push_back(std::move(r));
      }
    }
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.index < b.index; });
    return out;
  }

  TimeSeries series_ = make_synthetic(20'000, 7);
  std::string hash_ = dataset_hash(series_);
  FakeBroker broker_;
  StrategyRegistry registry_;
  std::unique_ptr<WorkerSession> session_;
  std::atomic<bool> stop_{false};
  int exit_code_ = -1;
  std::thread thread_;
};

ParamSet params(std::vector<std::pair<std::string, ParamValue>> kv) {
  ParamSet p;
  for (auto& [k, v] : kv) p.set(k, v);
  return p;
}

TEST_F(WorkerSessionTest, SmaCrossResultsMatchInProcessRunsBitForBit) {
  std::vector<protocol::BatchTrial> trials = {
      {0, 1, params({{"fast", int64_t{10}}, {"slow", int64_t{30}}, {"mode", "long_short"}})},
      {1, 1, params({{"fast", int64_t{5}}, {"slow", int64_t{50}}, {"mode", "long_only"}})},
      {2, 2, params({{"fast", int64_t{30}}, {"slow", int64_t{10}}})},  // rejected: fast >= slow
  };
  send_batch(batch("job-a", "sma_cross", trials), true);
  auto got = results(3);
  ASSERT_EQ(got.size(), 3u);

  auto data = MarketData::Build(std::make_shared<const TimeSeries>(series_));
  const StrategyInfo* sma = registry_.find("sma_cross");
  for (size_t i = 0; i < 3; ++i) {
    const TrialOutcome want = run_trial(*data, *sma, trials[i].params, EngineOptions{});
    const protocol::TrialResult& r = got[i];
    EXPECT_EQ(r.job, "job-a");
    EXPECT_EQ(r.attempt, trials[i].attempt);
    EXPECT_EQ(r.status, want.status) << i;
    EXPECT_TRUE(r.metrics == want.metrics) << i;  // bitwise
    EXPECT_EQ(r.trades, want.trades.size());
    EXPECT_EQ(r.equity, downsample(want.equity, 2000));
    EXPECT_LE(r.equity.size(), 2000u);
    EXPECT_EQ(r.error_message, want.error_message);
    EXPECT_LE(r.started_at, r.finished_at);
  }
  EXPECT_EQ(got[0].status, TrialState::kCompleted);
  EXPECT_EQ(got[0].bars, series_.size());
  EXPECT_GT(got[0].trades, 0u);
  EXPECT_EQ(got[2].status, TrialState::kFailed);

  // A second batch over the cached dataset needs no dataset request; failure of a throw.
  send_batch(batch("job-b", "throw_at_bar", {{0, 1, params({{"bar", int64_t{100}}})}}), false);
  auto failed = results(1);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].status, TrialState::kFailed);
  EXPECT_EQ(failed[0].error_message, "boom at bar 100");
  EXPECT_FALSE(failed[0].error_stack_trace.empty());
  EXPECT_TRUE(failed[0].equity.empty());

  // Every credit comes back once the worker is idle: its whole capacity.
  const int64_t capacity = int64_t{kSlots} * worker::kQueuePerSlot;
  const auto deadline = Clock::now() + 10s;
  while (broker_.outstanding() < capacity && Clock::now() < deadline) (void)broker_.recv(100ms);
  EXPECT_EQ(broker_.outstanding(), capacity);
}

// A walk-forward train trial runs over its window's bars only, as a dataset of their own; a span
// outside the dataset fails the trial, named.
TEST_F(WorkerSessionTest, ATrialsBarsAreItsWholeDataset) {
  const ParamSet p = params({{"fast", int64_t{10}}, {"slow", int64_t{30}}});
  std::vector<protocol::BatchTrial> trials = {{0, 1, p, BarSpan{5000, 9000}},
                                              {1, 1, p, BarSpan{15000, 20000}},
                                              {2, 1, p, BarSpan{15000, 20001}}};
  send_batch(batch("job-w", "sma_cross", trials), true);
  auto got = results(3);
  ASSERT_EQ(got.size(), 3u);
  const StrategyInfo* sma = registry_.find("sma_cross");
  for (size_t i = 0; i < 2; ++i) {
    const TrialOutcome want =
        run_trial(*slice_market_data(series_, *trials[i].bars), *sma, p, EngineOptions{});
    ASSERT_EQ(got[i].status, TrialState::kCompleted) << got[i].error_message;
    EXPECT_TRUE(got[i].metrics == want.metrics) << i;  // bitwise
    EXPECT_EQ(got[i].bars, trials[i].bars->size());
  }
  EXPECT_FALSE(got[0].metrics == got[1].metrics) << "other bars, other numbers";
  EXPECT_EQ(got[2].status, TrialState::kFailed);
  EXPECT_EQ(got[2].error_message,
            "batch.trials.bars: [15000, 20001) is not within the dataset's 20000 bars");
}

TEST_F(WorkerSessionTest, CancelEventStopsASlowTrialPromptly) {
  ASSERT_TRUE(broker_.wait_cancel_subscription());
  // 20 000 bars at 500 us: 10 s if not cancelled.
  auto b = batch("job-slow", "slow",
                 {{0, 1, params({{"us_per_bar", int64_t{500}}})},
                  {1, 1, params({{"us_per_bar", int64_t{500}}})},
                  {2, 1, params({{"us_per_bar", int64_t{500}}})}});
  send_batch(b, true);
  auto tick = broker_.tick();  // the trial is running
  ASSERT_TRUE(tick);
  EXPECT_EQ(tick->job, "job-slow");
  EXPECT_EQ(tick->bars_total, series_.size());
  const auto cancelled_at = Clock::now();
  broker_.publish_cancel("job-slow");
  auto got = results(3, 8s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_LT(Clock::now() - cancelled_at, 5s);
  for (const auto& r : got) {
    EXPECT_EQ(r.status, TrialState::kCancelled) << r.index;
    EXPECT_LT(r.bars, series_.size());
  }
}

TEST_F(WorkerSessionTest, TimedOutTrialFails) {
  auto b = batch("job-t", "slow", {{4, 1, params({{"us_per_bar", int64_t{500}}})}});
  b.trial_timeout_s = 0.5;
  send_batch(b, true);
  auto got = results(1, 8s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, TrialState::kFailed);
  EXPECT_EQ(got[0].error_message, "timed out after 0.5 s");
}

TEST_F(WorkerSessionTest, WrongDatasetHashFailsTheTrials) {
  auto b =
      batch("job-h", "sma_cross", {{0, 1, params({{"fast", int64_t{10}}, {"slow", int64_t{30}}})}});
  broker_.send(b);
  auto req = broker_.expect<protocol::DatasetRequest>();
  ASSERT_TRUE(req);
  broker_.send(protocol::Dataset{hash_, to_csv(make_synthetic(100, 1))});
  auto got = results(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, TrialState::kFailed);
  EXPECT_NE(got[0].error_message.find("hash mismatch"), std::string::npos);
}

}  // namespace
}  // namespace sweep::worker

namespace sweep::worker {
namespace {

// A synthetic dataset is generated by the worker itself (no dataset request, no CSV over the
// wire); a source it cannot make, or one that hashes differently, is asked for.
TEST_F(WorkerSessionTest, SyntheticDatasetsAreMadeLocallyWithoutAskingTheBroker) {
  auto b = batch("job-syn", "sma_cross",
                 {{0, 1, params({{"fast", int64_t{10}}, {"slow", int64_t{30}}})}});
  b.dataset.source = {{"synthetic", {{"bars", 20'000}, {"seed", 7}}}};  // series_ exactly
  broker_.send(b);
  auto got = results(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, TrialState::kCompleted);
  EXPECT_EQ(got[0].bars, 20'000u);

  EXPECT_EQ(market_data_from_source({{"synthetic", {{"bars", 20'000}, {"seed", 8}}}}, hash_),
            nullptr);  // another seed: another hash
  EXPECT_EQ(market_data_from_source({{"path", "GOOG.csv"}}, hash_), nullptr);
  EXPECT_NE(market_data_from_source({{"synthetic", {{"bars", 20'000}, {"seed", 7}}}}, hash_),
            nullptr);
}

// The session reads only the clock it is given: on a FakeClock no heartbeat falls due and the
// broker is never given up until the test advances the clock past liveness x heartbeat, and
// results carry the fake wall time.
TEST(WorkerSessionOnAFakeClock, LeavesASilentBrokerOnlyWhenTheClockSaysSo) {
  StrategyRegistry registry = StrategyRegistry::WithBuiltins();
  auto clock = std::make_shared<FakeClock>();
  FakeBroker broker;
  WorkerOptions o;
  o.broker = broker.backend_ep();
  o.heartbeat_ms = 200;
  o.clock = clock;
  WorkerSession session(o, registry);
  std::atomic<bool> stop{false};
  int exit_code = -1;
  std::thread thread([&] { exit_code = session.run(stop); });

  ASSERT_TRUE(broker.expect<protocol::Hello>());
  broker.send(broker.welcome(200));  // liveness 50: 10 s of silence
  ASSERT_TRUE(broker.expect<protocol::Credit>());
  protocol::TrialsBatch b;
  b.job = "job-clock";
  b.strategy = "sma_cross";
  b.dataset.source = {{"synthetic", {{"bars", 2'000}, {"seed", 7}}}};
  b.dataset.hash = dataset_hash(make_synthetic(2'000, 7));
  b.trials = {{0, 1, params({{"fast", int64_t{10}}, {"slow", int64_t{30}}})}};
  broker.send(b);
  std::optional<protocol::TrialResult> result;
  while (auto m = broker.recv(10s)) {
    if (auto* rs = std::get_if<protocol::TrialResults>(&*m); rs && !rs->results.empty()) {
      result = rs->results[0];
      break;
    }
    ASSERT_FALSE(std::holds_alternative<protocol::Heartbeat>(*m)) << "the fake clock has not moved";
  }
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, TrialState::kCompleted);
  EXPECT_EQ(result->started_at, FakeClock::kStartWallMs);
  EXPECT_EQ(result->finished_at, FakeClock::kStartWallMs);

  clock->advance(10s + 1ms);
  auto hello = broker.expect<protocol::Hello>(10s);
  EXPECT_TRUE(hello) << "a broker silent past liveness x heartbeat is greeted again";
  stop = true;
  thread.join();
  EXPECT_EQ(exit_code, 0);
}

}  // namespace
}  // namespace sweep::worker
