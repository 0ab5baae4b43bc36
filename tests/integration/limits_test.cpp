// Each operator limit (sweep::Limits, docs/LIMITS.md) set low on an in-process broker, then
// exceeded: the documented error code, the field named, and the broker serving on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include <zmq.hpp>

#include "broker.hpp"
#include "in_process_broker.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::broker {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 10s;

using testing::InProcessBroker;

BrokerConfig with_limits(const Limits& limits) {
  BrokerConfig c;
  c.limits = limits;
  return c;
}

class RawClient {
 public:
  RawClient(zmq::context_t& ctx, const std::string& ep) : s_(ctx, zmq::socket_type::dealer) {
    s_.set(zmq::sockopt::linger, 0);
    s_.connect(ep);
  }
  void send_raw(const std::string& bytes) { s_.send(zmq::buffer(bytes)); }
  std::optional<protocol::FrontendReply> recv(std::chrono::milliseconds timeout = kDeadline) {
    zmq::pollitem_t item{s_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, timeout);
    zmq::message_t m;
    if (!(item.revents & ZMQ_POLLIN) || !s_.recv(m, zmq::recv_flags::dontwait)) return {};
    auto rep = protocol::decode_frontend_reply(m.to_string_view());
    if (!rep.ok()) throw std::runtime_error(rep.status().ToString());
    return *rep;
  }
  protocol::FrontendReply call(const protocol::FrontendRequest& req) {
    send_raw(protocol::encode(req));
    auto rep = recv();
    if (!rep) throw std::runtime_error("no reply");
    return *rep;
  }

 private:
  zmq::socket_t s_;
};

nlohmann::json grid_spec(int fast_values, int slow_values) {
  nlohmann::json fast = nlohmann::json::array(), slow = nlohmann::json::array();
  for (int i = 0; i < fast_values; ++i) fast.push_back(2 + i);
  for (int i = 0; i < slow_values; ++i) slow.push_back(50 + i);
  return {{"dataset", {{"synthetic", {{"bars", 300}, {"seed", 7}}}}},
          {"strategy", "sma_cross"},
          {"space", {{"fast", fast}, {"slow", slow}}}};
}

protocol::SubmitRequest submit(nlohmann::json spec, JobKind kind = JobKind::kOptimization) {
  protocol::SubmitRequest r;
  r.req = "sub";
  r.kind = kind;
  r.spec = std::move(spec);
  return r;
}

// The error reply of `rep`, failing the test when it is something else.
protocol::ErrorReply error_of(const protocol::FrontendReply& rep) {
  if (const auto* e = std::get_if<protocol::ErrorReply>(&rep)) return *e;
  ADD_FAILURE() << "expected an error reply, got " << protocol::encode(rep).size() << " bytes of "
                << rep.index();
  return {};
}

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sweep_limits_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "sweep.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string db_;
};

TEST_F(LimitsTest, MaxSpecBytesIsTooLargeNamingTheSpec) {
  Limits limits;
  limits.max_spec_bytes = 400;
  InProcessBroker broker(db_, with_limits(limits));
  RawClient client(broker.ctx(), broker.endpoints().frontend);
  ASSERT_LT(grid_spec(2, 2).dump().size(), 400u);
  EXPECT_TRUE(
      std::holds_alternative<protocol::AcceptedReply>(client.call(submit(grid_spec(2, 2)))));
  const auto big = grid_spec(200, 2);
  ASSERT_GT(big.dump().size(), 400u);
  const auto e = error_of(client.call(submit(big)));
  EXPECT_EQ(e.code, Code::kTooLarge);
  EXPECT_EQ(e.field, "spec");
  EXPECT_NE(e.message.find("--max-spec-bytes"), std::string::npos) << e.message;
}

TEST_F(LimitsTest, MaxTrialsIsTooLargeNamingTheSpaceOrTheRandomCount) {
  Limits limits;
  limits.max_trials = 10;
  InProcessBroker broker(db_, with_limits(limits));
  RawClient client(broker.ctx(), broker.endpoints().frontend);
  EXPECT_TRUE(
      std::holds_alternative<protocol::AcceptedReply>(client.call(submit(grid_spec(5, 2)))));
  auto e = error_of(client.call(submit(grid_spec(11, 1))));
  EXPECT_EQ(e.code, Code::kTooLarge);
  EXPECT_EQ(e.field, "spec.space");
  auto random = grid_spec(20, 2);
  random["method"] = {{"random", {{"n", 11}, {"seed", 1}}}};
  e = error_of(client.call(submit(random)));
  EXPECT_EQ(e.code, Code::kTooLarge);
  EXPECT_EQ(e.field, "spec.method.random.n");
  random["method"] = {{"random", {{"n", 10}, {"seed", 1}}}};
  EXPECT_TRUE(std::holds_alternative<protocol::AcceptedReply>(client.call(submit(random))));
}

