#include "sweep/jobs/catalog_json.hpp"

#include "sweep/jobs/result_json.hpp"

namespace sweep {

nlohmann::json strategy_json(const StrategyInfo& s) {
  nlohmann::json params = nlohmann::json::array();
  for (const ParamSpec& p : s.params) {
    nlohmann::json j = {{"name", p.name},
                        {"type", std::string(param_type_name(p.type))},
                        {"default", to_json(p.default_value)},
                        {"description", p.description}};
    if (p.type == ParamType::kChoice) {
      j["choices"] = p.choices;
    } else {
      j["min"] = p.min;
      j["max"] = p.max;
    }
    params.push_back(std::move(j));
  }
  return {{"name", s.name}, {"description", s.description}, {"params", std::move(params)}};
}

nlohmann::json strategies_json(const StrategyRegistry& registry) {
  nlohmann::json all = nlohmann::json::array();
  for (const StrategyInfo& s : registry.all()) all.push_back(strategy_json(s));
  return all;
}

nlohmann::json metric_names_json() {
  nlohmann::json metrics = nlohmann::json::array();
  for (int i = 0; i < kMetricCount; ++i) metrics.push_back(metric_name(static_cast<Metric>(i)));
  return metrics;
}

}  // namespace sweep
