// How a person reads a metric: money with thousands separators, percentages, days, ratios.
#pragma once

#include <string>

#include "sweep/engine/metrics.hpp"

namespace sweep::cli {

std::string format_metric(Metric m, double v);
// "Return [%]"-style labels for the stats table.
std::string metric_label(Metric m);

}  // namespace sweep::cli
