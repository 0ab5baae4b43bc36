// Fuzz target for the CSV loader (sweep/csv_loader.hpp). Properties, beyond "no crash, no leak,
// no UB, no exception": an error is bad_request and its message starts with the series name; a
// loaded series keeps the grammar's promises: strictly increasing times, prices > 0, high >= low,
// volumes >= 0, digit counts that pow10_i64 accepts (0..18).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "sweep/data/csv_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sweep;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto series = parse_csv(text, "fuzz.csv");
  if (!series.ok()) {
    FUZZ_CHECK(series.status().code() == Code::kBadRequest, series.status().ToString().c_str());
    FUZZ_CHECK(series.status().message().rfind("fuzz.csv", 0) == 0, "error does not name the file");
    return 0;
  }
  FUZZ_CHECK(series->price_digits >= 0 && series->price_digits <= 18, "price_digits");
  FUZZ_CHECK(series->volume_digits >= 0 && series->volume_digits <= 18, "volume_digits");
  for (size_t i = 0; i < series->bars.size(); ++i) {
    const Int64Bar& b = series->bars[i];
    FUZZ_CHECK(i == 0 || series->bars[i - 1].ts < b.ts, "times do not strictly increase");
    FUZZ_CHECK(b.open > 0 && b.high > 0 && b.low > 0 && b.close > 0, "a price <= 0");
    FUZZ_CHECK(b.high >= b.low, "high < low");
    FUZZ_CHECK(b.volume >= 0, "volume < 0");
  }
  (void)series->price_scale();
  (void)series->volume_scale();
  return 0;
}
