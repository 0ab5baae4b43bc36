// Seeded synthetic market data for demos, tests and benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sweep/data/bars.hpp"

namespace sweep {

// `bars` one-minute bars from 2020-01-01T00:00:00Z: a geometric random walk around 100.00 with
// about 0.05% noise per bar, kept between roughly 25 and 400; prices in cents (price_digits 2),
// integer volumes; OHLC always valid (0 < low <= open, close <= high). Integer arithmetic only, so
// the same (bars, seed) gives the same bars on every platform and compiler. Named
// "synthetic:BARS:SEED".
TimeSeries make_synthetic(size_t bars, uint64_t seed);

}  // namespace sweep
