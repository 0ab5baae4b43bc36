// Which trials an optimization runs, by index (DESIGN §3, §6): "what to try" apart from "how to
// run it". A broker dispatches trials with a cursor and, after a restart, resumes with a cursor
// placed at the first trial index it has not dispatched.
//
// Trial numbering — a function of (space, constraint, method) alone, the same in every process:
//   grid:   trial i is the i-th admissible grid point in grid order (ParamSpace: last axis
//           fastest).
//   random: draw k is grid point P(k) of SeededPermutation(grid_size, seed); trial i is the i-th
//           admissible draw. Points are therefore distinct (drawn without replacement); total is
//           min(n, number of admissible points).
// Without a constraint every point is admissible, trial i maps to its grid point in O(1) and the
// plan's memory is O(1). With one, create() evaluates it exactly once per draw in one streaming
// pass (grid: the whole grid; random: draws until n are admissible), refusing when that pass would
// test more than TrialPlanLimits::max_scan points. The pass keeps one bit per draw tested (at most
// max_scan bits) and the draw position of every kCheckpointStride-th trial: after it, a cursor's
// next() and trial_at() never evaluate the constraint; trial_at() counts bits, a word at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "sweep/base/limits.hpp"
#include "sweep/base/status.hpp"
#include "sweep/engine/params.hpp"
#include "sweep/optimize/constraint.hpp"
#include "sweep/optimize/param_space.hpp"
#include "sweep/optimize/seeded_permutation.hpp"

namespace sweep {

struct GridSearch {
  bool operator==(const GridSearch&) const = default;
};
struct RandomSearch {
  uint64_t n = 0;
  uint64_t seed = 0;
  bool operator==(const RandomSearch&) const = default;
};
// Adaptive search (docs/SEARCH.md): trials are suggested in generations by a Tree-structured
// Parzen Estimator, so a plan knows only the first `startup` trials in advance (those of
// RandomSearch{n, seed}); the rest come from TpeSuggester (tpe.hpp). total() is that of
// RandomSearch{n, seed}: min(n, admissible points), since the search never repeats a point.
struct TpeSearch {
  uint64_t n = 0;
  uint64_t seed = 0;
  uint64_t startup = 10;  // >= 1
  uint64_t batch = 8;     // >= 1
  bool operator==(const TpeSearch&) const = default;
};
using SearchMethod = std::variant<GridSearch, RandomSearch, TpeSearch>;

inline bool is_adaptive(const SearchMethod& m) {
  return std::holds_alternative<TpeSearch>(m);
}

struct Trial {
  uint64_t index = 0;       // 0 .. total()-1, dense, in dispatch order
  uint64_t grid_index = 0;  // the grid point, for ParamSpace::at()
  ParamSet params;
  bool operator==(const Trial&) const = default;
};

struct TrialPlanLimits {
  uint64_t max_scan = kMaxConstraintScan;  // grid points a constraint may be tested on
  uint64_t max_trials = kMaxTrials;        // trials of one plan
};

class TrialCursor;

// Immutable and cheap to copy; safe to share between threads.
class TrialPlan {
 public:
  static constexpr uint64_t kCheckpointStride = 4096;

  // `constraint` is the expression text ("" for none), over the names of `space`.
  // Errors: constraint syntax (Constraint::parse), "constraint: excludes every point of the space",
  // "space: the grid has N points, more than the limit of M trials", the max_scan limit.
  static Result<TrialPlan> create(ParamSpace space, std::string_view constraint,
                                  SearchMethod method, TrialPlanLimits limits = {});

  uint64_t total() const;
  const ParamSpace& space() const;
  const SearchMethod& method() const;

  // Whether the constraint admits grid point `grid_index` (true without a constraint). Evaluates
  // the constraint; used by adaptive methods, whose points are not known in advance.
  bool admits(uint64_t grid_index) const;

  // Trial `index` (< total(), else kNotFound). For TpeSearch this is the random draw order the
  // startup generation and the memoisation fallback use, not the suggested trial `index`. O(1)
  // without a constraint, otherwise a count of the admissibility bits since the nearest checkpoint
  // (no constraint evaluation).
  Result<Trial> trial_at(uint64_t index) const;
  // A cursor whose next() returns trial `index` first (index == total() gives an exhausted
  // cursor). Same cost as trial_at().
  Result<TrialCursor> cursor_at(uint64_t index) const;
  TrialCursor cursor() const;

  struct State;  // internal; named here only so that TrialCursor can share it

 private:
  explicit TrialPlan(std::shared_ptr<const State> s) : s_(std::move(s)) {}
  std::shared_ptr<const State> s_;
};

// Walks a plan's trials in index order. Keeps the plan's state alive; not thread-safe itself.
class TrialCursor {
 public:
  // The next trial, or nullopt once all total() trials have been returned.
  std::optional<Trial> next();
  // Index of the trial next() returns next (total() at the end).
  uint64_t position() const { return trial_; }

 private:
  friend class TrialPlan;
  TrialCursor(std::shared_ptr<const TrialPlan::State> s, uint64_t trial, uint64_t draw)
      : s_(std::move(s)), trial_(trial), draw_(draw) {}

  std::shared_ptr<const TrialPlan::State> s_;
  uint64_t trial_;  // next trial index
  uint64_t draw_;   // next draw position (grid order or permutation position)
};

}  // namespace sweep
