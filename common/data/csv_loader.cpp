#include "sweep/data/csv_loader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "sweep/base/civil_time.hpp"
#include "sweep/base/decimal.hpp"

namespace sweep {
namespace {

// The first five double as indexes into kValueFields and a row's digit counts.
enum Role : int8_t { kOpen, kHigh, kLow, kClose, kVolume, kTime, kIgnored };
constexpr int kValueRoles = 5;
constexpr int kPriceRoles = 4;
constexpr int64_t Int64Bar::*kValueFields[kValueRoles] = {
    &Int64Bar::open, &Int64Bar::high, &Int64Bar::low, &Int64Bar::close, &Int64Bar::volume};
constexpr std::string_view kRoleNames[kValueRoles] = {"Open", "High", "Low", "Close", "Volume"};
constexpr std::string_view kTimeNames[] = {"date", "datetime", "time", "timestamp"};
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Non-blank lines of the text, without BOM or line break, with their 1-based line numbers.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : p_(text.data()), end_(p_ + text.size()) {
    if (text.starts_with(kBom)) p_ += kBom.size();
  }

  bool next(std::string_view& line) {
    while (p_ != end_) {
      auto* newline = static_cast<const char*>(std::memchr(p_, '\n', end_ - p_));
      const char* stop = newline ? newline : end_;
      if (stop != p_ && stop[-1] == '\r') --stop;
      line = std::string_view(p_, static_cast<size_t>(stop - p_));
      p_ = newline ? newline + 1 : end_;
      ++number_;
      if (!line.empty()) return true;
    }
    return false;
  }
  size_t number() const { return number_; }

 private:
  const char* p_;
  const char* end_;
  size_t number_ = 0;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return (x >= 'A' && x <= 'Z' ? x + ('a' - 'A') : x) ==
           (y >= 'A' && y <= 'Z' ? y + ('a' - 'A') : y);
  });
}

// Some exporters quote every field; a number or a time never holds a comma, so no more is needed.
std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return trim(s.substr(1, s.size() - 2));
  return s;
}

std::string where(std::string_view file, size_t line) {
  return std::string(file) + ":" + std::to_string(line) + ": ";
}

std::string in_quotes(std::string_view s) {
  std::string out(1, '\'');
  out += s;
  out += '\'';
  return out;
}

struct Layout {
  std::vector<Role> roles;          // per column
  std::vector<std::string> labels;  // per column, for messages: its name, or its number if unnamed
  std::array<size_t, kValueRoles> column_of{};
  size_t time_column = 0;
};

