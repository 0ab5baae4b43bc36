#include "sweep/data/bars.hpp"

namespace sweep {

int64_t pow10_i64(int digits) {
  int64_t p = 1;
  for (int i = 0; i < digits; ++i) p *= 10;
  return p;
}

double TimeSeries::price_scale() const {
  return static_cast<double>(pow10_i64(price_digits));
}
double TimeSeries::volume_scale() const {
  return static_cast<double>(pow10_i64(volume_digits));
}

}  // namespace sweep
