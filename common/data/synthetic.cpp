#include "sweep/data/synthetic.hpp"

#include <algorithm>
#include <string>

namespace sweep {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman & Vigna): fast, and specified bit for bit, unlike std's distributions.
class Xoshiro256 {
 public:
  explicit Xoshiro256(uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }
  uint64_t operator()() {
    uint64_t result = rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// The walk runs in micro-cents so that moves smaller than a cent still accumulate.
constexpr int64_t kUnitsPerCent = 1'000'000;
constexpr int64_t kStart = 100'00 * kUnitsPerCent;
constexpr int64_t kLowBand = kStart / 4;
constexpr int64_t kHighBand = kStart * 4;
constexpr int64_t kHardFloor = 1'00 * kUnitsPerCent;
// The sum of four 16-bit uniforms is close to normal with sd ~37,837; >> 26 makes that ~0.056%.
constexpr int64_t kNoiseMean = 2 * 65'535;
constexpr int kNoiseShift = 26;
constexpr int64_t kBandPull = 7'500;  // a fifth of a standard deviation per bar, back into band
constexpr int kWickShift = 28;        // wicks up to ~0.024% beyond the body
constexpr int64_t kStartMs = 1'577'836'800'000;  // 2020-01-01T00:00:00Z
constexpr int64_t kBarMs = 60'000;

int64_t to_cents(int64_t units) {
  return (units + kUnitsPerCent / 2) / kUnitsPerCent;
}

int64_t sum_of_16_bit_parts(uint64_t r) {
  return static_cast<int64_t>((r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) +
                              (r >> 48));
}

}  // namespace

TimeSeries make_synthetic(size_t bars, uint64_t seed) {
  TimeSeries series;
  series.name = "synthetic:" + std::to_string(bars) + ":" + std::to_string(seed);
  series.price_digits = 2;
  series.volume_digits = 0;
  series.bars.reserve(bars);  // not resize: zero-filling 48 MB first would touch it all twice
  Xoshiro256 rng(seed);
  int64_t price = kStart;
  for (size_t i = 0; i < bars; ++i) {
    int64_t noise = sum_of_16_bit_parts(rng()) - kNoiseMean;
    if (price < kLowBand) noise += kBandPull;
    if (price > kHighBand) noise -= kBandPull;
    int64_t open = price;
    // C++20 defines >> of a negative value as an arithmetic shift.
    price = std::max(kHardFloor, price + ((price * noise) >> kNoiseShift));
    uint64_t r = rng();
    int64_t upper_wick = (open * static_cast<int64_t>(r & 0xFFFF)) >> kWickShift;
    int64_t lower_wick = (open * static_cast<int64_t>((r >> 16) & 0xFFFF)) >> kWickShift;
    Int64Bar bar;
    bar.ts = kStartMs + static_cast<int64_t>(i) * kBarMs;
    bar.open = to_cents(open);
    bar.high = to_cents(std::max(open, price) + upper_wick);
    bar.low = std::max<int64_t>(1, to_cents(std::min(open, price) - lower_wick));
    bar.close = to_cents(price);
    bar.volume = 100 + static_cast<int64_t>((r >> 32) % 10'000);
    series.bars.push_back(bar);
  }
  return series;
}

}  // namespace sweep
