// Calendar arithmetic and the timestamp texts of market data, in UTC and without the C library's
// time zone or locale machinery: the same text gives the same instant on every machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sweep {

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

constexpr int64_t kMsPerDay = 86'400'000;

// a / b rounded toward negative infinity (b != 0).
int64_t floor_div(int64_t a, int64_t b);

// Days since 1970-01-01 of a proleptic Gregorian date (negative before it).
int64_t days_from_civil(int year, int month, int day);
CivilDate civil_from_days(int64_t days);
int days_in_month(int year, int month);

// Milliseconds since the epoch of one of:
//   YYYY-MM-DD
//   YYYY-MM-DD{ |T}HH:MM[:SS[.f...]][Z|{+|-}HH[:]MM]   (digits beyond milliseconds are dropped)
//   an integer: epoch milliseconds when |value| >= 1e11, else epoch seconds
// nullopt for anything else, including out-of-range fields such as month 13 or 25:00.
std::optional<int64_t> parse_time_ms(std::string_view text);

// "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD HH:MM:SS.mmm": parse_time_ms reads it back.
enum class TimeFormat { kDate, kSeconds, kMillis };
void append_time(std::string& out, int64_t ms, TimeFormat format);
std::string format_time(int64_t ms, TimeFormat format);

}  // namespace sweep
