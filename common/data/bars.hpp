// Market data as the engine sees it: fixed-point int64 bars in one flat array.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sweep {

// One OHLCV bar. Prices are integers in units of 10^-price_digits (volume: 10^-volume_digits) of
// the owning TimeSeries, chosen so that every price of the input is exact.
struct Int64Bar {
  int64_t ts;  // bar time, milliseconds since the Unix epoch, UTC
  int64_t open;
  int64_t high;
  int64_t low;
  int64_t close;
  int64_t volume;
};

struct TimeSeries {
  std::string name;       // file name or "synthetic:BARS:SEED"
  int price_digits = 0;   // price = integer / 10^price_digits
  int volume_digits = 0;  // volume = integer / 10^volume_digits
  std::vector<Int64Bar> bars;

  size_t size() const { return bars.size(); }
  bool empty() const { return bars.empty(); }
  // 10^price_digits as a double (exact for every digit count we accept, <= 15).
  double price_scale() const;
  double volume_scale() const;
  // The real price of a fixed-point value: correctly rounded, so identical to parsing the text.
  double price(int64_t fixed) const { return static_cast<double>(fixed) / price_scale(); }
};

// 10^digits for 0 <= digits <= 18.
int64_t pow10_i64(int digits);

}  // namespace sweep
