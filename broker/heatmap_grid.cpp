#include "heatmap_grid.hpp"

#include <cmath>

#include "sweep/jobs/result_json.hpp"

namespace sweep::broker {

std::optional<HeatmapGrid> HeatmapGrid::for_spec(const JobSpec& spec) {
  auto space = effective_space(spec);
  if (!space.ok()) return std::nullopt;
  std::vector<size_t> varying;
  for (size_t i = 0; i < space->axes().size(); ++i) {
    if (space->axes()[i].second.size() > 1) varying.push_back(i);
  }
  if (varying.size() != 2) return std::nullopt;
  const auto& [xname, xaxis] = space->axes()[varying[0]];
  const auto& [yname, yaxis] = space->axes()[varying[1]];
  if (xaxis.size() > kMaxCells / yaxis.size()) return std::nullopt;
  HeatmapGrid g;
  g.x_ = xname;
  g.y_ = yname;
  for (uint64_t i = 0; i < xaxis.size(); ++i) {
    g.xs_.push_back(xaxis.at(i));
    g.xpos_[to_string(g.xs_.back())] = i;
  }
  for (uint64_t i = 0; i < yaxis.size(); ++i) {
    g.ys_.push_back(yaxis.at(i));
    g.ypos_[to_string(g.ys_.back())] = i;
  }
  g.z_.assign(g.xs_.size() * g.ys_.size(), NAN);
  return g;
}

void HeatmapGrid::set(const ParamSet& params, double value) {
  const ParamValue* x = params.find(x_);
  const ParamValue* y = params.find(y_);
  if (!x || !y) return;
  auto xi = xpos_.find(to_string(*x));
  auto yi = ypos_.find(to_string(*y));
  if (xi == xpos_.end() || yi == ypos_.end()) return;
  z_[yi->second * xs_.size() + xi->second] = value;
}

nlohmann::json HeatmapGrid::to_json(const Objective& objective) const {
  nlohmann::json xs = nlohmann::json::array(), ys = nlohmann::json::array();
  for (const auto& v : xs_) xs.push_back(sweep::to_json(v));
  for (const auto& v : ys_) ys.push_back(sweep::to_json(v));
  nlohmann::json z = nlohmann::json::array();
  for (size_t iy = 0; iy < ys_.size(); ++iy) {
    nlohmann::json row = nlohmann::json::array();
    for (size_t ix = 0; ix < xs_.size(); ++ix)
      row.push_back(number_or_null(z_[iy * xs_.size() + ix]));
    z.push_back(std::move(row));
  }
  return {{"x", x_},
          {"y", y_},
          {"xs", std::move(xs)},
          {"ys", std::move(ys)},
          {"metric", std::string(metric_name(objective.metric))},
          {"z", std::move(z)}};
}

}  // namespace sweep::broker
