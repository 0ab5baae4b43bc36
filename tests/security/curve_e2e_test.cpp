// CURVE end to end (docs/SECURITY.md): a real sweep-broker with --curve-key and allow-lists, real
// sweep-worker processes and the C++ client library / CLI, on ephemeral loopback ports. Waits are
// conditions with deadlines.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "cluster.hpp"
#include "sweep/client.hpp"
#include "sweep/curve/curve_keys.hpp"
#include "wait.hpp"

namespace sweep {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::ChildProcess;
using testing::LocalCluster;

using sweep::testing::wait_until;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `n` trials of the test plugin's `strategy` over a synthetic series of `bars` bars.
nlohmann::json label_spec(const std::string& strategy, int n, int bars,
                          nlohmann::json extra = nlohmann::json::object()) {
  extra["n"] = {{"start", 0}, {"stop", n - 1}, {"step", 1}};
  return {{"dataset", {{"synthetic", {{"bars", bars}, {"seed", 3}}}}},
          {"strategy", strategy},
          {"space", extra},
          {"max_attempts", 1}};
}

// A temporary folder of key files: NAME.key / NAME.pub per peer, and the allow-lists.
class KeyDir {
 public:
  KeyDir() {
    char tmpl[] = "/tmp/sweep-keys-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~KeyDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Generates NAME.key and NAME.pub; returns the public key.
  std::string make(const std::string& name) {
    auto pair = curve::generate();
    if (!pair.ok()) throw std::runtime_error(pair.status().ToString());
    if (Status s = curve::write_key_files(*pair, path(name)); !s.ok())
      throw std::runtime_error(s.ToString());
    return pair->public_key;
  }
  // An allow-list file holding `keys`, one per line, under a comment.
  std::string allow(const std::string& name, const std::vector<std::string>& keys) {
    std::ofstream out(path(name));
    out << "# " << name << "\n";
    for (const auto& k : keys) out << k << "\n";
    return path(name);
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

class CurveE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_pub_ = keys_.make("broker");
    worker_pub_ = keys_.make("worker");
    intruder_pub_ = keys_.make("intruder");
    client_pub_ = keys_.make("client");
    stranger_pub_ = keys_.make("stranger");
    testing::ClusterOptions o;
    o.broker_args = {"--curve-key",     keys_.path("broker.key"),
                     "--allow-clients", keys_.allow("clients.allow", {client_pub_}),
                     "--allow-workers", keys_.allow("workers.allow", {worker_pub_})};
    cluster_ = std::make_unique<LocalCluster>(o);
    cluster_->start_broker();
  }

  // A client holding `own`'s key pair that trusts `server`'s public key. One expected to be
  // refused waits 500 ms per attempt; an allowed one 5 s (a submit under TSan can take > 500 ms).
  std::unique_ptr<client::Client> client(const std::string& own,
                                         const std::string& server = "broker",
                                         std::chrono::milliseconds timeout = 5000ms) {
    client::ClientOptions o;
    o.timeout = timeout;
    o.retries = 1;
    auto k = curve::load_client_keys(keys_.path(server + ".pub"), keys_.path(own + ".key"));
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    if (k.ok()) o.curve = *k;
    return std::make_unique<client::Client>(cluster_->endpoints().frontend, o);
  }
  std::unique_ptr<client::Client> plain_client() {
    client::ClientOptions o;
    o.timeout = 500ms;
    o.retries = 1;
    return std::make_unique<client::Client>(cluster_->endpoints().frontend, o);
  }
  // A worker holding `own`'s key pair; LocalCluster names them w1, w2, ... in order.
  ChildProcess& worker(const std::string& own) {
    return cluster_->add_worker(1, {"--curve-server-key", keys_.path("broker.pub"), "--curve-key",
                                    keys_.path(own + ".key")});
  }
  // Waits until health (asked by `c`) lists exactly `names`.
  void expect_workers(client::Client& c, std::vector<std::string> names) {
    std::vector<std::string> seen;
    EXPECT_TRUE(wait_until(
        [&] {
          auto h = c.health();
          if (!h.ok()) return false;
          seen.clear();
          for (const auto& w : h->workers) seen.push_back(w.id);
          return seen == names;
        },
        20s))
        << "workers seen: " << ::testing::PrintToString(seen) << "\n"
        << cluster_->broker_stderr();
  }
  protocol::StatusReply wait_terminal(client::Client& c, const std::string& id,
                                      std::chrono::milliseconds timeout) {
    protocol::StatusReply last;
    EXPECT_TRUE(wait_until(
        [&] {
          auto st = c.status(id);
          if (st.ok()) last = *st;
          return st.ok() && is_terminal(st->status);
        },
        timeout))
        << "job " << id << " last status " << job_state_name(last.status) << "\n"
        << cluster_->broker_stderr();
    return last;
  }
  bool broker_logged(const std::string& text) {
    return wait_until([&] { return cluster_->broker_stderr().find(text) != std::string::npos; },
                      10s);
  }

  KeyDir keys_;
  std::string broker_pub_, worker_pub_, intruder_pub_, client_pub_, stranger_pub_;
  std::unique_ptr<LocalCluster> cluster_;
};

TEST_F(CurveE2E, AnAllowedClientRunsAJobOnAnAllowedWorkerAndHearsItsEvents) {
  worker("worker");
  auto c = client("client");
  expect_workers(*c, {"w1"});
  auto acc = c->submit(JobKind::kOptimization, label_spec("slow", 30, 500, {{"us_per_bar", {40}}}));
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  // The events PUB is a CURVE server too: a subscriber holding an allowed key hears the job.
  int events = 0;
  client::SubscribeOptions o;
  o.deadline = Clock::now() + 60s;
  auto end = c->subscribe(
      acc->id, [&](const protocol::Event&) { ++events; }, o);
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(end->status, JobState::kCompleted);
  EXPECT_EQ(end->completed, 30u);
  EXPECT_GE(events, 1);
}

TEST_F(CurveE2E, WorkerTelemetryAndCancelTravelOverCurve) {
  worker("worker");
  auto c = client("client");
  expect_workers(*c, {"w1"});
  // One backtest trial of ~20 s: its bar count moves only through the worker's telemetry PUB.
  auto acc =
      c->submit(JobKind::kBacktest, {{"dataset", {{"synthetic", {{"bars", 200000}, {"seed", 3}}}}},
                                     {"strategy", "slow"},
                                     {"params", {{"us_per_bar", 100}}}});
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  EXPECT_TRUE(wait_until(
      [&] {
        auto st = c->status(acc->id);
        return st.ok() && st->completed > 0 && st->completed < st->total;
      },
      15s))
      << "no progress ticks arrived\n"
      << cluster_->broker_stderr();
  // The running trial stops only when the worker hears cancel.<id> on the events PUB: without
  // it the job would stay `cancelling` until the trial ends, ~20 s from its start.
  const auto asked = Clock::now();
  ASSERT_TRUE(c->cancel(acc->id).ok());
  const protocol::StatusReply end = wait_terminal(*c, acc->id, 30s);
  EXPECT_EQ(end.status, JobState::kCancelled);
  EXPECT_LT(Clock::now() - asked, 8s);
}

TEST_F(CurveE2E, AClientNotOnTheListIsRefusedWhileTheAllowedOneIsServed) {
  auto stranger = client("stranger", "broker", 500ms);
  auto refused = stranger->health();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable) << refused.status().ToString();
  EXPECT_TRUE(broker_logged("refused CURVE key " + stranger_pub_ + " on frontend"))
      << cluster_->broker_stderr();
  auto allowed = client("client")->health();
  EXPECT_TRUE(allowed.ok()) << allowed.status().ToString();
}

TEST_F(CurveE2E, AWorkerNotOnTheListNeverGetsTrials) {
  ChildProcess& intruder = worker("intruder");  // w1
  EXPECT_TRUE(broker_logged("refused CURVE key " + intruder_pub_ + " on backend"));
  worker("worker");  // w2
  auto c = client("client");
  expect_workers(*c, {"w2"});
  auto acc = c->submit(JobKind::kOptimization, label_spec("noop", 8, 200));
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  EXPECT_EQ(wait_terminal(*c, acc->id, 30s).status, JobState::kCompleted);
  auto page = c->trials(acc->id);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->trials.size(), 8u);
  for (const auto& t : page->trials) EXPECT_EQ(t.worker, "w2") << "trial " << t.index;
  expect_workers(*c, {"w2"});
  EXPECT_TRUE(intruder.running());
  EXPECT_NE(intruder.stderr_text().find("refused this worker's CURVE key"), std::string::npos)
      << intruder.stderr_text();
}

