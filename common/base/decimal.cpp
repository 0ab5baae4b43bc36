#include "sweep/base/decimal.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace sweep {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

constexpr int kMaxExponentDigits = 4;

constexpr std::array<int64_t, 19> kPow10 = [] {
  std::array<int64_t, 19> table{};
  table[0] = 1;
  for (size_t i = 1; i < table.size(); ++i) table[i] = table[i - 1] * 10;
  return table;
}();

// Every form of the grammar in decimal.hpp. Texts of more than 15 significant digits are the
// shortest round-trip form of a double (Python, pandas and numpy write up to 17 digits), whose
// extra digits are binary noise: "288372.04635443003" is the double nearest 288372.04635443 plus
// an ulp.
DecimalError parse_general(std::string_view text, Decimal& out) {
  const char* p = text.data();
  const char* end = p + text.size();
  bool negative = false;
  if (p != end && (*p == '+' || *p == '-')) negative = *p++ == '-';
  const char* int_begin = p;
  while (p != end && is_digit(*p)) ++p;
  const char* int_end = p;
  const char* frac_begin = p;
  const char* frac_end = p;
  if (p != end && *p == '.') {
    frac_begin = ++p;
    while (p != end && is_digit(*p)) ++p;
    frac_end = p;
  }
  if (int_begin == int_end && frac_begin == frac_end) return DecimalError::kNotNumber;
  int exponent = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p != end && (*p == '+' || *p == '-')) exp_negative = *p++ == '-';
    const char* exp_begin = p;
    for (; p != end && is_digit(*p); ++p) {
      if (p - exp_begin < kMaxExponentDigits) exponent = exponent * 10 + (*p - '0');
    }
    if (p == exp_begin) return DecimalError::kNotNumber;
    if (p - exp_begin > kMaxExponentDigits) return DecimalError::kTooBig;
    if (exp_negative) exponent = -exponent;
  }
  if (p != end) return DecimalError::kNotNumber;

  while (frac_end != frac_begin && frac_end[-1] == '0') --frac_end;
  while (int_begin != int_end && *int_begin == '0') ++int_begin;
  const int int_len = static_cast<int>(int_end - int_begin);
  const int frac_len = static_cast<int>(frac_end - frac_begin);
  auto digit_at = [&](int k) {
    return (k < int_len ? int_begin[k] : frac_begin[k - int_len]) - '0';
  };

  int first = 0;  // the first significant digit: only a bare fraction ("0.000123") has zeros first
  if (int_len == 0)
    while (first < frac_len && frac_begin[first] == '0') ++first;
  const int last = std::min(int_len + frac_len, first + kMaxSignificantDigits);
  int64_t mantissa = 0;
  for (int k = first; k < std::min(last, int_len); ++k)
    mantissa = mantissa * 10 + (int_begin[k] - '0');
  for (int k = std::max(first, int_len); k < last; ++k)
    mantissa = mantissa * 10 + (frac_begin[k - int_len] - '0');
  const int dropped = int_len + frac_len - last;
  if (dropped > 0 && digit_at(last) >= 5) ++mantissa;
  int digits = frac_len - exponent - dropped;
  if (mantissa == 0) {
    digits = 0;
  } else if (digits < 0) {
    if (!scale_up(mantissa, -digits, mantissa)) return DecimalError::kTooBig;
    digits = 0;
  } else if (exponent != 0 || dropped > 0) {
    // "150e-2" or a rounded "2.0999999999999996": trailing zeros that the text did not show.
    while (digits > 0 && mantissa % 10 == 0) mantissa /= 10, --digits;
  }
  if (digits > kMaxDecimalDigits) return DecimalError::kTooManyDigits;
  out.mantissa = negative ? -mantissa : mantissa;
  out.digits = digits;
  return DecimalError::kNone;
}

}  // namespace

DecimalError parse_decimal(std::string_view text, Decimal& out) {
  const char* end = text.data() + text.size();
  if (parse_plain_decimal(text.data(), end, out) == end) return DecimalError::kNone;
  return parse_general(text, out);
}

bool scale_up(int64_t value, int extra_digits, int64_t& out) {
  if (value == 0 || extra_digits == 0) {
    out = value;
    return true;
  }
  if (extra_digits >= static_cast<int>(kPow10.size())) return false;
  return !__builtin_mul_overflow(value, kPow10[extra_digits], &out);
}

bool decimal_less(Decimal a, Decimal b) {
  // Bring both to the larger digit count; a side that overflows is beyond every int64, so its
  // sign alone decides.
  int64_t x = a.mantissa, y = b.mantissa;
  if (a.digits < b.digits && !scale_up(a.mantissa, b.digits - a.digits, x)) return a.mantissa < 0;
  if (b.digits < a.digits && !scale_up(b.mantissa, a.digits - b.digits, y)) return b.mantissa > 0;
  return x < y;
}

void append_fixed(std::string& out, int64_t value, int digits) {
  // Through uint64 so that INT64_MIN has a magnitude.
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  if (value < 0) out.push_back('-');
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, magnitude);
  (void)ec;
  int n = static_cast<int>(ptr - buf);
  if (n <= digits) {  // 0.00ddd
    out.push_back('0');
    out.push_back('.');
    out.append(static_cast<size_t>(digits - n), '0');
    out.append(buf, ptr);
    return;
  }
  out.append(buf, ptr - digits);
  if (digits > 0) {
    out.push_back('.');
    out.append(ptr - digits, ptr);
  }
}

std::string format_fixed(int64_t value, int digits) {
  std::string out;
  append_fixed(out, value, digits);
  return out;
}

}  // namespace sweep
