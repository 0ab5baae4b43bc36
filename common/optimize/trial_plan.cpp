#include "sweep/optimize/trial_plan.hpp"

#include <algorithm>
#include <bit>

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
  // With a constraint: bit d says whether draw d is admissible, for every draw the counting pass
  // tested (all the plan's trials lie among them). Cursors and trial_at() read these bits and
  // never evaluate the constraint again: a broker dispatching, re-queuing or resuming trials does
  // no work proportional to the constraint's length or sparsity. At most max_scan bits (1.25 MB
  // for the default 10M).
  std::vector<uint64_t> bits;

  uint64_t grid_point(uint64_t draw) const { return permutation ? (*permutation)(draw) : draw; }
  bool test(uint64_t grid_index, PointValues& buf) const {
    return constraint->eval(buf.at(grid_index));
  }
  bool admissible_draw(uint64_t draw) const {
    if (!constraint) return true;
    const uint64_t word = draw >> 6;
    return word < bits.size() && ((bits[word] >> (draw & 63)) & 1);
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
    if ((draw & 63) == 0) s.bits.push_back(0);
    if (!s.test(s.grid_point(draw), buf)) continue;
    s.bits.back() |= uint64_t{1} << (draw & 63);
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
  if (auto* t = std::get_if<TpeSearch>(&method)) {
    if (t->startup == 0) return Status::BadRequest("method.tpe.startup: must be >= 1");
    if (t->batch == 0) return Status::BadRequest("method.tpe.batch: must be >= 1");
    if (t->n == 0) return Status::BadRequest("method.tpe.n: must be >= 1");
    if (t->n > limits.max_trials)
      return Status::TooLarge("method.tpe.n: " + std::to_string(t->n) + " is over the limit of " +
                              std::to_string(limits.max_trials) + " trials");
    wanted = std::min(t->n, domain);
    s->permutation.emplace(domain, t->seed);
  } else if (auto* r = std::get_if<RandomSearch>(&method)) {
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

bool TrialPlan::admits(uint64_t grid_index) const {
  if (!s_->constraint) return true;
  PointValues buf(s_->space);
  return s_->test(grid_index, buf);
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
  // Whole words at a time where the index lies beyond them, then bit by bit.
  while (trial < index) {
    if ((draw & 63) == 0 && (draw >> 6) < s_->bits.size()) {
      const auto ones = static_cast<uint64_t>(std::popcount(s_->bits[draw >> 6]));
      if (trial + ones < index) {
        trial += ones;
        draw += 64;
        continue;
      }
    }
    if (s_->admissible_draw(draw)) ++trial;
    ++draw;
  }
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
  while (!s_->admissible_draw(draw_)) ++draw_;
  const uint64_t g = s_->grid_point(draw_++);
  return Trial{trial_++, g, s_->space.at(g)};
}

}  // namespace sweep
