// The C++ client of a Sweep cluster: the frontend requests of docs/PROTOCOL.md §4 over a DEALER
// socket, and a job's live events (§6) over a SUB socket.
//
// Reliability is lazy-pirate style: a request whose reply does not arrive within `timeout` is sent
// again on a fresh socket (a reply to the abandoned socket can never be mistaken for a later one),
// up to `retries` more times with a doubling backoff. A retry reuses the same `req` and the same
// idempotency key, so a submit is never applied twice. When no attempt is answered the call
// returns Code::kUnavailable naming the endpoint. An `error` reply becomes a Status with its code
// and message (the message starts with the field path); the field is kept in last_error_field().
// A request whose frame is over kMaxRequestBytes is Code::kTooLarge at once, never sent: the broker
// would close the connection without a reply.
//
// Errors are values; nothing here throws. A Client is not thread-safe: use one per thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sweep/base/status.hpp"
#include "sweep/curve/curve_keys.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/jobs/job_state.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::client {

struct ClientOptions {
  std::chrono::milliseconds timeout{3000};  // per attempt
  int retries = 2;                          // attempts after the first
  std::chrono::milliseconds backoff{100};   // before the first retry; doubles after each
  // CURVE on the frontend and events connections (docs/SECURITY.md); nullopt: plain TCP. A
  // broker that refuses the key (or a wrong server key) never answers: requests end as
  // Code::kUnavailable after the retries, like an unreachable broker.
  std::optional<curve::ClientKeys> curve;
};

struct TrialsQuery {
  std::string sort = "index";                // "index" or a metric name
  std::optional<protocol::SortOrder> order;  // default: asc for index, desc for a metric
  uint64_t limit = 100;
  uint64_t offset = 0;
};

struct ListQuery {
  std::optional<JobKind> kind;
  std::optional<JobState> status;
  uint64_t limit = 100;
  uint64_t offset = 0;
};

using Clock = std::chrono::steady_clock;

struct WaitOptions {
  std::chrono::milliseconds poll_interval{500};
  std::optional<Clock::time_point> deadline;  // none: wait for ever
  // Called with every status answer while waiting (the last one included).
  std::function<void(const protocol::StatusReply&)> on_progress;
  // Polled between slices; returning true stops the wait with Code::kCancelled.
  std::function<bool()> interrupted;
};

struct SubscribeOptions {
  // How often the status is asked as well: events are lossy, status is the truth.
  std::chrono::milliseconds poll_interval{1000};
  std::optional<Clock::time_point> deadline;
  std::function<void(const protocol::StatusReply&)> on_status;
  std::function<bool()> interrupted;  // as in WaitOptions
};

class Client {
 public:
  explicit Client(std::string frontend, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const std::string& frontend() const { return frontend_; }

  // An empty idempotency key is replaced by a random one, shared by every retry of this call.
  Result<protocol::AcceptedReply> submit(JobKind kind, const nlohmann::json& spec,
                                         std::string idempotency_key = {});
  Result<protocol::StatusReply> status(const std::string& id);
  Result<protocol::StatusReply> cancel(const std::string& id);
  Result<protocol::JobRecord> get(const std::string& id);
  Result<protocol::TrialsPage> trials(const std::string& id, const TrialsQuery& query = {});
  Result<protocol::JobsPage> list(const ListQuery& query = {});
  Result<protocol::HealthReply> health();
  // What a spec can name: the broker's strategies (with parameter schemas) and metric names; its
  // data folders' CSV files and stored datasets.
  Result<protocol::StrategiesReply> strategies();
  Result<protocol::DatasetsReply> datasets();

  // Polls status until the job is terminal; returns the terminal status. Past the deadline:
  // Code::kUnavailable.
  Result<protocol::StatusReply> wait(const std::string& id, const WaitOptions& options = {});

  // Subscribes to job.<id> on the broker's events endpoint (learned from health) and calls
  // `on_event` with each event of this job until the job is terminal; returns its terminal status.
  Result<protocol::StatusReply> subscribe(
      const std::string& id, const std::function<void(const protocol::Event&)>& on_event,
      const SubscribeOptions& options = {});

  // One request, with retries; `req` is filled in when empty. Error replies become a Status.
  Result<protocol::FrontendReply> request(protocol::FrontendRequest message);

  // The `field` of the last error reply ("" when none).
  const std::string& last_error_field() const { return last_error_field_; }
  // Whether the broker answered the last request, with a reply or an error (false: every attempt
  // timed out, or it was never sent).
  bool answered() const { return answered_; }

 private:
  struct Impl;
  std::string frontend_;
  ClientOptions options_;
  std::string last_error_field_;
  bool answered_ = false;
  std::unique_ptr<Impl> impl_;
};

// A random 128-bit hex string (request ids, idempotency keys).
std::string random_key();

}  // namespace sweep::client
