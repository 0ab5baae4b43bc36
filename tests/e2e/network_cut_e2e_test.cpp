// A worker on "another host" loses its network link mid-run: the worker runs in its own network
// namespace, linked to the broker by a veth pair; the test takes the host end down, then up
// again. Needs root and iproute2's `ip netns`; skipped with the reason otherwise.
//
// Expected: the broker declares the worker dead after its heartbeat liveness (measured), its
// trials run elsewhere; when the link is back the worker rejoins by itself (health lists it
// again), and whatever late result it sends for a trial that was re-assigned is discarded:
// every trial is recorded exactly once.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <optional>

#include "cluster.hpp"
#include "e2e_helpers.hpp"

extern char** environ;

namespace sweep {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using e2e::wait_until;

// Liveness 3: a silent worker is dead after ~750 ms. SWEEP_CUT_HEARTBEAT_MS=1000 measures the
// broker's default instead.
uint32_t heartbeat_ms() {
  const char* env = std::getenv("SWEEP_CUT_HEARTBEAT_MS");
  const long v = env ? std::strtol(env, nullptr, 10) : 0;
  return v >= 10 && v <= 60'000 ? static_cast<uint32_t>(v) : 250;
}

// Runs a command without a shell; its exit status (-1 when it could not start). Output is kept
// out of the test log unless `quiet` is false.
int run(const std::vector<std::string>& args, bool quiet = true) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A network namespace joined to this one by a veth pair: HOST_IP/30 here, NS_IP/30 there.
// Removed (namespace and both veth ends) on destruction, whatever happened in between.
class NetNamespace {
 public:
  // nullopt and the reason when it cannot be made here.
  static std::optional<NetNamespace> create(std::string* why) {
    if (geteuid() != 0) {
      *why = "needs root (ip netns, veth)";
      return std::nullopt;
    }
    if (run({"ip", "-V"}) != 0) {
      *why = "iproute2's `ip` is not installed";
      return std::nullopt;
    }
    NetNamespace ns(getpid());
    if (run({"ip", "netns", "add", ns.name_}) != 0) {
      *why = "`ip netns add` failed (no network namespaces in this container?)";
      return std::nullopt;
    }
    ns.created_ = true;
    const std::vector<std::vector<std::string>> steps = {
        {"ip", "link", "add", ns.host_if_, "type", "veth", "peer", "name", ns.ns_if_},
        {"ip", "link", "set", ns.ns_if_, "netns", ns.name_},
        {"ip", "addr", "add", ns.host_ip_ + "/30", "dev", ns.host_if_},
        {"ip", "link", "set", ns.host_if_, "up"},
        {"ip", "netns", "exec", ns.name_, "ip", "addr", "add", ns.ns_ip_ + "/30", "dev", ns.ns_if_},
        {"ip", "netns", "exec", ns.name_, "ip", "link", "set", ns.ns_if_, "up"},
        {"ip", "netns", "exec", ns.name_, "ip", "link", "set", "lo", "up"},
    };
    for (const auto& step : steps) {
      if (run(step) != 0) {
        *why = "cannot set up the veth pair: `" + step[0];
        for (size_t i = 1; i < step.size(); ++i) *why += " " + step[i];
        *why += "` failed";
        return std::nullopt;
      }
    }
    return ns;
  }
  NetNamespace(NetNamespace&& o) noexcept { *this = std::move(o); }
  NetNamespace& operator=(NetNamespace&& o) noexcept {
    name_ = o.name_;
    host_if_ = o.host_if_;
    ns_if_ = o.ns_if_;
    host_ip_ = o.host_ip_;
    ns_ip_ = o.ns_ip_;
    created_ = o.created_;
    o.created_ = false;
    return *this;
  }
  ~NetNamespace() {
    if (!created_) return;
    run({"ip", "link", "del", host_if_});  // takes its peer along
    run({"ip", "netns", "del", name_});
  }

  bool set_link(bool up) { return run({"ip", "link", "set", host_if_, up ? "up" : "down"}) == 0; }
  const std::string& name() const { return name_; }
  const std::string& host_ip() const { return host_ip_; }

 private:
  explicit NetNamespace(pid_t pid) {
    const std::string tag = std::to_string(pid % 1'000'000);
    name_ = "sweep-cut-" + tag;
    host_if_ = "swc" + tag + "h";  // <= 15 characters
    ns_if_ = "swc" + tag + "n";
    const std::string net = "10.213." + std::to_string(pid % 200 + 20) + ".";
    host_ip_ = net + "1";
    ns_ip_ = net + "2";
  }

