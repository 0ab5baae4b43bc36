// Where a TimeSeries comes from (a CSV file or the synthetic generator), its identity (a content
// hash) and its CSV form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sweep/base/limits.hpp"
#include "sweep/base/status.hpp"
#include "sweep/data/bars.hpp"

namespace sweep {

constexpr std::string_view kSyntheticPrefix = "synthetic:";

struct SyntheticSource {
  size_t bars;
  uint64_t seed;
};

// "synthetic:BARS:SEED" with 1 <= BARS <= kMaxDatasetBars and SEED any uint64, both plain
// decimal digits. BadRequest naming the bad part otherwise.
Result<SyntheticSource> parse_synthetic_source(std::string_view source);

// A source starting with "synthetic:" is generated (make_synthetic); anything else is a CSV path
// (load_csv). Confining paths to data folders is the caller's business.
Result<TimeSeries> load_dataset(std::string_view source);

// SHA-256, lower-case hex, of the series' canonical form (all integers little-endian):
//   "SWEEPTS1"  price_digits:u32  volume_digits:u32  bar_count:u64
//   { ts:i64 open:i64 high:i64 low:i64 close:i64 volume:i64 } * bar_count
// The name is not part of it: the same bars under another name are the same dataset. Changing
// this layout changes every stored id; bump the tag if it must change.
std::string dataset_hash(const TimeSeries& series);

// CSV with the header Date|Datetime,Open,High,Low,Close,Volume; times as dates when every bar is
// at midnight UTC, else date-times (with milliseconds only if some bar needs them); values with
// exactly the series' digits. parse_csv gives back an identical series whenever the digit counts
// are the least that the values need, as they are for every series that parse_csv made.
std::string to_csv(const TimeSeries& series);

}  // namespace sweep
