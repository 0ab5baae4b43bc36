#include "sweep/jobs/robustness_json.hpp"

#include "sweep/jobs/result_json.hpp"

namespace sweep {
namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? number_or_null(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json robustness_to_json(const Robustness& r) {
  nlohmann::json logits = nullptr;
  if (!r.logit_counts.empty())
    logits = {{"min", -r.logit_limit}, {"max", r.logit_limit}, {"counts", r.logit_counts}};
  return {{"n_trials", r.n_trials},
          {"sr_variance", optional_number(r.sr_variance)},
          {"expected_max_sr", optional_number(r.expected_max_sr)},
          {"best_sr", optional_number(r.best_sr)},
          {"skew", optional_number(r.skew)},
          {"kurtosis", optional_number(r.kurtosis)},
          {"psr", optional_number(r.psr)},
          {"dsr", optional_number(r.dsr)},
          {"pbo", optional_number(r.pbo)},
          {"pbo_blocks", r.pbo_blocks},
          {"pbo_logits", std::move(logits)}};
}

}  // namespace sweep
