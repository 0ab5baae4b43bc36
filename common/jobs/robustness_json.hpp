// The JSON form of an optimization's robustness statistics (docs/ROBUSTNESS.md), written by
// `sweep optimize --json` as `robustness` and, once the broker computes them, by the job's
// `result.robustness`: one shape for both. Every undefined value is null, never NaN.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "sweep/optimize/robustness.hpp"

namespace sweep {

// {"n_trials", "sr_variance", "expected_max_sr", "best_sr", "skew", "kurtosis", "psr", "dsr",
//  "pbo", "pbo_blocks", "pbo_logits": {"min": -ln M, "max": ln M, "counts": [kLogitBins]} | null}
nlohmann::json robustness_to_json(const Robustness& r);
// The inverse, for readers of a job's result (`sweep status`, tests): nullopt unless `j` is an
// object of that shape. The logits' limit comes back as written (`max`).
std::optional<Robustness> robustness_from_json(const nlohmann::json& j);

}  // namespace sweep
