// Walk-forward and holdout results for people (docs/WALK_FORWARD.md "The tables"), from the
// result's JSON block: the one form both `sweep optimize` (in process) and `sweep status`/`show`
// (a cluster job's result) have, so both print the same tables.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sweep/engine/metrics.hpp"

namespace sweep::cli {

// result.walk_forward: a row per window, the stitched account, efficiency and stability.
std::string walk_forward_text(const nlohmann::json& wf, Metric objective);
// result.holdout: the top_k, in sample and out of sample side by side.
std::string holdout_text(const nlohmann::json& h, Metric objective);
// "holdout: train bars [0, 1500), test bars [1500, 2148)".
std::string holdout_spans_text(const nlohmann::json& h);

}  // namespace sweep::cli
