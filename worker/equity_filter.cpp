#include "equity_filter.hpp"

namespace sweep::worker {

bool EquityFilter::admit(const std::string& job, const Objective& objective, size_t k,
                         uint64_t index, double value) {
  std::lock_guard lock(mu_);
  TopK<>* top = nullptr;
  for (auto& [id, t] : jobs_) {
    if (id == job && t.objective() == objective && t.k() == k) top = &t;
  }
  if (!top) {
    if (jobs_.size() >= kJobs) jobs_.pop_front();
    top = &jobs_.emplace_back(job, TopK<>(objective, k)).second;
  }
  return top->offer(index, value).kept;
}

}  // namespace sweep::worker
