// Which worker holds which trial (DESIGN §1 "Leases"). A trial is leased to at most one worker at a
// time; a result counts only when it matches the lease (worker and attempt), so a late or
// duplicated result can never be counted twice.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sweep/base/clock.hpp"
#include "sweep/engine/params.hpp"

namespace sweep::broker {

struct Lease {
  std::string job;
  uint64_t index = 0;
  uint32_t attempt = 1;
  std::string worker;       // the worker session's routing identity (bytes)
  std::string worker_name;  // the id the worker gave in hello, for records
  SteadyTime deadline;
  int64_t started_at_ms = 0;  // wall time of the grant
  // The trial's parameters, computed once when it was taken from the plan: a result, a re-queue or
  // a timeout needs them, and recomputing them from a constrained plan costs up to
  // TrialPlan::kCheckpointStride constraint evaluations on the loop.
  ParamSet params;
};

class LeaseTable {
 public:
  void add(Lease lease);
  const Lease* find(const std::string& job, uint64_t index) const;
  // Removes and returns the lease when it matches worker and attempt; nullopt otherwise (stale).
  std::optional<Lease> release(const std::string& job, uint64_t index, const std::string& worker,
                               uint32_t attempt);
  std::vector<Lease> release_worker(const std::string& worker);
  std::vector<Lease> release_expired(SteadyTime now);
  // O(1): kept as counters, since the broker asks after every result.
  size_t count_for_job(const std::string& job) const;
  size_t count_for_worker(const std::string& worker) const;
  // Leases of `job` on trials 0..last: a walk over them (a stopped job asks; few are held).
  size_t count_for_job_through(const std::string& job, uint64_t last) const;
  size_t size() const { return leases_.size(); }

 private:
  using Map = std::map<std::pair<std::string, uint64_t>, Lease>;
  Lease take(Map::iterator it, Map::iterator* next = nullptr);

  Map leases_;
  std::unordered_map<std::string, size_t> per_job_, per_worker_;
};

}  // namespace sweep::broker