Result<Layout> read_header(std::string_view header, std::string_view file, size_t line) {
  Layout layout;
  std::array<bool, kValueRoles> seen{};
  bool time_named = false;
  for (size_t col = 0;; ++col) {
    size_t comma = header.find(',');
    std::string_view name = unquote(trim(header.substr(0, comma)));
    Role role = kIgnored;
    for (int r = 0; r < kValueRoles; ++r) {
      if (!iequals(name, kRoleNames[r])) continue;
      if (seen[r]) {
        return Status::BadRequest(
            where(file, line) + "columns " + std::to_string(layout.column_of[r] + 1) + " and " +
            std::to_string(col + 1) + " are both named " + std::string(kRoleNames[r]));
      }
      seen[r] = true;
      layout.column_of[r] = col;
      role = static_cast<Role>(r);
    }
    if (role == kIgnored && !time_named &&
        std::any_of(std::begin(kTimeNames), std::end(kTimeNames),
                    [&](std::string_view t) { return iequals(name, t); })) {
      time_named = true;
      layout.time_column = col;
      role = kTime;
    }
    layout.roles.push_back(role);
    layout.labels.push_back(name.empty() ? std::to_string(col + 1) : std::string(name));
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  if (!time_named) {
    if (layout.roles[0] != kIgnored) {
      return Status::BadRequest(where(file, line) +
                                "no time column: name it Date, Datetime, Time or Timestamp, or "
                                "put it first");
    }
    layout.roles[0] = kTime;
  }
  for (int r = 0; r < kPriceRoles; ++r) {
    if (!seen[r])
      return Status::BadRequest(where(file, line) + "missing column " + std::string(kRoleNames[r]));
  }
  return layout;
}

// Decimal counts of one row's values, kept from the first pass for the rescaling in the second.
using RowDigits = std::array<uint8_t, kValueRoles>;

size_t count_lines(std::string_view text) {
  size_t n = 1;
  for (const char* p = text.data();
       (p = static_cast<const char*>(std::memchr(p, '\n', text.data() + text.size() - p))) !=
       nullptr;
       ++p)
    ++n;
  return n;
}

// Two passes: rows are parsed into exact (mantissa, digits) values and checked; then, once the
// file's largest digit counts are known, every mantissa is rescaled to them.
class CsvParser {
 public:
  CsvParser(std::string_view text, std::string_view file, size_t max_bars)
      : text_(text), file_(file), max_bars_(max_bars) {}

  Result<TimeSeries> run() {
    LineReader lines(text_);
    std::string_view line;
    if (!lines.next(line))
      return Status::BadRequest(std::string(file_) + ": empty file, expected a header row");
    auto layout = read_header(line, file_, lines.number());
    if (!layout.ok()) return layout.status();
    layout_ = std::move(*layout);

    const size_t expected_rows = std::min(count_lines(text_), max_bars_);
    series_.bars.reserve(expected_rows);
    digits_.reserve(expected_rows);
    while (lines.next(line)) {
      if (series_.bars.size() == max_bars_) {
        return Status::TooLarge(where(file_, lines.number()) + "more than " +
                                std::to_string(max_bars_) + " bars, the limit of one dataset");
      }
      if (!parse_row(line, lines.number())) return std::move(error_);
    }
    if (series_.bars.empty())
      return Status::BadRequest(std::string(file_) + ": no data rows, only a header");
    if (Status s = rescale(); !s.ok()) return s;
    series_.name = std::string(file_);
    return std::move(series_);
  }

 private:
  // The hot path returns false and leaves the error in error_, so that a row costs no Status.
  bool parse_row(std::string_view line, size_t line_no) {
    Int64Bar bar{};
    std::array<Decimal, kValueRoles> values{};
    std::string_view high_text, low_text, time_text;
    const size_t columns = layout_.roles.size();
    const char* p = line.data();
    const char* end = p + line.size();
    for (size_t col = 0; col < columns; ++col) {
      const bool last = col + 1 == columns;
      const Role role = layout_.roles[col];
      const char* start = p;
      // Scanning and parsing in one pass is most of the speed; fields the plain form does not
      // cover (and errors) take the general path below.
      bool parsed = false;
      if (role < kTime) {
        const char* stop = parse_plain_decimal(p, end, values[role]);
        parsed = stop != nullptr && (stop == end || *stop == ',');
        if (parsed) p = stop;
      }
      if (!parsed) {
        while (p != end && *p != ',') ++p;
      }
      if ((p == end) != last) return fail(field_count_error(line, line_no));
      std::string_view field(start, static_cast<size_t>(p - start));
      if (!parsed) field = unquote(trim(field));
      p += !last;  // past the comma
      if (role == kIgnored) continue;
      if (field.empty()) return fail(column_error(line_no, col, "empty field"));
      if (role == kTime) {
        if (!parse_time(field, line_no, col, bar.ts)) return false;
        time_text = field;
        continue;
      }
      if (!parsed && !parse_value(field, line_no, col, values[role])) return false;
      if (!check_sign(field, role, line_no, col, values[role])) return false;
      if (role == kHigh) high_text = field;
      if (role == kLow) low_text = field;
    }
    if (decimal_less(values[kHigh], values[kLow])) {
      return fail(
          column_error(line_no, layout_.column_of[kHigh],
                       "high " + in_quotes(high_text) + " is below low " + in_quotes(low_text)));
    }
    if (!series_.bars.empty() && bar.ts <= series_.bars.back().ts) {
      return fail(column_error(line_no, layout_.time_column,
                               "time " + in_quotes(time_text) + " is not after " +
                                   in_quotes(prev_time_text_) + " on line " +
                                   std::to_string(prev_line_)));
    }
    RowDigits digits;
    for (int r = 0; r < kValueRoles; ++r) {
      bar.*kValueFields[r] = values[r].mantissa;
      digits[r] = static_cast<uint8_t>(values[r].digits);
    }
    for (int r = 0; r < kPriceRoles; ++r)
      max_price_digits_ = std::max(max_price_digits_, values[r].digits);
    max_volume_digits_ = std::max(max_volume_digits_, values[kVolume].digits);
    series_.bars.push_back(bar);
    digits_.push_back(digits);
    prev_time_text_ = time_text;
    prev_line_ = line_no;
    return true;
  }

  bool parse_time(std::string_view field, size_t line_no, size_t col, int64_t& ts) {
    auto parsed = parse_time_ms(field);
    if (parsed) {
      ts = *parsed;
      return true;
    }
    return fail(column_error(line_no, col,
                             in_quotes(field) +
                                 " is not a time (expected YYYY-MM-DD[ HH:MM[:SS[.fff]]] or "
                                 "epoch seconds or milliseconds)"));
  }

  bool parse_value(std::string_view field, size_t line_no, size_t col, Decimal& out) {
    switch (parse_decimal(field, out)) {
      case DecimalError::kNone:
        return true;
      case DecimalError::kNotNumber:
        return fail(column_error(line_no, col, in_quotes(field) + " is not a number"));
      case DecimalError::kTooBig:
        return fail(column_error(line_no, col, in_quotes(field) + " does not fit in 64 bits"));
      case DecimalError::kTooManyDigits:
        break;
    }
    return fail(column_error(
        line_no, col,
        in_quotes(field) + " has more than " + std::to_string(kMaxDecimalDigits) + " decimals"));
  }

  bool check_sign(std::string_view field, Role role, size_t line_no, size_t col, Decimal value) {
    if (role == kVolume && value.mantissa < 0)
      return fail(column_error(line_no, col, "volume " + in_quotes(field) + " is negative"));
    if (role != kVolume && value.mantissa <= 0)
      return fail(column_error(line_no, col, "price " + in_quotes(field) + " is not positive"));
    return true;
  }

  Status rescale() {
    series_.price_digits = max_price_digits_;
    series_.volume_digits = max_volume_digits_;
    for (size_t i = 0; i < series_.bars.size(); ++i) {
      for (int r = 0; r < kValueRoles; ++r) {
        const int target = r == kVolume ? max_volume_digits_ : max_price_digits_;
        const int have = digits_[i][r];
        int64_t& v = series_.bars[i].*kValueFields[r];
        if (have == target) continue;
        int64_t scaled;
        if (!scale_up(v, target - have, scaled)) return overflow_error(i, r, target);
        v = scaled;
      }
    }
    return Status::Ok();
  }

  // Slow path: finds the line of data row `row` again rather than storing every row's line.
  Status overflow_error(size_t row, int role, int target_digits) {
    LineReader lines(text_);
    std::string_view line;
    for (size_t i = 0; i <= row + 1; ++i) lines.next(line);  // the header, then `row` + 1 rows
    std::string value = format_fixed(series_.bars[row].*kValueFields[role], digits_[row][role]);
    return column_error(lines.number(), layout_.column_of[role],
                        in_quotes(value) + " does not fit in 64 bits at " +
                            std::to_string(target_digits) + " decimals (the most of any " +
                            (role == kVolume ? "volume" : "price") + " in the file)");
  }

  Status column_error(size_t line_no, size_t col, const std::string& what) const {
    return Status::BadRequest(where(file_, line_no) + "column " + layout_.labels[col] + ": " +
                              what);
  }

  Status field_count_error(std::string_view line, size_t line_no) const {
    size_t fields = static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
    size_t columns = layout_.roles.size();
    std::string msg = where(file_, line_no) + std::to_string(fields) + " fields, expected " +
                      std::to_string(columns);
    if (fields < columns) msg += " (column " + layout_.labels[fields] + " is missing)";
    return Status::BadRequest(std::move(msg));
  }

  bool fail(Status error) {
    error_ = std::move(error);
    return false;
  }

  std::string_view text_;
  std::string_view file_;
  const size_t max_bars_;
  Layout layout_;
  TimeSeries series_;
  std::vector<RowDigits> digits_;
  int max_price_digits_ = 0;
  int max_volume_digits_ = 0;
  std::string_view prev_time_text_;
  size_t prev_line_ = 0;
  Status error_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

Result<std::string> read_file(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::Io(path + ": " + std::strerror(errno));
  }
  std::string data;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec) data.resize(size);
  size_t got = std::fread(data.data(), 1, data.size(), f.get());
  data.resize(got);
  // The size was a hint: the file may have grown, or not be a regular file at all.
  char buf[1 << 16];
  while (size_t n = std::fread(buf, 1, sizeof buf, f.get())) data.append(buf, n);
  if (std::ferror(f.get())) return Status::Io(path + ": " + std::strerror(errno));
  return data;
}

}  // namespace

Result<TimeSeries> parse_csv(std::string_view text, std::string_view name, size_t max_bars) {
  return CsvParser(text, name, max_bars).run();
}

Result<TimeSeries> load_csv(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) return text.status();
  return parse_csv(*text, std::filesystem::path(path).filename().string());
}

}  // namespace sweep
