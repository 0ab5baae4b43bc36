#include "sweep/optimize/seeded_permutation.hpp"

#include <cassert>

namespace sweep {
namespace {

// splitmix64's finaliser (Steele, Lea, Flood 2014): a fixed, well-mixing 64-bit function.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

}  // namespace

SeededPermutation::SeededPermutation(uint64_t n, uint64_t seed) : n_(n) {
  int bits = 2;
  while (bits < 64 && (uint64_t{1} << bits) < n) bits += 2;
  half_bits_ = bits / 2;
  half_mask_ = (uint64_t{1} << half_bits_) - 1;
  uint64_t state = seed;
  for (auto& k : keys_) k = mix(state += kGolden);
}

uint64_t SeededPermutation::feistel(uint64_t x) const {
  uint64_t left = x >> half_bits_;
  uint64_t right = x & half_mask_;
  for (uint64_t key : keys_) {
    uint64_t next = left ^ (mix(right ^ key) & half_mask_);
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

uint64_t SeededPermutation::operator()(uint64_t k) const {
  assert(k < n_);
  uint64_t x = feistel(k);
  while (x >= n_) x = feistel(x);
  return x;
}

}  // namespace sweep
