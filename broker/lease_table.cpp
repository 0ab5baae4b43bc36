#include "lease_table.hpp"

#include <algorithm>

namespace sweep::broker {

void LeaseTable::add(Lease lease) {
  auto key = std::make_pair(lease.job, lease.index);
  leases_[std::move(key)] = std::move(lease);
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
  Lease out = std::move(it->second);
  leases_.erase(it);
  return out;
}

std::vector<Lease> LeaseTable::release_worker(const std::string& worker) {
  std::vector<Lease> out;
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (it->second.worker == worker) {
      out.push_back(std::move(it->second));
      it = leases_.erase(it);
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
      out.push_back(std::move(it->second));
      it = leases_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

size_t LeaseTable::count_for_job(const std::string& job) const {
  auto it = leases_.lower_bound({job, 0});
  size_t n = 0;
  for (; it != leases_.end() && it->first.first == job; ++it) ++n;
  return n;
}

size_t LeaseTable::count_for_worker(const std::string& worker) const {
  return static_cast<size_t>(std::count_if(
      leases_.begin(), leases_.end(), [&](const auto& kv) { return kv.second.worker == worker; }));
}

}  // namespace sweep::broker
