// A hostile-client storm against a real sweep-broker process while a real job runs on a real
// worker: random bytes, random frame counts, truncated, oversized and absurd messages on the
// frontend, backend, telemetry and events sockets at once. Every frontend request that gets a reply
// gets its documented error code (docs/PROTOCOL.md §4.2, docs/LIMITS.md), a well-behaved client is
// answered throughout, the job completes with every trial recorded once, the broker lives on and
// its memory stays bounded.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <zmq.hpp>

#include "cluster.hpp"
#include "reliability_support.hpp"
#include "sanitizers.hpp"
#include "sweep/client.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr uint64_t kTrials = 40;        // of ~0.2 s each on a 2-slot worker: ~4 s of work
constexpr auto kStormTime = 4s;         // each storm thread stops after this ...
constexpr int kMaxStormRequests = 400;  // ... or this many requests
constexpr int kFrontendThreads = 3;
// Memory the storm may add to the broker. What it can hold at once: per frontend connection one
// request being decoded (<= max_request_bytes, ~1.1 MB, plus its msgpack and JSON trees, a few
// times that) and libzmq's queues (its reply queue to a hostile client that is slow to read);
// oversized frames are refused from their length header and never allocated. Observed growth is
// a few MB; 100 MB fails on a leak or an unbounded queue (1000 queued 1 MB requests) without
// failing on allocator noise.
constexpr uint64_t kRssGrowthBoundKib = 100 * 1024;
// Under AddressSanitizer freed memory waits in its quarantine (256 MB by default) and every
// allocation carries redzones and shadow: the broker's RSS then measures ASan, not the broker
// (the storm took it from 60 to 320 MB). The bound is checked in the plain build.
#if defined(SWEEP_TEST_ASAN)
constexpr bool kRssIsTheBrokers = false;
#else
constexpr bool kRssIsTheBrokers = true;
#endif
// The well-behaved client's deadline, and the bound on each of its status round trips: 2 s in
// the plain build (a dashboard's patience), times the sanitizer's slowdown.
constexpr auto kStatusDeadline = std::chrono::milliseconds(2000 * kSlowdown);

const std::string kMegabyte(1'000'000, 'x');

