#include "worker_session.hpp"

#include <algorithm>

namespace sweep::broker {

bool WorkerSession::can_run(const std::string& strategy) const {
  // A worker that lists nothing is taken to run every strategy.
  return hello.strategies.empty() || std::find(hello.strategies.begin(), hello.strategies.end(),
                                               strategy) != hello.strategies.end();
}

WorkerSession& WorkerSessions::on_hello(const std::string& identity, protocol::Hello hello,
                                        SteadyTime now) {
  WorkerSession& s = sessions_[identity];
  s.identity = identity;
  s.hello = std::move(hello);
  s.credit = 0;
  s.last_seen = now;
  return s;
}

WorkerSession* WorkerSessions::find(const std::string& identity) {
  auto it = sessions_.find(identity);
  return it == sessions_.end() ? nullptr : &it->second;
}

void WorkerSessions::remove(const std::string& identity) {
  sessions_.erase(identity);
}

std::vector<std::string> WorkerSessions::silent_since(SteadyTime cutoff) const {
  std::vector<std::string> out;
  for (const auto& [id, s] : sessions_) {
    if (s.last_seen < cutoff) out.push_back(id);
  }
  return out;
}

}  // namespace sweep::broker
