// A seeded bijection on [0, n): the k-th element of a random order, computed from (seed, k) alone
// in O(1) time and memory. Random-search trial plans draw grid points with it, without
// replacement, so a broker can dispatch and resume them by index (DESIGN §3).
//
// Construction: a balanced Feistel network on b-bit words (b even, the smallest with 2^b >= n,
// at least 2) with kRounds rounds keyed by splitmix64(seed), made a bijection on [0, n) by cycle
// walking (re-apply while the result is >= n; 2^b < 4n, so under 4 steps are expected).
// The mapping is part of the persisted behaviour: jobs resumed after an upgrade must see the same
// trials, so never change the round function, round count or key schedule.
#pragma once

#include <array>
#include <cstdint>

namespace sweep {

class SeededPermutation {
 public:
  static constexpr int kRounds = 6;

  SeededPermutation(uint64_t n, uint64_t seed);

  uint64_t size() const { return n_; }
  // The element at position k (k < size()).
  uint64_t operator()(uint64_t k) const;

 private:
  uint64_t feistel(uint64_t x) const;

  uint64_t n_;
  int half_bits_;
  uint64_t half_mask_;
  std::array<uint64_t, kRounds> keys_;
};

}  // namespace sweep
