// The heatmap of an optimization's objective over its two varying parameters, kept up to date as
// trials are recorded (one cell per trial: the space has no other varying axis), so that
// finishing a job does not read every trial back from SQLite. A resumed job refills it from the
// store once.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/engine/params.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/objective.hpp"

namespace sweep::broker {

class HeatmapGrid {
 public:
  // A grid when the spec's space has exactly two varying axes and at most kMaxCells cells.
  static std::optional<HeatmapGrid> for_spec(const JobSpec& spec);
  static constexpr size_t kMaxCells = 1'000'000;

  // Records a completed trial's objective value at its parameters' cell (ignored when they
  // are not on the grid).
  void set(const ParamSet& params, double value);
  // {x, y, xs, ys, metric, z} with z[iy][ix], null where no trial completed.
  nlohmann::json to_json(const Objective& objective) const;

 private:
  std::string x_, y_;
  std::vector<ParamValue> xs_, ys_;
  std::map<std::string, size_t> xpos_, ypos_;  // to_string(value) -> position
  std::vector<double> z_;                      // row-major: z_[iy * xs_.size() + ix]
};

}  // namespace sweep::broker
