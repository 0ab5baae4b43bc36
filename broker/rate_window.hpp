// Events per second over the last few seconds (the health reply's trials_per_s): one counter per
// whole second of the broker's steady clock, kept in a ring, so that counting is O(1) per trial
// and reading is O(window).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "sweep/base/clock.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::broker {

class RateWindow {
 public:
  void add(SteadyTime now, uint64_t n = 1) {
    Slot& s = slot(now);
    s.count += n;
  }
  // Events per second over the kRateWindowS whole seconds before the current one (the current
  // second is partial: counting it would read low early in each second).
  double per_second(SteadyTime now) const {
    const int64_t sec = second_of(now);
    uint64_t sum = 0;
    for (const Slot& s : ring_) {
      if (s.second < sec && s.second >= sec - protocol::kRateWindowS) sum += s.count;
    }
    return static_cast<double>(sum) / protocol::kRateWindowS;
  }

 private:
  struct Slot {
    int64_t second = -1;
    uint64_t count = 0;
  };
  static int64_t second_of(SteadyTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  }
  Slot& slot(SteadyTime now) {
    const int64_t sec = second_of(now);
    Slot& s = ring_[static_cast<size_t>(sec) % ring_.size()];
    if (s.second != sec) s = Slot{sec, 0};
    return s;
  }
  std::array<Slot, protocol::kRateWindowS + 1> ring_{};
};

}  // namespace sweep::broker
