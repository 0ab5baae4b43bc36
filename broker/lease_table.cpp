#include "lease_table.hpp"

#include <algorithm>

namespace sweep::broker {

namespace {
void decrement(std::unordered_map<std::string, size_t>& counts, const std::string& key) {
  auto it = counts.find(key);
  if (it == counts.end()) return;
  if (--it->second == 0) counts.erase(it);
}
size_t count(const std::unordered_map<std::string, size_t>& counts, const std::string& key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}
}  // namespace

void LeaseTable::add(Lease lease) {
  auto key = std::make_pair(lease.job, lease.index);
  auto it = leases_.find(key);
  if (it != leases_.end()) take(it);  // replaced: its counts go
  ++per_job_[lease.job];
  ++per_worker_[lease.worker];
  leases_.emplace(std::move(key), std::move(lease));
}

Lease LeaseTable::take(Map::iterator it, Map::iterator* next) {
  Lease out = std::move(it->second);
  auto after = leases_.erase(it);
  if (next) *next = after;
  decrement(per_job_, out.job);
  decrement(per_worker_, out.worker);
  return out;
}

const Lease* LeaseTable::find(const std::string& job, uint64_t index) const {
  auto it = leases_.find({job, index});
  return it == leases_.end() ? nullptr : &it->second;
}

std::optional<Lease> LeaseTable::release(const std::string& job, uint64_t index,
                                         const std::string& worker, uint32_t attempt) {
  auto it = leases_.find({job, index});
  if (it == leases_.end() || it->second.worker != worker || it->second.attempt != attempt) {
    return std::nullopt;
  }
  return take(it);
}

std::vector<Lease> LeaseTable::release_worker(const std::string& worker) {
  std::vector<Lease> out;
  if (count(per_worker_, worker) == 0) return out;
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (it->second.worker == worker) {
      out.push_back(take(it, &it));
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<Lease> LeaseTable::release_expired(SteadyTime now) {
  std::vector<Lease> out;
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (it->second.deadline <= now) {
      out.push_back(take(it, &it));
    } else {
      ++it;
    }
  }
  return out;
}

size_t LeaseTable::count_for_job_through(const std::string& job, uint64_t last) const {
  size_t n = 0;
  for (auto it = leases_.lower_bound({job, 0});
       it != leases_.end() && it->first.first == job && it->first.second <= last; ++it)
    ++n;
  return n;
}

size_t LeaseTable::count_for_job(const std::string& job) const {
  return count(per_job_, job);
}

size_t LeaseTable::count_for_worker(const std::string& worker) const {
  return count(per_worker_, worker);
}

}  // namespace sweep::broker
