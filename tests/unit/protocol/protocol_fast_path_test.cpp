// The codec's fast paths for `results` and `batch` against the generic codec (the reference):
// the same bytes out, the same values in, and on anything unusual the generic decoder's answer.
#include <gtest/gtest.h>

#include <cmath>

#include "sweep/protocol/fast_path.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::protocol {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

TrialResult completed_result(uint64_t index) {
  TrialResult r;
  r.job = "j0123456789abcdef";
  r.index = index;
  r.attempt = 2;
  r.status = TrialState::kCompleted;
  r.metrics = Metrics::Zero();
  for (int i = 0; i < kMetricCount; ++i) r.metrics.values[i] = 1.5 * i - 7.25 + double(index);
  r.metrics[Metric::kSharpe] = NAN;                  // undefined -> nil
  r.metrics[Metric::kProfitFactor] = 1e300 * 1e300;  // infinite -> nil as well
  r.trades = 66;
  r.equity = {10000, 10000.5, NAN, 51422.99};
  r.started_at = 1'700'000'000'000;
  r.finished_at = 1'700'000'000'123;
  r.bars = 2148;
  r.duration_us = 65 + index;
  return r;
}

TrialResults sample_results() {
  TrialResults m;
  m.credit = 300;
  m.results.push_back(completed_result(0));
  m.results.push_back(completed_result(1'000'000'000'000));
  TrialResult failed;
  failed.job = "j0123456789abcdef";
  failed.index = 7;
  failed.status = TrialState::kFailed;
  failed.metrics = Metrics::Zero();
  failed.error_message = "boom at bar 3";
  failed.error_stack_trace = "#0 f()\n#1 g()";
  failed.started_at = -5;  // a clock before 1970 still encodes
  m.results.push_back(failed);
  TrialResult with_trades = completed_result(3);
  with_trades.trade_list =
      json::array({{{"size", 10}, {"pnl", -1.5}, {"entry_time", "2020-01-02"}},
                   {{"size", -3}, {"pnl", 2.25}, {"entry_time", "2020-02-03"}}});
  m.results.push_back(with_trades);
  return m;
}

TrialsBatch sample_batch(bool with_objective) {
  TrialsBatch b;
  b.job = "jabc";
  b.dataset.hash = std::string(64, 'f');
  b.dataset.source = {{"synthetic", {{"bars", 1000}, {"seed", 7}}}};
  b.strategy = "sma_cross";
  b.cash = 10000;
  b.commission = 0.002;
  b.trial_timeout_s = 600;
  for (uint64_t i = 0; i < 5; ++i) {
    BatchTrial t;
    t.index = i * 1000;
    t.attempt = 1 + static_cast<uint32_t>(i % 2);
    // Inserted out of name order: the wire order is sorted.
    t.params.set("slow", int64_t(30 + int64_t(i)));
    t.params.set("fast", int64_t(-10));
    t.params.set("mode", std::string("long_short"));
    t.params.set("k", 0.5 * double(i));
    b.trials.push_back(std::move(t));
  }
  if (with_objective) {
    b.objective = Objective{Metric::kReturnPct, false};
    b.top_k = 10;
  } else {
    b.trades = true;
  }
  return b;
}

template <class T>
std::string bytes_of(const T& j) {
  auto v = T::to_msgpack(j);
  return {v.begin(), v.end()};
}

TEST(ProtocolFastPath, ResultsEncodeToTheReferenceBytes) {
  const TrialResults m = sample_results();
  EXPECT_EQ(detail::fast_encode(m), reference::encode(WorkerMessage(m)));
  EXPECT_EQ(encode(WorkerMessage(m)), reference::encode(WorkerMessage(m)));
  TrialResults empty;
  EXPECT_EQ(detail::fast_encode(empty), reference::encode(WorkerMessage(empty)));
}

TEST(ProtocolFastPath, BatchEncodesToTheReferenceBytes) {
  for (bool objective : {true, false}) {
    const TrialsBatch b = sample_batch(objective);
    EXPECT_EQ(detail::fast_encode(b), reference::encode(BrokerMessage(b))) << objective;
    EXPECT_EQ(encode(BrokerMessage(b)), reference::encode(BrokerMessage(b)));
  }
}

TEST(ProtocolFastPath, ResultsDecodeToTheReferenceValues) {
  const std::string bytes = reference::encode(WorkerMessage(sample_results()));
  auto fast = detail::fast_decode_results(bytes);
  ASSERT_TRUE(fast.has_value());
  auto ref = reference::decode_worker_message(bytes);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  const auto& r = std::get<TrialResults>(*ref);
  ASSERT_EQ(fast->results.size(), r.results.size());
  EXPECT_EQ(fast->credit, r.credit);
  for (size_t i = 0; i < r.results.size(); ++i) {
    // NaN != NaN: compare the encodings, which hold every field.
    EXPECT_EQ(detail::fast_encode(TrialResults{{fast->results[i]}, 0}),
              detail::fast_encode(TrialResults{{r.results[i]}, 0}))
        << i;
    EXPECT_EQ(fast->results[i].trade_list, r.results[i].trade_list);
  }
  EXPECT_TRUE(std::isnan(fast->results[0].equity[2]));
  EXPECT_EQ(fast->results[2].error_stack_trace, "#0 f()\n#1 g()");
}