TEST_F(LimitsTest, MaxStringLengthIsTooLargeNamingTheField) {
  Limits limits;
  limits.max_string_length = 64;  // the floor: a dataset id (sha256 hex) fits
  InProcessBroker broker(db_, with_limits(limits));
  RawClient client(broker.ctx(), broker.endpoints().frontend);
  const std::string long65(65, 'a');

  auto spec = grid_spec(2, 2);
  spec["strategy"] = long65;  // checked before the registry: not not_found
  auto e = error_of(client.call(submit(spec)));
  EXPECT_EQ(e.code, Code::kTooLarge);
  EXPECT_EQ(e.field, "spec.strategy");
  EXPECT_NE(e.message.find("--max-string-length"), std::string::npos) << e.message;

  spec = grid_spec(2, 2);
  spec["dataset"] = {{"id", long65}};
  e = error_of(client.call(submit(spec)));
  EXPECT_EQ(e.code, Code::kTooLarge);
  EXPECT_EQ(e.field, "spec.dataset.id");

  spec = grid_spec(2, 2);
  spec["space"]["mode"] = {"long_only", "long_short_" + std::string(60, 'x')};
  e = error_of(client.call(submit(spec)));
  EXPECT_EQ(e.code, Code::kTooLarge);
  EXPECT_EQ(e.field, "spec.space.mode[1]");

  nlohmann::json backtest = {{"dataset", {{"synthetic", {{"bars", 300}, {"seed", 7}}}}},
                             {"strategy", "sma_cross"},
                             {"params", {{"fast", 5}, {"slow", 20}, {"mode", long65}}}};
  e = error_of(client.call(submit(backtest, JobKind::kBacktest)));
  EXPECT_EQ(e.code, Code::kTooLarge);
  EXPECT_EQ(e.field, "spec.params.mode");

  backtest["params"]["mode"] = "long_short";  // 10 bytes: within the limit
  EXPECT_TRUE(std::holds_alternative<protocol::AcceptedReply>(
      client.call(submit(backtest, JobKind::kBacktest))));
}

TEST_F(LimitsTest, MaxJobsRefusesNewJobsAsUnavailableUntilOneEnds) {
  Limits limits;
  limits.max_jobs = 2;
  InProcessBroker broker(db_, with_limits(limits));  // no worker: jobs stay queued
  RawClient client(broker.ctx(), broker.endpoints().frontend);
  auto first = submit(grid_spec(2, 2));
  first.idempotency_key = "first";
  const auto a = std::get<protocol::AcceptedReply>(client.call(first));
  ASSERT_TRUE(
      std::holds_alternative<protocol::AcceptedReply>(client.call(submit(grid_spec(3, 2)))));

  const auto e = error_of(client.call(submit(grid_spec(4, 2))));
  EXPECT_EQ(e.code, Code::kUnavailable);
  EXPECT_EQ(e.field, "");
  EXPECT_NE(e.message.find("--max-jobs"), std::string::npos) << e.message;
  // A retried submit of an accepted job is still answered with that job.
  EXPECT_EQ(std::get<protocol::AcceptedReply>(client.call(first)).id, a.id);
  auto health = std::get<protocol::HealthReply>(client.call(protocol::HealthRequest{"h"}));
  EXPECT_EQ(health.jobs, 2u);

  // A queued job cancelled ends at once and frees its place.
  const auto cancelled = client.call(protocol::CancelRequest{"c", a.id});
  ASSERT_TRUE(std::holds_alternative<protocol::StatusReply>(cancelled));
  EXPECT_EQ(std::get<protocol::StatusReply>(cancelled).status, JobState::kCancelled);
  EXPECT_TRUE(
      std::holds_alternative<protocol::AcceptedReply>(client.call(submit(grid_spec(4, 2)))));
}

TEST_F(LimitsTest, FrameOverMaxRequestBytesDropsTheConnectionAndTheBrokerServesOn) {
  Limits limits;
  limits.max_request_bytes = 4096;
  InProcessBroker broker(db_, with_limits(limits));
  RawClient client(broker.ctx(), broker.endpoints().frontend);

  // Under the frame limit, a too long id is still answered.
  protocol::StatusRequest long_id{"under", std::string(3000, 'x')};
  auto e = error_of(client.call(long_id));
  EXPECT_EQ(e.code, Code::kTooLarge);
  EXPECT_EQ(e.field, "status.id");

  // Over it, libzmq closes the connection without a reply; the DEALER reconnects by itself and
  // the next requests are served. Requests queued behind the big one may be lost with it, so
  // health is asked until it is answered.
  client.send_raw(protocol::encode(protocol::StatusRequest{"over", std::string(5000, 'x')}));
  std::optional<protocol::FrontendReply> rep;
  const auto end = Clock::now() + kDeadline;
  for (int i = 0; Clock::now() < end; ++i) {
    client.send_raw(protocol::encode(protocol::HealthRequest{"h" + std::to_string(i)}));
    rep = client.recv(200ms);
    if (rep) break;
  }
  ASSERT_TRUE(rep.has_value());
  ASSERT_TRUE(std::holds_alternative<protocol::HealthReply>(*rep));
  EXPECT_EQ(std::get<protocol::HealthReply>(*rep).req.substr(0, 1), "h");
}

}  // namespace
}  // namespace sweep::broker
