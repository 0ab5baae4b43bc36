// The connected workers, as the broker sees them (docs/PROTOCOL.md §5). Each session has a state:
//
//   (no session) --hello--> welcomed --credit > 0--> ready --credit--> ready (credit += n)
//   welcomed | ready --any message--> same state (liveness refreshed)
//   welcomed | ready --silent for liveness x heartbeat, or crashed--> lost
//   welcomed | ready --bye, or hello again (a restarted worker)--> gone
//
//   welcomed: hello answered with welcome; no credit granted yet, so it gets heartbeats only.
//   ready:    it has granted credit; batches go to it while its credit lasts.
//   lost:     dead or dying without a word; gone: it said it leaves (or restarted). Both leave the
//             registry at once (drop() hands the session back) and the broker requeues their
//             leases. A message from an identity without a session is ignored: the worker re-sends
//             hello when no welcome comes.
//
// Thread safety: the broker's loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sweep/base/clock.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::broker {

enum class SessionState { kWelcomed, kReady, kLost, kGone };

struct WorkerSession {
  std::string identity;  // ROUTER routing id
  protocol::Hello hello;
  SessionState state = SessionState::kWelcomed;
  uint32_t credit = 0;  // trials the worker can still take
  SteadyTime last_seen;
  // Stall detection (docs/RELIABILITY.md "hung worker"): a worker holding trials ends one at least
  // every trial timeout (its own watchdog fails a trial at the timeout). `quiet_since` is when it
  // last ended a trial, began to hold trials, or got the dataset it waited for; `lease_timeout_s`
  // the longest timeout of the trials given to it since it began to hold them.
  SteadyTime quiet_since{};
  double lease_timeout_s = 0;
  // Drained: a trial of it timed out, so it gets no trials until it sends a result again.
  bool drained = false;
  // Leaving: it said `draining` (SIGTERM), so it gets no trials again in this session.
  bool leaving = false;

  bool can_run(const std::string& strategy) const;
  bool takes_trials() const {
    return state == SessionState::kReady && credit > 0 && !drained && !leaving;
  }
};

class WorkerRegistry {
 public:
  // A worker silent for longer than liveness x heartbeat_ms is lost.
  WorkerRegistry(uint32_t heartbeat_ms, uint32_t liveness);

  // A new session, welcomed (an earlier one of the identity must have been dropped).
  WorkerSession& welcome(const std::string& identity, protocol::Hello hello, SteadyTime now);
  WorkerSession* find(const std::string& identity);
  // The routing identity of the session whose hello gave worker id `worker`, if any.
  std::optional<std::string> identity_of(const std::string& worker) const;
  // Any message from the worker: it is alive.
  static void heard(WorkerSession& session, SteadyTime now) { session.last_seen = now; }
  // The worker can take `credit` more trials.
  static void grant(WorkerSession& session, uint32_t credit);
  // Ends the session (`end`: lost or gone) and hands it back; nullopt when there is none.
  std::optional<WorkerSession> drop(const std::string& identity, SessionState end);
  // Sessions silent for longer than liveness x heartbeat at `now`: to be dropped as lost.
  std::vector<std::string> lost(SteadyTime now) const;
  // Why no connected worker can take trials of `strategy` ("no worker is connected", "no
  // connected worker runs strategy 'x'", ...); "" when one can (or will, once it grants credit).
  std::string why_none_runs(const std::string& strategy) const;

  std::map<std::string, WorkerSession>& all() { return sessions_; }
  const std::map<std::string, WorkerSession>& all() const { return sessions_; }

 private:
  std::chrono::milliseconds silence_;
  std::map<std::string, WorkerSession> sessions_;
};

}  // namespace sweep::broker
