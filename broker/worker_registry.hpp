// One connected worker, as the broker sees it (docs/PROTOCOL.md §5). State machine:
//
//   (unknown) --hello--> ready --credit--> ready (credit += n)
//   ready --any message--> ready (liveness refreshed)
//   ready --silent for heartbeat_liveness x heartbeat_ms--> dead (session dropped, leases requeued)
//   ready --bye--> gone (session dropped, leases requeued at once)
//   ready --hello again--> ready (a restarted worker: its old leases are requeued)
//
// A message from an identity without a session is ignored: the worker re-sends hello.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lease_table.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::broker {

struct WorkerSession {
  std::string identity;  // ROUTER routing id
  protocol::Hello hello;
  uint32_t credit = 0;  // trials the worker can still take
  SteadyTime last_seen;

  bool can_run(const std::string& strategy) const;
};

class WorkerSessions {
 public:
  WorkerSession& on_hello(const std::string& identity, protocol::Hello hello, SteadyTime now);
  WorkerSession* find(const std::string& identity);
  void remove(const std::string& identity);
  // Identities silent since before `cutoff`.
  std::vector<std::string> silent_since(SteadyTime cutoff) const;
  std::map<std::string, WorkerSession>& all() { return sessions_; }
  const std::map<std::string, WorkerSession>& all() const { return sessions_; }

 private:
  std::map<std::string, WorkerSession> sessions_;
};

}  // namespace sweep::broker
