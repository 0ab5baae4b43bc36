// OHLCV bars from CSV text.
//
// Grammar (one record per line, LF or CRLF, optional UTF-8 BOM, blank lines skipped):
//   header := name ("," name)*        names trimmed, matched in any case, optionally "quoted"
//   row    := field ("," field)*      exactly as many fields as the header; trimmed, optionally
//                                     "quoted" (without commas inside)
// Columns: the time is the column named Date, Datetime, Time or Timestamp, else the first column
// (whose name may be empty); Open, High, Low, Close are required, Volume is optional (0 when
// absent); every other column is ignored. Times: see parse_time_ms (civil_time.hpp); they must
// strictly increase. Prices: exact decimals (see parse_decimal), > 0, high >= low; volumes >= 0.
// The series' price_digits (volume_digits) is the largest decimal count of any price (volume), so
// every value is an exact int64.
//
// Every error is a BadRequest that names the file, the line and the column, e.g.
//   "GOOG.csv:17: column High: 'abc' is not a number"
#pragma once

#include <string>
#include <string_view>

#include "sweep/base/limits.hpp"
#include "sweep/base/status.hpp"
#include "sweep/data/bars.hpp"

namespace sweep {

// Reads the whole file; the series (and every error message) is named after the file name, not
// the full path. NotFound when the file does not exist, Io when it cannot be read.
Result<TimeSeries> load_csv(const std::string& path);

// `name` names the series and prefixes error messages. More than `max_bars` rows:
//   "big.csv:5000002: more than 5000000 bars, the limit of one dataset"
Result<TimeSeries> parse_csv(std::string_view text, std::string_view name,
                             size_t max_bars = kMaxDatasetBars);

}  // namespace sweep