TEST_F(CurveE2E, AClientWithTheWrongServerKeyGetsNoReply) {
  // Its own key is allowed, but it expects another server: the handshake cannot complete.
  auto c = client("client", "stranger", 500ms);
  auto h = c->health();
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Code::kUnavailable) << h.status().ToString();
}

TEST_F(CurveE2E, APlaintextClientGetsNoReplyAndTheCliSaysWhy) {
  auto h = plain_client()->health();
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Code::kUnavailable) << h.status().ToString();

  ChildProcess cli(testing::bin_dir() + "/sweep",
                   {"health", "--broker", cluster_->endpoints().frontend, "--timeout", "300"});
  auto st = cli.wait(30s);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(WEXITSTATUS(*st), 1);
  EXPECT_NE(cli.stderr_text().find("no reply from broker"), std::string::npos);
  EXPECT_NE(cli.stderr_text().find("--curve-server-key"), std::string::npos) << cli.stderr_text();

  ChildProcess keyed(testing::bin_dir() + "/sweep",
                     {"health", "--broker", cluster_->endpoints().frontend, "--curve-server-key",
                      keys_.path("broker.pub"), "--curve-key", keys_.path("client.key")});
  ASSERT_TRUE(keyed.wait_for_line("broker ", 30s).has_value()) << keyed.stderr_text();
}

