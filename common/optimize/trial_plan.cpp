#include "sweep/optimize/trial_plan.hpp"

#include <algorithm>

namespace sweep {

namespace {

// Decodes grid points into a reusable value buffer in axis order, for Constraint::eval(span).
class PointValues {
 public:
  explicit PointValues(const ParamSpace& space) : space_(space), values_(space.axes().size()) {}

  std::span<const ParamValue> at(uint64_t grid_index) {
    const auto& axes = space_.axes();
    if (valid_ && grid_index == last_ + 1) {
      // Grid order: step the odometer, touching only the axes that change.
      for (size_t i = digits_.size(); i-- > 0;) {
        if (++digits_[i] < axes[i].second.size()) {
          values_[i] = axes[i].second.at(digits_[i]);
          break;
        }
        digits_[i] = 0;
        values_[i] = axes[i].second.at(0);
      }
    } else {
      space_.decode(grid_index, digits_);
      for (size_t i = 0; i < digits_.size(); ++i) values_[i] = axes[i].second.at(digits_[i]);
      valid_ = true;
    }
    last_ = grid_index;
    return values_;
  }

 private:
  const ParamSpace& space_;
  std::vector<uint64_t> digits_;
  std::vector<ParamValue> values_;
  uint64_t last_ = 0;
  bool valid_ = false;
};

}  // namespace

struct TrialPlan::State {
  ParamSpace space;
  std::optional<Constraint> constraint;
  SearchMethod method;
  std::optional<SeededPermutation> permutation;  // random search only
  uint64_t total = 0;
  std::vector<uint64_t> checkpoints;  // [j]: draw position of trial j * kCheckpointStride

  uint64_t grid_point(uint64_t draw) const { return permutation ? (*permutation)(draw) : draw; }
  bool admissible(uint64_t grid_index, PointValues& buf) const {
    return !constraint || constraint->eval(buf.at(grid_index));
  }
};

namespace {

// Counts the admissible trials (up to `wanted`) by walking the draws in order, recording
// checkpoints as it goes.
Status count_admissible(TrialPlan::State& s, uint64_t wanted, const TrialPlanLimits& limits) {
  const uint64_t domain = s.space.grid_size();
  PointValues buf(s.space);
  uint64_t count = 0;
  for (uint64_t draw = 0; draw < domain && count < wanted; ++draw) {
    if (draw == limits.max_scan)
      return Status::TooLarge(
          "constraint: finding " + std::to_string(wanted) + " admissible trials needs more than " +
          std::to_string(limits.max_scan) + " grid points to be checked; narrow the space");
    if (!s.admissible(s.grid_point(draw), buf)) continue;
    if (count % TrialPlan::kCheckpointStride == 0) s.checkpoints.push_back(draw);
    if (++count > limits.max_trials)
      return Status::TooLarge("constraint: more than " + std::to_string(limits.max_trials) +
                              " points satisfy it, over the limit of trials per job");
  }
  s.total = count;
  return Status::Ok();
}

}  // namespace

Result<TrialPlan> TrialPlan::create(ParamSpace space, std::string_view constraint,
                                    SearchMethod method, TrialPlanLimits limits) {
  auto s = std::make_shared<State>();
  if (!constraint.empty()) {
    // Parsed against the axis names so that slots line up with PointValues.
    Result<Constraint> c = Constraint::parse(constraint, space.names());
    if (!c.ok()) return c.status();
    s->constraint = std::move(c).value();
  }
  const uint64_t domain = space.grid_size();
  uint64_t wanted = domain;
  if (auto* r = std::get_if<RandomSearch>(&method)) {
    if (r->n == 0) return Status::BadRequest("method.random.n: must be >= 1");
    if (r->n > limits.max_trials)
      return Status::TooLarge("method.random.n: " + std::to_string(r->n) +
                              " is over the limit of " + std::to_string(limits.max_trials) +
                              " trials");
    wanted = std::min(r->n, domain);
    s->permutation.emplace(domain, r->seed);
  } else if (!s->constraint && domain > limits.max_trials) {
    return Status::TooLarge("space: the grid has " + std::to_string(domain) +
                            " points, more than the limit of " + std::to_string(limits.max_trials) +
                            " trials (narrow it or use method random)");
  } else if (s->constraint && domain > limits.max_scan) {
    return Status::TooLarge("constraint: the grid has " + std::to_string(domain) +
                            " points, more than the " + std::to_string(limits.max_scan) +
                            " a constraint may be checked on (narrow it or use method random)");
  }
  s->space = std::move(space);
  s->method = method;
  if (!s->constraint) {
    s->total = wanted;
  } else {
    if (Status st = count_admissible(*s, wanted, limits); !st.ok()) return st;
    if (s->total == 0) return Status::BadRequest("constraint: excludes every point of the space");
  }
  return TrialPlan(std::move(s));
}

uint64_t TrialPlan::total() const {
  return s_->total;
}
const ParamSpace& TrialPlan::space() const {
  return s_->space;
}
const SearchMethod& TrialPlan::method() const {
  return s_->method;
}

TrialCursor TrialPlan::cursor() const {
  return TrialCursor(s_, 0, 0);
}

Result<TrialCursor> TrialPlan::cursor_at(uint64_t index) const {
  if (index > s_->total)
    return Status::NotFound("trial " + std::to_string(index) + " is beyond the plan's " +
                            std::to_string(s_->total) + " trials");
  if (!s_->constraint || index == s_->total) {
    // Without a constraint draw k is trial k; at the end the draw position no longer matters.
    return TrialCursor(s_, index, index);
  }
  const uint64_t j = index / kCheckpointStride;
  uint64_t trial = j * kCheckpointStride;
  uint64_t draw = s_->checkpoints[j];
  PointValues buf(s_->space);
  for (; trial < index; ++draw)
    if (s_->admissible(s_->grid_point(draw), buf)) ++trial;
  return TrialCursor(s_, trial, draw);
}

Result<Trial> TrialPlan::trial_at(uint64_t index) const {
  if (index >= s_->total)
    return Status::NotFound("trial " + std::to_string(index) + " is beyond the plan's " +
                            std::to_string(s_->total) + " trials");
  Result<TrialCursor> c = cursor_at(index);
  if (!c.ok()) return c.status();
  return *c->next();
}

std::optional<Trial> TrialCursor::next() {
  if (trial_ >= s_->total) return std::nullopt;
  PointValues buf(s_->space);
  for (;;) {
    const uint64_t g = s_->grid_point(draw_++);
    if (s_->admissible(g, buf)) return Trial{trial_++, g, s_->space.at(g)};
  }
}

}  // namespace sweep