std::string random_bytes(std::mt19937_64& rng, size_t max_len) {
  std::string s(std::uniform_int_distribution<size_t>(0, max_len)(rng), '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// One hostile frontend message and the error it must get.
struct Case {
  std::string name;
  std::vector<std::string> frames;
  std::set<Code> codes;  // the error codes allowed
  std::string field;     // the field the error must name ("" = not checked)
  std::string req;       // the req the error must echo ("" = not checked)
};

json request(const std::string& type, const std::string& req, json fields = json::object()) {
  // Absent keys only: a case may set its own absurd `v` or `type`.
  if (!fields.contains("v")) fields["v"] = 1;
  if (!fields.contains("type")) fields["type"] = type;
  fields["req"] = req;
  return fields;
}

json good_spec() {
  return label_spec("noop", 4, 100);
}

// Valid messages with absurd values: each one's code and field are documented.
std::vector<Case> absurd_cases(const std::string& job, const std::string& r) {
  auto spec_with = [](const std::string& key, json value) {
    json s = good_spec();
    s[key] = std::move(value);
    return s;
  };
  auto submit = [&](json spec, json extra = json::object()) {
    extra["spec"] = std::move(spec);
    return pack(request("submit_optimization", r, std::move(extra)));
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  json huge_grid = label_spec("noop", 1'000'000'000'000ull, 100);  // 10^12 trials
  json random_1e12 = good_spec();
  random_1e12["method"] = {{"random", {{"n", 1'000'000'000'000ull}, {"seed", 1}}}};
  json deep = json::array();
  for (int i = 0; i < 100; ++i) deep = json::array({deep});
  json mb_path = good_spec();
  mb_path["dataset"] = {{"path", kMegabyte}};
  const Code bad = Code::kBadRequest, large = Code::kTooLarge;
  return {
      {"negative limit",
       {pack(request("trials", r, {{"id", job}, {"limit", -5}}))},
       {bad},
       "trials.limit",
       r},
      {"10^12 limit",
       {pack(request("trials", r, {{"id", job}, {"limit", 1'000'000'000'000}}))},
       {bad},
       "trials.limit",
       r},
      {"NaN limit",
       {pack(request("trials", r, {{"id", job}, {"limit", nan}}))},
       {bad},
       "trials.limit",
       r},
      {"negative offset", {pack(request("list", r, {{"offset", -1}}))}, {bad}, "list.offset", r},
      {"NaN cash", {submit(spec_with("cash", nan))}, {bad}, "spec.cash", r},
      {"negative top_k", {submit(spec_with("top_k", -3))}, {bad}, "spec.top_k", r},
      {"10^12 max_attempts",
       {submit(spec_with("max_attempts", 1'000'000'000'000))},
       {bad},
       "spec.max_attempts",
       r},
      {"10^12 trials grid", {submit(huge_grid)}, {large}, "spec.space", r},
      {"10^12 random trials", {submit(random_1e12)}, {bad}, "spec.method.random.n", r},
      {"1 MB strategy", {submit(spec_with("strategy", kMegabyte))}, {large}, "spec.strategy", r},
      {"1 MB dataset path", {submit(mb_path)}, {large}, "spec.dataset.path", r},
      {"1 MB idempotency key",
       {submit(good_spec(), {{"idempotency_key", kMegabyte}})},
       {large},
       "submit_optimization.idempotency_key",
       r},
      {"1 MB job id", {pack(request("status", r, {{"id", kMegabyte}}))}, {large}, "status.id", r},
      {"1 MB req", {pack(request("health", kMegabyte))}, {large}, "", ""},
      {"unknown type", {pack(request("launch", r))}, {bad}, "", r},
      {"version 2", {pack(request("health", r, {{"v", 2}}))}, {Code::kUnsupportedVersion}, "", ""},
      // Any integer but 1, negative ones too (PROTOCOL.md §3); a float is not an integer.
      {"negative version",
       {pack(request("health", r, {{"v", -1}}))},
       {Code::kUnsupportedVersion},
       "",
       ""},
      {"float version", {pack(request("health", r, {{"v", 1.0}}))}, {bad}, "", ""},
      {"deep nesting", {pack(request("health", r, {{"x", deep}}))}, {bad}, "", ""},
      {"not a map", {pack(json::array({1, "health", r}))}, {bad}, "", ""},
      {"nil type", {pack(request("health", r, {{"type", nullptr}}))}, {bad}, "", ""},
  };
}

Case random_case(std::mt19937_64& rng, const std::string& job, const std::vector<Case>& absurd) {
  const std::string r = "h";
  switch (rng() % 4) {
    case 0:
      return {"random bytes",
              {random_bytes(rng, 512)},
              {Code::kBadRequest, Code::kUnsupportedVersion, Code::kTooLarge}};
    case 1: {  // a DEALER cannot send zero frames: an empty one stands for it
      Case c{"random frame count", {}, {Code::kBadRequest}};
      const size_t frames = rng() % 11;
      for (size_t i = 0; i < std::max<size_t>(frames, 1); ++i) {
        c.frames.push_back(frames == 0 ? "" : random_bytes(rng, 64));
      }
      if (frames == 1) {  // random bytes alone: any decoding error
        c.codes.insert(Code::kUnsupportedVersion);
        c.codes.insert(Code::kTooLarge);
      }
      return c;
    }
    case 2: {
      const std::string whole =
          rng() % 2 ? pack(request("status", r, {{"id", job}}))
                    : pack(request("submit_optimization", r, {{"spec", good_spec()}}));
      const size_t cut = 1 + rng() % (whole.size() - 1);
      return {"truncated", {whole.substr(0, cut)}, {Code::kBadRequest}};
    }
    default:
      return absurd[rng() % absurd.size()];
  }
}

struct Tally {
  std::mutex mu;
  std::map<std::string, std::map<std::string, int>> by_case;  // case -> reply code -> count
  std::vector<std::string> failures;
  int sent = 0, answered = 0;
  void add(const std::string& name, const std::string& outcome) {
    std::lock_guard lock(mu);
    ++by_case[name][outcome];
  }
  void fail(std::string what) {
    std::lock_guard lock(mu);
    if (failures.size() < 20) failures.push_back(std::move(what));
  }
};

std::optional<std::string> recv_within(zmq::socket_t& s, std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, timeout);
  zmq::message_t m;
  if (!(item.revents & ZMQ_POLLIN) || !s.recv(m, zmq::recv_flags::dontwait)) return std::nullopt;
  return m.to_string();
}

void send_frames(zmq::socket_t& s, const std::vector<std::string>& frames) {
  for (size_t i = 0; i < frames.size(); ++i) {
    s.send(zmq::buffer(frames[i]),
           i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

// Sends hostile requests one at a time and checks each reply against its case.
void frontend_storm(zmq::context_t& ctx, const std::string& endpoint, const std::string& job,
                    uint64_t seed, Tally& tally) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.connect(endpoint);
  std::mt19937_64 rng(seed);
  const std::vector<Case> absurd = absurd_cases(job, "h");
  const auto end = Clock::now() + kStormTime;
  for (int n = 0; n < kMaxStormRequests && Clock::now() < end; ++n) {
    const Case c = random_case(rng, job, absurd);
    send_frames(s, c.frames);
    {
      std::lock_guard lock(tally.mu);
      ++tally.sent;
    }
    auto bytes = recv_within(s, 10s);
    if (!bytes) {
      tally.fail(c.name + ": no reply within 10 s");
      tally.add(c.name, "no reply");
      return;  // the socket's request/reply order is lost; stop this thread
    }
    auto rep = protocol::decode_frontend_reply(*bytes);
    const auto* e = rep.ok() ? std::get_if<protocol::ErrorReply>(&*rep) : nullptr;
    if (!e) {
      tally.fail(c.name + ": not an error reply");
      tally.add(c.name, "not an error");
      continue;
    }
    {
      std::lock_guard lock(tally.mu);
      ++tally.answered;
    }
    tally.add(c.name, std::string(code_name(e->code)));
    if (!c.codes.count(e->code)) {
      tally.fail(c.name + ": code " + std::string(code_name(e->code)) + " (" + e->message + ")");
    }
    if (!c.field.empty() && e->field != c.field) {
      tally.fail(c.name + ": field '" + e->field + "', expected '" + c.field + "' (" + e->message +
                 ")");
    }
    if (!c.req.empty() && e->req != c.req) tally.fail(c.name + ": req '" + e->req + "'");
  }
}

// Frames over max_request_bytes: libzmq drops the connection from the length header, so no reply
// may come; the socket reconnects and is served again afterwards.
void oversized_storm(zmq::context_t& ctx, const std::string& endpoint, Tally& tally) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.connect(endpoint);
  const std::string two_mb(2 << 20, '\xc1');
  std::string valid_but_big = pack(request("health", "big", {{"pad", std::string(1200000, 'p')}}));
  for (int i = 0; i < 10; ++i) {
    s.send(zmq::buffer(i % 2 ? two_mb : valid_but_big));
    if (auto bytes = recv_within(s, 50ms)) tally.fail("oversized frame got a reply");
  }
  tally.add("oversized frame", "connection dropped");
  // Served again after reconnecting (requests sent during the drop may be lost: ask again).
  bool served = false;
  const auto end = Clock::now() + 10s;
  for (int i = 0; !served && Clock::now() < end; ++i) {
    s.send(zmq::buffer(protocol::encode(protocol::HealthRequest{"after" + std::to_string(i)})));
    if (auto bytes = recv_within(s, 200ms)) {
      auto rep = protocol::decode_frontend_reply(*bytes);
      served = rep.ok() && std::holds_alternative<protocol::HealthReply>(*rep);
    }
  }
  if (!served) tally.fail("oversized: the reconnected socket was not served");
}

// A fake worker that says garbage: random frames, truncated and absurd worker messages, results
// for leases it does not hold, an oversized frame.
void backend_storm(zmq::context_t& ctx, const std::string& endpoint, const std::string& job,
                   uint64_t seed) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.connect(endpoint);
  std::mt19937_64 rng(seed);
  protocol::Hello hello{"hostile:junk", "test", "test", 1, 1, {"noop"}};
  protocol::TrialResult stale;
  stale.job = job;
  stale.index = 3;
  stale.attempt = 7;  // no such lease
  stale.status = TrialState::kCompleted;
  stale.metrics = Metrics::Zero();
  json nan_result = json::from_msgpack(protocol::encode(stale));
  nan_result["metrics"]["sharpe"] = std::numeric_limits<double>::quiet_NaN();
  const auto end = Clock::now() + kStormTime;
  for (int n = 0; n < kMaxStormRequests && Clock::now() < end; ++n) {
    switch (n % 8) {
      case 0:
        send_frames(s, {random_bytes(rng, 512)});
        break;
      case 1: {
        std::vector<std::string> frames(2 + rng() % 9);
        for (auto& f : frames) f = random_bytes(rng, 64);
        send_frames(s, frames);
        break;
      }
      case 2: {
        const std::string h = protocol::encode(hello);
        send_frames(s, {h.substr(0, 1 + rng() % (h.size() - 1))});
        break;
      }
      case 3:
        send_frames(s, {protocol::encode(hello)});
        break;
      case 4:
        send_frames(s, {protocol::encode(stale)});
        break;
      case 5:
        send_frames(s, {pack(nan_result)});
        break;
      case 6:
        send_frames(s, {protocol::encode(protocol::DatasetRequest{std::string(64, 'f')})});
        break;
      default:
        send_frames(s, {pack(request("hello", "", {{"worker", kMegabyte}}))});
        break;
    }
    std::this_thread::sleep_for(1ms);  // pacing: the storm must not be a throughput benchmark
  }
  send_frames(s, {std::string(2 << 20, 'z')});  // over --max-message-bytes: connection dropped
}

// A PUB on the telemetry endpoint and a SUB on the events endpoint, both saying garbage.
void pubsub_storm(zmq::context_t& ctx, const protocol::Endpoints& ep, const std::string& job,
                  uint64_t seed) {
  zmq::socket_t pub(ctx, zmq::socket_type::pub);
  pub.set(zmq::sockopt::linger, 0);
  pub.connect(ep.telemetry);
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.connect(ep.events);
  sub.set(zmq::sockopt::subscribe, std::string(2000, 's'));  // over kMaxSubscriptionBytes
  std::mt19937_64 rng(seed);
  protocol::Tick absurd{job, 1'000'000'000'000ull, 0, 1'000'000'000'000ull, 1};
  const auto end = Clock::now() + kStormTime;
  for (int n = 0; n < kMaxStormRequests && Clock::now() < end; ++n) {
    switch (n % 6) {
      case 0:
        send_frames(pub, {"tick", random_bytes(rng, 256)});
        break;
      case 1:
        send_frames(pub, {"tick", protocol::encode(absurd)});
        break;
      case 2:
        send_frames(pub, {"tick"});
        break;
      case 3:
        send_frames(pub, {"tick", "a", "b", "c"});
        break;
      case 4:
        send_frames(pub, {"tick", std::string(8192, 't')});
        break;  // over kMaxTickBytes
      default:
        sub.set(zmq::sockopt::subscribe, "job." + std::to_string(rng()));
        break;
    }
    std::this_thread::sleep_for(1ms);
  }
}

TEST(HostileClients, StormOnEverySocketWhileAJobRuns) {
  // Short heartbeats: a fake worker that goes silent with trials is dropped within 0.6 s.
  LocalCluster cluster({{"--heartbeat-ms", "200", "--max-message-bytes", "1048576"}, {}});
  cluster.start_broker();
  const pid_t broker_pid = cluster.broker().pid();
  client::Client good(cluster.endpoints().frontend, {2000ms, 0, 100ms});

  // A worker that takes trials and then goes silent, before any real worker is there.
  zmq::context_t ctx;
  zmq::socket_t grabber(ctx, zmq::socket_type::dealer);
  grabber.set(zmq::sockopt::linger, 0);
  grabber.connect(cluster.endpoints().backend);
  grabber.send(zmq::buffer(
      protocol::encode(protocol::Hello{"hostile:grabber", "test", "test", 1, 2, {"slow"}})));
  ASSERT_TRUE(recv_within(grabber, 10s).has_value()) << "no welcome";
  grabber.send(zmq::buffer(protocol::encode(protocol::Credit{4})));

  json slow_params = {{"us_per_bar", {1000}}};
  auto accepted =
      good.submit(JobKind::kOptimization, label_spec("slow", kTrials, 200, slow_params));
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  const std::string job = accepted->id;
  std::set<uint64_t> grabbed;
  ASSERT_TRUE(wait_until(
      [&] {
        auto bytes = recv_within(grabber, 100ms);
        if (!bytes) return false;
        auto m = protocol::decode_broker_message(*bytes);
        if (!m.ok()) return false;
        if (auto* b = std::get_if<protocol::TrialsBatch>(&*m)) {
          for (const auto& t : b->trials) grabbed.insert(t.index);
        }
        return !grabbed.empty();
      },
      10s));
  cluster.add_worker(2);
  ASSERT_TRUE(wait_until(
      [&] {
        auto h = good.health();
        return h.ok() && h->workers.size() >= 2;
      },
      20s))
      << cluster.broker_stderr();
  const uint64_t rss_before = vm_rss_kib(broker_pid);

  // The well-behaved client: status of the job throughout the storm, each answered in time.
  std::atomic<bool> storm_over{false};
  std::vector<double> status_ms;
  int status_errors = 0;
  std::thread poller([&] {
    client::Client c(cluster.endpoints().frontend, {kStatusDeadline, 0, 100ms});
    while (!storm_over.load()) {
      const auto t0 = Clock::now();
      auto st = c.status(job);
      status_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!st.ok()) ++status_errors;
      std::this_thread::sleep_for(20ms);  // a dashboard's pace, not a load test
    }
  });

  Tally tally;
  std::vector<std::thread> storm;
  for (int i = 0; i < kFrontendThreads; ++i) {
    storm.emplace_back(
        [&, i] { frontend_storm(ctx, cluster.endpoints().frontend, job, 1000 + i, tally); });
  }
  storm.emplace_back([&] { oversized_storm(ctx, cluster.endpoints().frontend, tally); });
  storm.emplace_back([&] { backend_storm(ctx, cluster.endpoints().backend, job, 2000); });
  storm.emplace_back([&] { pubsub_storm(ctx, cluster.endpoints(), job, 3000); });
  for (auto& t : storm) t.join();
  storm_over = true;
  poller.join();
  const uint64_t rss_after_storm = vm_rss_kib(broker_pid);

  // Every reply had its documented code (and field, and req).
  for (const auto& [name, outcomes] : tally.by_case) {
    std::cout << "  " << name << ":";
    for (const auto& [outcome, count] : outcomes) std::cout << " " << outcome << "=" << count;
    std::cout << "\n";
  }
  for (const auto& f : tally.failures) ADD_FAILURE() << f;
  EXPECT_EQ(tally.answered, tally.sent);
  EXPECT_GT(tally.sent, 100);

  const auto status = latency_figures(status_ms);
  EXPECT_EQ(status_errors, 0);
  EXPECT_GT(status.count, 10u);
  EXPECT_LT(status.max_ms, double(kStatusDeadline.count()));

  // The job completes; every trial recorded once, the grabbed ones by a later attempt.
  protocol::StatusReply final_status;
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = good.status(job);
        if (st.ok()) final_status = *st;
        return st.ok() && is_terminal(st->status);
      },
      60s))
      << cluster.broker_stderr();
  EXPECT_EQ(final_status.status, JobState::kCompleted);
  EXPECT_EQ(final_status.completed, kTrials);
  EXPECT_EQ(final_status.failed, 0u);
  client::TrialsQuery q;
  q.limit = 1000;
  auto page = good.trials(job, q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  std::map<uint64_t, int> seen;
  for (const auto& t : page->trials) {
    ++seen[t.index];
    EXPECT_EQ(t.status, TrialState::kCompleted) << t.index;
    if (grabbed.count(t.index)) {
      EXPECT_GE(t.attempt, 2u) << t.index;
    }
  }
  EXPECT_EQ(page->total, kTrials);
  EXPECT_EQ(seen.size(), kTrials);
  for (const auto& [index, count] : seen) EXPECT_EQ(count, 1) << index;

  // Alive, serving, and its memory bounded. No handler threw: the broker survives a throwing
  // handler (it logs "handler: ..."), but bad input must never get that far.
  EXPECT_TRUE(cluster.broker().running());
  EXPECT_TRUE(good.health().ok());
  const std::string log = cluster.broker_stderr();
  for (const char* bug : {"handler: ", "timer: ", "poll: "}) {
    const size_t at = log.find(std::string("sweep-broker: ") + bug);
    EXPECT_EQ(at, std::string::npos) << log.substr(at == std::string::npos ? 0 : at, 300);
  }
  const uint64_t rss_end = vm_rss_kib(broker_pid);
  std::cout << "hostile storm: " << tally.sent << " frontend requests, " << grabbed.size()
            << " trials grabbed and re-run; status p50 " << status.p50_ms << " ms, p99 "
            << status.p99_ms << " ms, max " << status.max_ms << " ms over " << status.count
            << " polls; broker VmRSS " << rss_before << " KiB before, " << rss_after_storm
            << " KiB after the storm, " << rss_end << " KiB at the end\n";
  ::testing::Test::RecordProperty("status_p99_ms", std::to_string(status.p99_ms));
  ::testing::Test::RecordProperty("rss_before_kib", std::to_string(rss_before));
  ::testing::Test::RecordProperty("rss_after_storm_kib", std::to_string(rss_after_storm));
  if (kRssIsTheBrokers) {
    EXPECT_LT(rss_after_storm, rss_before + kRssGrowthBoundKib);
    EXPECT_LT(rss_end, rss_before + kRssGrowthBoundKib);
  }
}

TEST(HostileClients, LimitFlagsAreValidated) {
  const std::vector<std::vector<std::string>> cases = {{"--max-trials", "0"},
                                                       {"--max-jobs", "-1"},
                                                       {"--max-request-bytes", "10"},
                                                       {"--max-string-length", "100000"},
                                                       {"--max-spec-bytes", "lots"}};
  for (const auto& bad : cases) {
    ChildProcess broker(bin_dir() + "/sweep-broker", bad);
    const auto st = broker.wait(10s);
    ASSERT_TRUE(st.has_value()) << bad[0];
    EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 2) << bad[0];
    EXPECT_NE(broker.stderr_text().find(bad[0]), std::string::npos)
        << bad[0] << ": " << broker.stderr_text();
  }
}

}  // namespace
}  // namespace sweep::testing
