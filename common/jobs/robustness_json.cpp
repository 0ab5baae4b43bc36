#include "sweep/jobs/robustness_json.hpp"

#include "sweep/jobs/result_json.hpp"

namespace sweep {
namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? number_or_null(*v) : nlohmann::json(nullptr);
}

std::optional<double> number_of(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

}  // namespace

std::optional<Robustness> robustness_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("n_trials") || !j["n_trials"].is_number_unsigned() ||
      !j.contains("pbo_blocks") || !j["pbo_blocks"].is_number_integer())
    return std::nullopt;
  Robustness r;
  r.n_trials = j["n_trials"].get<uint64_t>();
  r.pbo_blocks = j["pbo_blocks"].get<int>();
  r.sr_variance = number_of(j, "sr_variance");
  r.expected_max_sr = number_of(j, "expected_max_sr");
  r.best_sr = number_of(j, "best_sr");
  r.skew = number_of(j, "skew");
  r.kurtosis = number_of(j, "kurtosis");
  r.psr = number_of(j, "psr");
  r.dsr = number_of(j, "dsr");
  r.pbo = number_of(j, "pbo");
  const auto logits = j.find("pbo_logits");
  if (logits != j.end() && logits->is_object() && logits->contains("counts") &&
      (*logits)["counts"].is_array()) {
    for (const auto& c : (*logits)["counts"])
      if (c.is_number_unsigned()) r.logit_counts.push_back(c.get<uint64_t>());
    r.logit_limit = number_of(*logits, "max").value_or(0);
  }
  return r;
}

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
