// What an optimization maximises or minimises, and the deterministic ranking of trials by it.
// Used by the in-process optimizer and by the broker alike, so that the best trial and the top-k
// are the same whatever order trials complete in (DESIGN §6: bit-identical in one process or on a
// cluster).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "sweep/engine/metrics.hpp"

namespace sweep {

struct Objective {
  Metric metric = Metric::kSharpe;
  bool maximize = true;

  double value(const Metrics& m) const { return m[metric]; }

  // Whether trial `ia` with objective value `a` ranks strictly ahead of trial `ib` with `b`.
  // A strict total order on (value, index): NaN (undefined) ranks behind every number whatever
  // the goal, and equal values (NaN with NaN, -0 with +0) go to the lower trial index.
  bool better(double a, uint64_t ia, double b, uint64_t ib) const {
    const bool na = std::isnan(a), nb = std::isnan(b);
    if (na != nb) return nb;
    if (!na && a != b) return maximize ? a > b : a < b;
    return ia < ib;
  }

  // Whether `v` reaches the stop-on-target value `target`: at or beyond it in the goal's
  // direction. NaN (undefined) never does.
  bool reaches(double v, double target) const {
    return !std::isnan(v) && (maximize ? v >= target : v <= target);
  }

  bool operator==(const Objective&) const = default;
};

// "maximize" / "minimize", the spelling of DESIGN §9.
inline std::string_view goal_name(bool maximize) {
  return maximize ? "maximize" : "minimize";
}

// Keeps the k best trials seen so far, best first. The kept set depends only on the set of
// (trial, value) pairs offered, never on their order. Offering a trial index that is already kept
// is ignored, so a result delivered twice (a retried lease) changes nothing. NaN values are kept
// too, behind every number, while there is room; callers leave failed trials out.
template <class Payload = std::monostate>
class TopK {
 public:
  struct Entry {
    uint64_t trial;
    double value;
    Payload payload;
  };
  struct Offer {
    bool kept = false;                // the trial is now among the k best
    std::optional<uint64_t> evicted;  // the trial it pushed out, if any
  };

  TopK(Objective objective, size_t k) : objective_(objective), k_(k) {}

  Offer offer(uint64_t trial, double value, Payload payload = {}) {
    if (k_ == 0 || contains(trial) || !would_keep(value, trial)) return {};
    auto pos = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
      return objective_.better(value, trial, e.value, e.trial);
    });
    entries_.insert(pos, Entry{trial, value, std::move(payload)});
    Offer out{true, std::nullopt};
    if (entries_.size() > k_) {
      out.evicted = entries_.back().trial;
      entries_.pop_back();
    }
    return out;
  }

  // Whether offering (value, trial) now would keep it: lets a caller skip fetching a payload.
  bool would_keep(double value, uint64_t trial) const {
    if (entries_.size() < k_) return true;
    const Entry& worst = entries_.back();
    return objective_.better(value, trial, worst.value, worst.trial);
  }

  bool contains(uint64_t trial) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const Entry& e) { return e.trial == trial; });
  }

  const std::vector<Entry>& entries() const { return entries_; }  // best first
  const Entry* best() const { return entries_.empty() ? nullptr : &entries_.front(); }
  size_t size() const { return entries_.size(); }
  size_t k() const { return k_; }
  const Objective& objective() const { return objective_; }

 private:
  Objective objective_;
  size_t k_;
  std::vector<Entry> entries_;
};

}  // namespace sweep
