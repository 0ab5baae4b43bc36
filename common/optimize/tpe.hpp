// The Tree-structured Parzen Estimator behind method tpe (docs/SEARCH.md): which trials an
// adaptive search runs next, from the results of the trials before them.
//
// Generations: trials are suggested in generations, generation 0 being the plan's first
// `startup` trials (those of RandomSearch{n, seed}) and every later one `batch` trials (the last
// may be shorter). Generation g is computed from the trials of generations < g alone, in index
// order, so the suggestions — and hence every result — are a function of the spec, whatever runs
// them and in whatever order their results arrive.
//
// Determinism across machines: only +, -, *, / and comparisons on doubles (no libm
// transcendental, no std::*_distribution), sums in a fixed order, random bits from splitmix64
// keyed by (seed, trial index, round), ties broken by candidate order.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "sweep/base/status.hpp"
#include "sweep/optimize/objective.hpp"
#include "sweep/optimize/trial_plan.hpp"

namespace sweep {

// One finished trial as the estimator sees it: its grid point and objective value, NaN for a
// failed trial or an undefined value (both rank as the worst).
struct TpeObservation {
  uint64_t grid_index = 0;
  double value = std::nan("");
};

class TpeSuggester {
 public:
  static constexpr int kCandidates = 24;    // candidates scored per suggestion (per round)
  static constexpr int kRounds = 4;         // rounds of candidates before the fallback
  static constexpr uint64_t kMaxGood = 25;  // the good set is ceil(10% of history), at most this
  static constexpr double kPriorWeight = 1.0;

  // `plan` must have been made with a TpeSearch method, else an error.
  static Result<TpeSuggester> create(TrialPlan plan, Objective objective);

  const TrialPlan& plan() const { return plan_; }
  uint64_t total() const { return plan_.total(); }
  // The first trial index of generation g (total() once past the end).
  uint64_t generation_begin(uint64_t g) const;
  // The generation trial `index` belongs to.
  uint64_t generation_of(uint64_t index) const;

  // The trials of the generation that starts at index history.size(), computed from `history`
  // (the observations of trials 0 .. history.size()-1, by index) alone. Errors unless
  // history.size() is a generation start below total(). Never suggests a point of `history`, a
  // point twice, or a point the constraint excludes; when the estimator's candidates are all
  // spent, the next untried point of the random draw order is taken instead.
  Result<std::vector<Trial>> next_generation(std::span<const TpeObservation> history) const;

 private:
  TpeSuggester(TrialPlan plan, Objective objective, TpeSearch method)
      : plan_(std::move(plan)), objective_(objective), method_(method) {}

  TrialPlan plan_;
  Objective objective_;
  TpeSearch method_;
};

}  // namespace sweep