TEST(CurveKeygen, WritesLoadableKeysWithAPrivateSecretFile) {
  KeyDir dir;
  const std::string prefix = dir.path("node");
  ChildProcess gen(testing::bin_dir() + "/sweep", {"keygen", "--out", prefix});
  auto st = gen.wait(30s);
  ASSERT_TRUE(st.has_value());
  ASSERT_EQ(WEXITSTATUS(*st), 0) << gen.stderr_text();

  struct stat info {};
  ASSERT_EQ(::stat((prefix + ".key").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto pair = curve::load_key_pair(prefix + ".key");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  auto pub = curve::load_public_key(prefix + ".pub");
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(*pub, pair->public_key);
  EXPECT_EQ(slurp(prefix + ".pub").find(pair->secret_key), std::string::npos);
  EXPECT_EQ(slurp(prefix + ".pub").find("secret-key"), std::string::npos);

  // A second run must not replace a key that may already be in allow-lists.
  ChildProcess again(testing::bin_dir() + "/sweep", {"keygen", "--out", prefix});
  auto st2 = again.wait(30s);
  ASSERT_TRUE(st2.has_value());
  EXPECT_EQ(WEXITSTATUS(*st2), 1);
  EXPECT_NE(again.stderr_text().find(prefix + ".key"), std::string::npos) << again.stderr_text();
  EXPECT_EQ(curve::load_key_pair(prefix + ".key")->secret_key, pair->secret_key);

  // Without --out: the secret file's text on stdout, both keys, a matching pair.
  ChildProcess printed(testing::bin_dir() + "/sweep", {"keygen"});
  auto secret = printed.wait_for_line("    secret-key = ", 30s);
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(curve::key_problem(secret->substr(1, curve::kZ85KeyLength)), "");
}

TEST(CurveFlags, UnreadableOrHalfGivenKeysAreBadInputNamingTheFile) {
  KeyDir dir;
  const std::string missing = dir.path("missing.key");
  ChildProcess broker(testing::bin_dir() + "/sweep-broker",
                      {"--db", dir.path("s.db"), "--frontend", "tcp://127.0.0.1:*", "--backend",
                       "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*", "--telemetry",
                       "tcp://127.0.0.1:*", "--curve-key", missing});
  auto st = broker.wait(30s);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(WEXITSTATUS(*st), 2);
  EXPECT_NE(broker.stderr_text().find(missing), std::string::npos) << broker.stderr_text();

  dir.make("w");
  ChildProcess worker(testing::bin_dir() + "/sweep-worker",
                      {"--broker", "tcp://127.0.0.1:1", "--curve-key", dir.path("w.key")});
  auto ws = worker.wait(30s);
  ASSERT_TRUE(ws.has_value());
  EXPECT_EQ(WEXITSTATUS(*ws), 2);
  EXPECT_NE(worker.stderr_text().find("--curve-server-key"), std::string::npos)
      << worker.stderr_text();
}

}  // namespace
}  // namespace sweep
