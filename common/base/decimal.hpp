// Exact decimal numbers as text <-> (integer mantissa, number of decimals): the fixed-point
// prices of a TimeSeries come from here, never through a double.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sweep {

// value = mantissa / 10^digits, in lowest terms: no trailing zero in the mantissa when digits > 0,
// so "5.0" is {5, 0}, "1.50" is {15, 1}, "1e-05" is {1, 5} and "0.000" is {0, 0}.
struct Decimal {
  int64_t mantissa = 0;
  int digits = 0;
};

// More decimals than this would not leave an int64 room for real prices, nor a double an exact
// 10^digits.
constexpr int kMaxDecimalDigits = 15;

enum class DecimalError {
  kNone,
  kNotNumber,     // not [+-]digits[.digits][e[+-]digits] (a side of the point may be empty)
  kTooBig,        // beyond an int64 (or an exponent of more than 4 digits)
  kTooManyDigits  // more than kMaxDecimalDigits decimals
};

// Exact for texts of up to 15 significant digits. Longer ones are taken for what they nearly
// always are, a double printed in its shortest round-trip form ("288372.04635443003", where the
// double's error shows), and are rounded half up to 15 significant digits: all that a double is
// sure to carry, and what the writer meant ("288372.04635443").
DecimalError parse_decimal(std::string_view text, Decimal& out);

// A double carries this many significant decimal digits for sure; see parse_decimal.
constexpr int kMaxSignificantDigits = 15;

// The fast path of parse_decimal, for scanners that parse in place: reads the plain form
// digits[.digits] (no sign, exponent or spaces; at most kMaxSignificantDigits digits) at the start
// of [p, end) and returns where it stopped, or nullptr when there is no such prefix. The caller
// checks what follows; anything unusual is for parse_decimal. Inline: it runs once per field.
inline const char* parse_plain_decimal(const char* p, const char* end, Decimal& out) {
  const char* q = p;
  uint64_t m = 0;  // may wrap on a long run of digits, which is then refused
  while (q != end && static_cast<unsigned>(*q - '0') < 10)
    m = m * 10 + static_cast<unsigned>(*q++ - '0');
  auto length = q - p;
  int digits = 0;
  if (q != end && *q == '.') {
    const char* fraction = ++q;
    while (q != end && static_cast<unsigned>(*q - '0') < 10)
      m = m * 10 + static_cast<unsigned>(*q++ - '0');
    digits = static_cast<int>(q - fraction);
    length += digits;
  }
  if (length == 0 || length > kMaxSignificantDigits) return nullptr;
  while (digits > 0 && m % 10 == 0) m /= 10, --digits;
  out.mantissa = static_cast<int64_t>(m);
  out.digits = digits;
  return q;
}

// a < b for two decimals of any digit counts, without overflow.
bool decimal_less(Decimal a, Decimal b);

// value * 10^extra_digits, false on int64 overflow.
bool scale_up(int64_t value, int extra_digits, int64_t& out);

// The fixed-point value as text with exactly `digits` decimals ("-12.50" for -1250, 2):
// parse_decimal reads it back (in lowest terms).
void append_fixed(std::string& out, int64_t value, int digits);
std::string format_fixed(int64_t value, int digits);

}  // namespace sweep
