#include "sweep/data/synthetic.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "sweep/data/dataset.hpp"

namespace sweep {
namespace {

bool same_bars(const TimeSeries& a, const TimeSeries& b) {
  return a.price_digits == b.price_digits && a.volume_digits == b.volume_digits &&
         std::equal(a.bars.begin(), a.bars.end(), b.bars.begin(), b.bars.end(),
                    [](const Int64Bar& x, const Int64Bar& y) {
                      return x.ts == y.ts && x.open == y.open && x.high == y.high &&
                             x.low == y.low && x.close == y.close && x.volume == y.volume;
                    });
}

TEST(Synthetic, Shape) {
  TimeSeries s = make_synthetic(1000, 7);
  EXPECT_EQ(s.name, "synthetic:1000:7");
  EXPECT_EQ(s.price_digits, 2);
  EXPECT_EQ(s.volume_digits, 0);
  ASSERT_EQ(s.size(), 1000u);
  EXPECT_EQ(s.bars.front().ts, 1'577'836'800'000);  // 2020-01-01T00:00:00Z
  EXPECT_EQ(s.bars.front().open, 10000);
  for (size_t i = 1; i < s.size(); ++i) {
    ASSERT_EQ(s.bars[i].ts - s.bars[i - 1].ts, 60'000);
    ASSERT_EQ(s.bars[i].open, s.bars[i - 1].close);
  }
  EXPECT_TRUE(make_synthetic(0, 7).empty());
}

TEST(Synthetic, SameSeedSameBars) {
  EXPECT_TRUE(same_bars(make_synthetic(10'000, 42), make_synthetic(10'000, 42)));
  // A longer series starts with the shorter one.
  TimeSeries longer = make_synthetic(20'000, 42);
  longer.bars.resize(10'000);
  EXPECT_TRUE(same_bars(make_synthetic(10'000, 42), longer));
}

TEST(Synthetic, DifferentSeedDifferentBars) {
  TimeSeries a = make_synthetic(1'000, 1), b = make_synthetic(1'000, 2);
  size_t equal_closes = 0;
  for (size_t i = 0; i < a.size(); ++i) equal_closes += a.bars[i].close == b.bars[i].close;
  EXPECT_LT(equal_closes, 100u);
}

// Pins the generator bit for bit: a change here changes every synthetic dataset's content hash
// and every result computed on one.
TEST(Synthetic, GoldenHash) {
  EXPECT_EQ(dataset_hash(make_synthetic(100'000, 7)),
            "dae356cf68d29ab77e07c65b6e430674ad2db36e35a51328a6d54c0386cbb666");
}

TEST(Synthetic, ValidOhlcAndBoundedPrices) {
  for (uint64_t seed : {0ull, 1ull, 0xFFFF'FFFF'FFFF'FFFFull}) {
    TimeSeries s = make_synthetic(300'000, seed);
    int64_t lowest = INT64_MAX, highest = 0;
    for (const Int64Bar& b : s.bars) {
      ASSERT_GT(b.low, 0);
      ASSERT_LE(b.low, std::min(b.open, b.close));
      ASSERT_GE(b.high, std::max(b.open, b.close));
      ASSERT_GT(b.volume, 0);
      lowest = std::min(lowest, b.low);
      highest = std::max(highest, b.high);
    }
    // The walk moves, and stays near its 25..400 band.
    EXPECT_LT(lowest, 9000) << seed;
    EXPECT_GT(highest, 11000) << seed;
    EXPECT_GT(lowest, 1500) << seed;
    EXPECT_LT(highest, 60000) << seed;
  }
}

}  // namespace
}  // namespace sweep
