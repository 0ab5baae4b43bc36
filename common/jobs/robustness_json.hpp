// The JSON form of an optimization's robustness statistics (docs/ROBUSTNESS.md), written by
// `sweep optimize --json` as `robustness` and, once the broker computes them, by the job's
// `result.robustness`: one shape for both. Every undefined value is null, never NaN.
#pragma once

#include <nlohmann/json.hpp>

#include "sweep/optimize/robustness.hpp"

namespace sweep {

// {"n_trials", "sr_variance", "expected_max_sr", "best_sr", "skew", "kurtosis", "psr", "dsr",
//  "pbo", "pbo_blocks", "pbo_logits": {"min": -ln M, "max": ln M, "counts": [kLogitBins]} | null}
nlohmann::json robustness_to_json(const Robustness& r);

}  // namespace sweep
