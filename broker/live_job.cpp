#include "live_job.hpp"

#include <algorithm>

#include "sweep/base/limits.hpp"

namespace sweep::broker {

LiveJob::LiveJob(std::string id_, JobSpec spec_, std::optional<TrialPlan> plan_,
                 Objective objective)
    : id(std::move(id_)),
      spec(std::move(spec_)),
      plan(std::move(plan_)),
      top(objective, spec.kind == JobKind::kOptimization ? static_cast<size_t>(spec.top_k) : 1) {
  if (plan) {
    trial_count = plan->total();
    cursor = plan->cursor();
    heatmap = HeatmapGrid::for_spec(spec);
  }
}

bool LiveJob::has_pending() const {
  if (!retry.empty()) return true;
  if (is_backtest()) return false;
  return cursor && cursor->position() < trial_count;
}

std::optional<PendingTrial> LiveJob::take_next() {
  if (!retry.empty()) {
    PendingTrial t = std::move(retry.front());
    retry.pop_front();
    return t;
  }
  if (is_backtest() || !cursor) return std::nullopt;
  while (auto t = cursor->next()) {
    if (std::binary_search(recorded.begin(), recorded.end(), t->index)) continue;
    return PendingTrial{t->index, 1, std::move(t->params)};
  }
  return std::nullopt;
}

void LiveJob::drop_pending() {
  retry.clear();
  if (plan) cursor = *plan->cursor_at(trial_count);
}

uint64_t LiveJob::next_trial_position() const {
  return cursor ? cursor->position() : (is_backtest() ? 1 : 0);
}

uint64_t LiveJob::queued_count(size_t running) const {
  if (!dispatchable()) return 0;
  const uint64_t busy = trials_done + running;
  return trial_count > busy ? trial_count - busy : 0;
}

void LiveJob::observe_duration(double ms) {
  mean_trial_ms = mean_trial_ms == 0 ? ms : 0.8 * mean_trial_ms + 0.2 * ms;
}

double LiveJob::elapsed_s(SteadyTime now) const {
  if (!started_at_ms) return 0;
  return std::chrono::duration<double>(now - started).count();
}

std::optional<double> LiveJob::eta_s(SteadyTime now) const {
  const double elapsed = elapsed_s(now);
  if (elapsed <= 0) return std::nullopt;
  double done, left;
  if (is_backtest()) {
    done = static_cast<double>(bars_done);
    left = static_cast<double>(total) - done;
  } else {
    done = static_cast<double>(trials_done - std::min(trials_done, done_at_start));
    left = static_cast<double>(trial_count - std::min(trial_count, trials_done));
  }
  if (done <= 0) return std::nullopt;
  return std::max(0.0, left / (done / elapsed));
}

}  // namespace sweep::broker
