// How a person reads a metric: money with thousands separators, percentages, days, ratios.
#pragma once

#include <string>

#include "sweep/engine/metrics.hpp"
#include "sweep/optimize/robustness.hpp"

namespace sweep::cli {

std::string format_metric(Metric m, double v);
// "Return [%]"-style labels for the stats table.
std::string metric_label(Metric m);
// An optimization's robustness statistics in one paragraph for people ("robustness: N=202
// trials, ..."); the definitions are in docs/ROBUSTNESS.md.
std::string robustness_text(const Robustness& r);

}  // namespace sweep::cli
