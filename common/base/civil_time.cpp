#include "sweep/base/civil_time.hpp"

#include <charconv>
#include <chrono>

namespace sweep {
namespace {

int digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : -1;
}

// Value of the two digits at p, or -1.
int two_digits(const char* p) {
  int a = digit(p[0]), b = digit(p[1]);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

std::optional<int64_t> parse_epoch(std::string_view s) {
  int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  constexpr int64_t kMillisThreshold = 100'000'000'000;  // 1e11 s is year 5138; 1e11 ms is 1973
  if (v >= kMillisThreshold || v <= -kMillisThreshold) return v;
  return v * 1000;
}

// "+HH:MM", "+HHMM", "+HH", "Z" (or nothing): minutes east of UTC, nullopt when malformed.
std::optional<int> parse_utc_offset(const char* p, const char* end) {
  if (p == end) return 0;
  if (*p == 'Z' && p + 1 == end) return 0;
  if (*p != '+' && *p != '-') return std::nullopt;
  int sign = *p == '-' ? -1 : 1;
  ++p;
  if (end - p < 2) return std::nullopt;
  int hh = two_digits(p), mm = 0;
  p += 2;
  if (p != end && *p == ':') ++p;
  if (p != end) {
    if (end - p != 2) return std::nullopt;
    mm = two_digits(p);
  }
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return std::nullopt;
  return sign * (hh * 60 + mm);
}

std::optional<int64_t> parse_date_time(std::string_view s) {
  const char* p = s.data();
  const char* end = p + s.size();
  int y_hi = two_digits(p), y_lo = two_digits(p + 2);
  int month = two_digits(p + 5), day = two_digits(p + 8);
  if (y_hi < 0 || y_lo < 0 || month < 1 || month > 12 || day < 1) return std::nullopt;
  int year = y_hi * 100 + y_lo;
  if (day > days_in_month(year, month)) return std::nullopt;
  int64_t ms = days_from_civil(year, month, day) * kMsPerDay;
  p += 10;
  if (p == end) return ms;

  if ((*p != ' ' && *p != 'T') || end - p < 6 || p[3] != ':') return std::nullopt;
  int hh = two_digits(p + 1), mm = two_digits(p + 4), ss = 0, millis = 0;
  p += 6;
  if (p != end && *p == ':') {
    if (end - p < 3) return std::nullopt;
    ss = two_digits(p + 1);
    p += 3;
    if (p != end && *p == '.') {
      ++p;
      const char* first = p;
      for (int scale = 100; p != end && digit(*p) >= 0; ++p, scale /= 10)
        millis += digit(*p) * scale;
      if (p == first) return std::nullopt;
    }
  }
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59) return std::nullopt;
  auto offset_min = parse_utc_offset(p, end);
  if (!offset_min) return std::nullopt;
  return ms + ((hh * 60 + mm - *offset_min) * 60 + ss) * int64_t{1000} + millis;
}

// Writes v (0 <= v < 10^width) as exactly `width` digits.
char* put_digits(char* p, int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
  return p + width;
}

}  // namespace

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The proleptic Gregorian calendar of <chrono>: exact for every date, no time zone database.
namespace chrono = std::chrono;

int64_t days_from_civil(int year, int month, int day) {
  const chrono::year_month_day date{chrono::year{year}, chrono::month{static_cast<unsigned>(month)},
                                    chrono::day{static_cast<unsigned>(day)}};
  return chrono::sys_days{date}.time_since_epoch().count();
}

CivilDate civil_from_days(int64_t days) {
  const chrono::year_month_day date{chrono::sys_days{chrono::days{days}}};
  return {static_cast<int>(date.year()), static_cast<int>(static_cast<unsigned>(date.month())),
          static_cast<int>(static_cast<unsigned>(date.day()))};
}

int days_in_month(int year, int month) {
  const auto last = chrono::year{year} / chrono::month{static_cast<unsigned>(month)} / chrono::last;
  return static_cast<int>(static_cast<unsigned>(last.day()));
}

std::optional<int64_t> parse_time_ms(std::string_view text) {
  if (text.size() >= 10 && text[4] == '-' && text[7] == '-') return parse_date_time(text);
  return parse_epoch(text);
}

void append_time(std::string& out, int64_t ms, TimeFormat format) {
  int64_t days = floor_div(ms, kMsPerDay);
  int64_t in_day = ms - days * kMsPerDay;
  CivilDate d = civil_from_days(days);
  char buf[48];
  char* p = buf;
  if (d.year >= 0 && d.year <= 9999) {
    p = put_digits(p, d.year, 4);
  } else {  // not readable back, but not silently wrong either
    p = std::to_chars(p, buf + 24, d.year).ptr;
  }
  *p++ = '-';
  p = put_digits(p, d.month, 2);
  *p++ = '-';
  p = put_digits(p, d.day, 2);
  if (format != TimeFormat::kDate) {
    *p++ = ' ';
    p = put_digits(p, in_day / 3'600'000, 2);
    *p++ = ':';
    p = put_digits(p, in_day / 60'000 % 60, 2);
    *p++ = ':';
    p = put_digits(p, in_day / 1000 % 60, 2);
    if (format == TimeFormat::kMillis) {
      *p++ = '.';
      p = put_digits(p, in_day % 1000, 3);
    }
  }
  out.append(buf, p);
}

std::string format_time(int64_t ms, TimeFormat format) {
  std::string out;
  append_time(out, ms, format);
  return out;
}

}  // namespace sweep
