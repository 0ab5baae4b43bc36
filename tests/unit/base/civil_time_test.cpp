#include "sweep/base/civil_time.hpp"

#include <gtest/gtest.h>

namespace sweep {
namespace {

TEST(CsvTime, KnownDays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2020, 1, 1), 18262);
  EXPECT_EQ(days_from_civil(1900, 3, 1), -25508);
}

TEST(CsvTime, CivilRoundTripsOverFourThousandYears) {
  for (int64_t day = -1'000'000; day <= 1'000'000; day += 7) {
    CivilDate d = civil_from_days(day);
    ASSERT_GE(d.day, 1);
    ASSERT_LE(d.day, days_in_month(d.year, d.month));
    ASSERT_EQ(days_from_civil(d.year, d.month, d.day), day);
  }
}

TEST(CsvTime, LeapYears) {
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_month(1900, 2), 28);
  EXPECT_EQ(days_in_month(2024, 2), 29);
  EXPECT_TRUE(parse_time_ms("2024-02-29").has_value());
  EXPECT_FALSE(parse_time_ms("2023-02-29").has_value());
  EXPECT_FALSE(parse_time_ms("2024-04-31").has_value());
}

TEST(CsvTime, EpochSecondsAndMilliseconds) {
  EXPECT_EQ(parse_time_ms("0"), 0);
  EXPECT_EQ(parse_time_ms("99999999999"), 99'999'999'999'000);  // just below 1e11: seconds
  EXPECT_EQ(parse_time_ms("100000000000"), 100'000'000'000);    // 1e11: milliseconds
  EXPECT_EQ(parse_time_ms("-86400"), -86'400'000);
  EXPECT_FALSE(parse_time_ms("").has_value());
  EXPECT_FALSE(parse_time_ms("12.5").has_value());
  EXPECT_FALSE(parse_time_ms("99999999999999999999").has_value());
}

TEST(CsvTime, BeforeTheEpoch) {
  EXPECT_EQ(parse_time_ms("1969-12-31 23:59:59.999"), -1);
}

TEST(CsvTime, FormatReadsBack) {
  for (int64_t ms : {int64_t{0}, int64_t{-1}, int64_t{1'577'836'800'123}, int64_t{951'782'400'000},
                     int64_t{-2'208'988'800'000}}) {
    for (TimeFormat f : {TimeFormat::kMillis}) EXPECT_EQ(parse_time_ms(format_time(ms, f)), ms);
  }
  EXPECT_EQ(format_time(1'577'836'800'123, TimeFormat::kMillis), "2020-01-01 00:00:00.123");
  EXPECT_EQ(format_time(1'577'836'861'000, TimeFormat::kSeconds), "2020-01-01 00:01:01");
  EXPECT_EQ(format_time(1'577'836'800'000, TimeFormat::kDate), "2020-01-01");
  EXPECT_EQ(format_time(-1, TimeFormat::kMillis), "1969-12-31 23:59:59.999");
}

}  // namespace
}  // namespace sweep