TEST(ProtocolFastPath, BatchDecodesToTheReferenceValues) {
  for (bool objective : {true, false}) {
    const std::string bytes = reference::encode(BrokerMessage(sample_batch(objective)));
    auto fast = detail::fast_decode_batch(bytes);
    ASSERT_TRUE(fast.has_value());
    auto ref = reference::decode_broker_message(bytes);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    EXPECT_EQ(*fast, std::get<TrialsBatch>(*ref));
  }
}

// Other writers' choices the reference accepts: unknown keys, smaller number encodings, missing
// optional fields. The fast path reads them the same way.
TEST(ProtocolFastPath, OtherEncodingsDecodeLikeTheReference) {
  json r = {{"job", "j1"},
            {"index", 3},
            {"attempt", 1},
            {"status", "completed"},
            {"metrics", {{"sharpe", 2}, {"sortino", nullptr}, {"not_a_metric", "x"}}},
            {"trades", 0},
            {"equity", {1, 2.5, nullptr}},
            {"started_at", 1},
            {"finished_at", 2},
            {"bars", 10},
            {"from_the_future", {1, 2, 3}}};
  json m = {{"v", 1}, {"type", "results"}, {"results", {r}}};
  const std::string bytes = bytes_of(m);
  auto fast = decode_worker_message(bytes);
  auto ref = reference::decode_worker_message(bytes);
  ASSERT_TRUE(fast.ok() && ref.ok()) << fast.status().ToString() << ref.status().ToString();
  EXPECT_EQ(encode(*fast), encode(*ref));
  EXPECT_TRUE(detail::fast_decode_results(bytes).has_value());
}

// Anything unusual goes to the generic decoder: the same error, code and words.
TEST(ProtocolFastPath, UnusualInputGetsTheReferenceAnswer) {
  auto results = json::from_msgpack(reference::encode(WorkerMessage(sample_results())));
  std::vector<std::string> cases;
  {
    json j = results;
    j["results"][0].erase("job");  // a required field missing
    cases.push_back(bytes_of(j));
  }
  {
    json j = results;
    j["results"][1]["index"] = -1;  // mistyped
    cases.push_back(bytes_of(j));
  }
  {
    json j = results;
    j["results"][0]["equity"] = json::array({"x"});
    cases.push_back(bytes_of(j));
  }
  {
    json j = results;
    j["v"] = 2;
    cases.push_back(bytes_of(j));
  }
  {
    json j = results;
    j["results"] = json::array({1});
    cases.push_back(bytes_of(j));
  }
  {
    // Keys out of order (the reference sorts; this writer does not): read by the generic path.
    ordered_json o = {{"v", 1}, {"type", "results"}, {"results", ordered_json::array()}};
    cases.push_back(bytes_of(o));
  }
  cases.push_back("\x81\xa1v");  // truncated
  for (size_t i = 0; i < cases.size(); ++i) {
    auto fast = decode_worker_message(cases[i]);
    auto ref = reference::decode_worker_message(cases[i]);
    ASSERT_EQ(fast.ok(), ref.ok()) << i;
    if (!ref.ok()) {
      EXPECT_EQ(fast.status().code(), ref.status().code()) << i;
      EXPECT_EQ(fast.status().message(), ref.status().message()) << i;
    }
    EXPECT_FALSE(detail::fast_decode_results(cases[i]).has_value()) << i;
  }
}

TEST(ProtocolFastPath, BatchWithUnusualInputGetsTheReferenceAnswer) {
  auto batch = json::from_msgpack(reference::encode(BrokerMessage(sample_batch(true))));
  std::vector<std::string> cases;
  {
    json j = batch;
    j["objective"]["goal"] = "sideways";
    cases.push_back(bytes_of(j));
  }
  {
    json j = batch;
    j["trials"][0]["params"]["fast"] = json::array();
    cases.push_back(bytes_of(j));
  }
  {
    json j = batch;
    j["dataset"].erase("source");
    cases.push_back(bytes_of(j));
  }
  {
    json j = batch;
    j["strategy"] = std::string(1000, 's');
    cases.push_back(bytes_of(j));
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_FALSE(detail::fast_decode_batch(cases[i]).has_value()) << i;
    auto fast = decode_broker_message(cases[i]);
    auto ref = reference::decode_broker_message(cases[i]);
    ASSERT_FALSE(ref.ok()) << i;
    EXPECT_EQ(fast.status().message(), ref.status().message()) << i;
  }
}

}  // namespace
}  // namespace sweep::protocol

namespace sweep::protocol {
namespace {

// Found by fuzz_protocol_event: a NaN or infinite float where a number is required used to be
// accepted and then re-encoded as nil, which no longer decoded. Now it is refused, by the generic
// decoder and by the fast path alike.
TEST(ProtocolFastPath, NonFiniteFloatsAreRefused) {
  json progress = {{"v", 1},      {"type", "progress"}, {"job", "j1"},     {"status", "running"},
                   {"total", 1},  {"completed", 0},     {"failed", 0},     {"running", 0},
                   {"queued", 1}, {"progress", 0.0},    {"elapsed_s", NAN}};
  auto e = decode_event(bytes_of(progress));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "progress.elapsed_s: expected a finite number");

  auto batch = json::from_msgpack(reference::encode(BrokerMessage(sample_batch(false))));
  batch["cash"] = INFINITY;
  const std::string bytes = bytes_of(batch);
  EXPECT_FALSE(detail::fast_decode_batch(bytes).has_value());
  auto b = decode_broker_message(bytes);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "batch.cash: expected a finite number");
}

}  // namespace
}  // namespace sweep::protocol