  std::string name_, host_if_, ns_if_, host_ip_, ns_ip_;
  bool created_ = false;
};

// The health entry of worker `id`, if the broker lists it.
std::optional<protocol::WorkerInfo> worker_in_health(client::Client& c, const std::string& id) {
  auto h = c.health();
  if (!h.ok()) return std::nullopt;
  for (const auto& w : h->workers) {
    if (w.id == id) return w;
  }
  return std::nullopt;
}

TEST(NetworkCutE2E, AWorkerCutOffIsReplacedRejoinsAndItsLateResultsAreDiscarded) {
  std::string why;
  auto ns = NetNamespace::create(&why);
  if (!ns) GTEST_SKIP() << "network cut test skipped: " << why;

  testing::ClusterOptions options;
  options.worker_host = ns->host_ip();
  const uint32_t hb_ms = heartbeat_ms();
  options.broker_args = {"--heartbeat-ms", std::to_string(hb_ms)};
  testing::LocalCluster cluster(options);
  cluster.start_broker();
  cluster.add_worker(1);  // "w1", on this side
  testing::ChildProcess remote(
      "/usr/bin/env", {"ip", "netns", "exec", ns->name(), testing::bin_dir() + "/sweep-worker",
                       "--broker", cluster.endpoints().backend, "--slots", "1", "--name", "remote",
                       "--plugin", testing::lib_dir() + "/libsweep_test_plugin.so"});
  client::Client client(cluster.endpoints().frontend);
  ASSERT_TRUE(wait_until([&] { return worker_in_health(client, "remote").has_value(); }, 20s))
      << "the worker in the namespace never joined\n"
      << remote.stderr_text() << cluster.broker_stderr();

  // 60 trials of ~150 ms (1500 bars x 100 us) on two one-slot workers.
  constexpr uint64_t kTrials = 60;
  const nlohmann::json spec = {
      {"dataset", {{"synthetic", {{"bars", 1500}, {"seed", 9}}}}},
      {"strategy", "slow"},
      {"space", {{"n", {{"start", 0}, {"stop", kTrials - 1}, {"step", 1}}}, {"us_per_bar", {100}}}},
      {"max_attempts", 3}};
  auto acc = client.submit(JobKind::kOptimization, spec);
  ASSERT_TRUE(acc.ok()) << acc.status().ToString();
  ASSERT_TRUE(wait_until(
      [&] {
        auto w = worker_in_health(client, "remote");
        auto st = client.status(acc->id);
        return w && w->busy > 0 && st.ok() && st->completed >= 4;
      },
      20s))
      << "the remote worker never ran a trial\n"
      << remote.stderr_text() << cluster.broker_stderr();

  ASSERT_TRUE(ns->set_link(false));
  const auto cut_at = Clock::now();
  ASSERT_TRUE(wait_until([&] { return !worker_in_health(client, "remote"); }, 20s))
      << "the broker never declared the cut-off worker dead";
  const double detect_s = std::chrono::duration<double>(Clock::now() - cut_at).count();
  // The other worker goes on with the cut-off worker's trials meanwhile.
  auto before = client.status(acc->id);
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client.status(acc->id);
        return st.ok() && st->completed >= before->completed + 3;
      },
      20s));

  ASSERT_TRUE(ns->set_link(true));
  const auto up_at = Clock::now();
  ASSERT_TRUE(wait_until([&] { return worker_in_health(client, "remote").has_value(); }, 30s))
      << "the worker did not rejoin after the link came back\n"
      << remote.stderr_text();
  const double rejoin_s = std::chrono::duration<double>(Clock::now() - up_at).count();

  protocol::StatusReply final;
  ASSERT_TRUE(wait_until(
      [&] {
        auto st = client.status(acc->id);
        if (st.ok()) final = *st;
        return st.ok() && is_terminal(st->status);
      },
      60s))
      << cluster.broker_stderr();
  EXPECT_EQ(final.status, JobState::kCompleted);
  EXPECT_EQ(final.completed, kTrials);
  EXPECT_EQ(final.failed, 0u);

  // Exactly once, in the reply and in the database itself; the cut-off trial ran again.
  const auto trials = e2e::all_trials(client, acc->id);
  std::map<uint64_t, int> seen;
  uint32_t max_attempt = 0;
  for (const auto& t : trials) {
    ++seen[t.index];
    max_attempt = std::max(max_attempt, t.attempt);
    EXPECT_EQ(t.status, TrialState::kCompleted) << "trial " << t.index << ": " << t.error_message;
  }
  EXPECT_EQ(trials.size(), size_t{kTrials});
  EXPECT_EQ(seen.size(), size_t{kTrials});
  EXPECT_GE(max_attempt, 2u) << "no trial was re-run after the cut";
  e2e::OtherConnection db(cluster.db_path());
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM backtest_runs WHERE job_id = ?1", acc->id),
            int64_t{kTrials});
  EXPECT_EQ(
      db.scalar("SELECT COUNT(DISTINCT trial_index) FROM backtest_runs WHERE job_id = ?1", acc->id),
      int64_t{kTrials});
  EXPECT_EQ(db.scalar("SELECT completed FROM jobs WHERE id = ?1", acc->id), int64_t{kTrials});
  std::printf(
      "[ figure ] heartbeat %u ms x 3: cut-off worker declared dead %.2f s after the cut; "
      "rejoined %.2f s after the link came back\n",
      hb_ms, detect_s, rejoin_s);
}

}  // namespace
}  // namespace sweep
