// Which finished trials carry their equity curve back to the broker. An optimization keeps full
// results for its top_k trials only (DESIGN §6); a trial among the job's top_k is necessarily
// among the top_k of the trials this worker ran for the job (fewer than k trials anywhere beat
// it, so fewer than k here do), so sending the curves of this worker's running top_k loses
// nothing and sends O(k log n) curves instead of n. Thread-safe: slot threads call admit().
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <utility>

#include "sweep/optimize/objective.hpp"

namespace sweep::worker {

class EquityFilter {
 public:
  // Jobs remembered; the oldest is forgotten beyond this (its trials then send their curves
  // again, which is harmless: the broker keeps whichever curves its own top-k holds).
  static constexpr size_t kJobs = 64;

  // Whether trial `index` of `job`, with objective value `value`, is among the k best this
  // worker has seen for the job; it is remembered if so.
  bool admit(const std::string& job, const Objective& objective, size_t k, uint64_t index,
             double value);

 private:
  std::mutex mu_;
  std::deque<std::pair<std::string, TopK<>>> jobs_;  // most recently created last
};

}  // namespace sweep::worker
