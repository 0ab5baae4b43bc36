#include "sweep/base/decimal.hpp"

#include <gtest/gtest.h>

namespace sweep {
namespace {

Decimal parsed(std::string_view text) {
  Decimal d{-1, -1};
  EXPECT_EQ(parse_decimal(text, d), DecimalError::kNone) << text;
  return d;
}

void expect_decimal(std::string_view text, int64_t mantissa, int digits) {
  Decimal d = parsed(text);
  EXPECT_EQ(d.mantissa, mantissa) << text;
  EXPECT_EQ(d.digits, digits) << text;
}

TEST(CsvDecimal, LowestTerms) {
  expect_decimal("104.06", 10406, 2);
  expect_decimal("100", 100, 0);
  expect_decimal("5.0", 5, 0);
  expect_decimal("1.50", 15, 1);
  expect_decimal("0.00001", 1, 5);
  expect_decimal("1e-05", 1, 5);
  expect_decimal("1.5E3", 1500, 0);
  expect_decimal("150e-2", 15, 1);
  expect_decimal("+.5", 5, 1);
  expect_decimal("7.", 7, 0);
  expect_decimal("-2.25", -225, 2);
  expect_decimal("0.000", 0, 0);
  expect_decimal("-0", 0, 0);
  expect_decimal("007.10", 71, 1);
  expect_decimal("1234567890123456789", 1234567890123460000, 0);  // 15 significant digits
}

TEST(CsvDecimal, PrintedDoublesRoundToFifteenSignificantDigits) {
  expect_decimal("288372.04635443003", 28837204635443, 8);
  expect_decimal("2.0999999999999996", 21, 1);
  expect_decimal("0.30000000000000004", 3, 1);
  expect_decimal("0.12345678901234567", 123456789012346, 15);
  expect_decimal("999999999999999.9", 1000000000000000, 0);
  expect_decimal("123456789012345", 123456789012345, 0);
}

TEST(CsvDecimal, Rejects) {
  Decimal d;
  for (std::string_view bad : {"", "-", ".", "abc", "1.2.3", "1e", "1e+", "nan", "inf", "1,5", " 1",
                               "1 ", "0x10", "--1", "1e5x"}) {
    EXPECT_EQ(parse_decimal(bad, d), DecimalError::kNotNumber) << "'" << bad << "'";
  }
  EXPECT_EQ(parse_decimal("1e19", d), DecimalError::kTooBig);
  EXPECT_EQ(parse_decimal("1e12345", d), DecimalError::kTooBig);
  EXPECT_EQ(parse_decimal("99999999999999999999", d), DecimalError::kTooBig);
  EXPECT_EQ(parse_decimal("9223372036854775807", d), DecimalError::kTooBig);  // rounds up past it
  EXPECT_EQ(parse_decimal("0.0000000000000001", d), DecimalError::kTooManyDigits);
  EXPECT_EQ(parse_decimal("1e-16", d), DecimalError::kTooManyDigits);
}

TEST(CsvDecimal, LessAcrossDigitCounts) {
  EXPECT_TRUE(decimal_less({95, 1}, {96, 0}));    // 9.5 < 96
  EXPECT_FALSE(decimal_less({960, 1}, {96, 0}));  // 96.0 == 96
  EXPECT_TRUE(decimal_less({1, 15}, {9'000'000'000'000'000'000, 0}));
  EXPECT_FALSE(decimal_less({9'000'000'000'000'000'000, 0}, {1, 15}));
  EXPECT_TRUE(decimal_less({-9'000'000'000'000'000'000, 0}, {-1, 15}));
}

TEST(CsvDecimal, FixedFormatting) {
  EXPECT_EQ(format_fixed(10406, 2), "104.06");
  EXPECT_EQ(format_fixed(10000, 2), "100.00");
  EXPECT_EQ(format_fixed(5, 3), "0.005");
  EXPECT_EQ(format_fixed(-5, 3), "-0.005");
  EXPECT_EQ(format_fixed(123, 0), "123");
  EXPECT_EQ(format_fixed(0, 2), "0.00");
  EXPECT_EQ(format_fixed(INT64_MIN, 0), "-9223372036854775808");
}

}  // namespace
}  // namespace sweep
