#include "worker_registry.hpp"

#include <algorithm>

namespace sweep::broker {

bool WorkerSession::can_run(const std::string& strategy) const {
  // A worker that lists nothing is taken to run every strategy.
  return hello.strategies.empty() || std::find(hello.strategies.begin(), hello.strategies.end(),
                                               strategy) != hello.strategies.end();
}

WorkerRegistry::WorkerRegistry(uint32_t heartbeat_ms, uint32_t liveness)
    : silence_(std::chrono::milliseconds(heartbeat_ms) * liveness) {}

WorkerSession& WorkerRegistry::welcome(const std::string& identity, protocol::Hello hello,
                                       SteadyTime now) {
  WorkerSession& s = sessions_[identity];
  s.identity = identity;
  s.hello = std::move(hello);
  s.state = SessionState::kWelcomed;
  s.credit = 0;
  s.last_seen = now;
  return s;
}

WorkerSession* WorkerRegistry::find(const std::string& identity) {
  auto it = sessions_.find(identity);
  return it == sessions_.end() ? nullptr : &it->second;
}

void WorkerRegistry::grant(WorkerSession& session, uint32_t credit) {
  session.credit += credit;
  if (credit > 0) session.state = SessionState::kReady;
}

std::optional<WorkerSession> WorkerRegistry::drop(const std::string& identity, SessionState end) {
  auto it = sessions_.find(identity);
  if (it == sessions_.end()) return std::nullopt;
  WorkerSession s = std::move(it->second);
  sessions_.erase(it);
  s.state = end;
  return s;
}

std::vector<std::string> WorkerRegistry::lost(SteadyTime now) const {
  std::vector<std::string> out;
  for (const auto& [id, s] : sessions_) {
    if (s.last_seen < now - silence_) out.push_back(id);
  }
  return out;
}

std::optional<std::string> WorkerRegistry::identity_of(const std::string& worker) const {
  for (const auto& [identity, s] : sessions_) {
    if (s.hello.worker == worker) return identity;
  }
  return std::nullopt;
}

std::string WorkerRegistry::why_none_runs(const std::string& strategy) const {
  if (sessions_.empty()) return "no worker is connected";
  size_t drained = 0, leaving = 0;
  for (const auto& [identity, s] : sessions_) {
    if (!s.can_run(strategy)) continue;
    if (s.leaving) {
      ++leaving;
    } else if (s.drained) {
      ++drained;
    } else {
      return "";
    }
  }
  if (drained + leaving == 0) {
    return "no connected worker runs strategy '" + strategy + "' (" +
           std::to_string(sessions_.size()) + " connected)";
  }
  if (drained == 0)
    return "every connected worker that runs strategy '" + strategy + "' is leaving";
  return "every connected worker that runs strategy '" + strategy +
         "' is drained (it held trials past their timeout) or leaving";
}

}  // namespace sweep::broker
