#include "sweep/base/clock.hpp"

#include <gtest/gtest.h>

namespace sweep {
namespace {

using namespace std::chrono_literals;

TEST(FakeClock, MovesOnlyWhenAdvanced) {
  FakeClock clock;
  const SteadyTime t0 = clock.steady();
  const int64_t w0 = clock.wall_ms();
  EXPECT_EQ(w0, FakeClock::kStartWallMs);
  EXPECT_EQ(clock.steady(), t0);
  clock.advance(1500ms);
  EXPECT_EQ(clock.steady() - t0, 1500ms);
  EXPECT_EQ(clock.wall_ms() - w0, 1500);
}

TEST(FakeClock, StartsLaterThanADefaultTimePoint) {
  // Code initialises "next due" times to SteadyTime{}: they must be due at once.
  FakeClock clock;
  EXPECT_GT(clock.steady(), SteadyTime{} + std::chrono::hours(1));
}

TEST(SystemClock, ReadsTheRealClocks) {
  const auto clock = system_clock();
  const auto before = std::chrono::steady_clock::now();
  EXPECT_GE(clock->steady(), before);
  const int64_t sys = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(std::abs(clock->wall_ms() - sys), 1000);
}

}  // namespace
}  // namespace sweep
