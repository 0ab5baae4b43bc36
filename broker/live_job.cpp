#include "live_job.hpp"

#include <algorithm>

#include "sweep/base/limits.hpp"

namespace sweep::broker {

JobCursor::JobCursor(const TrialPlan& plan, uint64_t windows, uint64_t position)
    : plan_(plan),
      windows_(windows),
      window_(std::min(position / std::max<uint64_t>(plan.total(), 1), windows)),
      inner_(*plan.cursor_at(window_ < windows ? position % plan.total() : plan.total())) {}

std::optional<Trial> JobCursor::next() {
  while (window_ < windows_) {
    if (auto t = inner_.next()) {
      t->index = train_trial_index(window_, plan_.total(), t->index);
      return t;
    }
    if (++window_ < windows_) inner_ = plan_.cursor();
  }
  return std::nullopt;
}

uint64_t JobCursor::position() const {
  if (window_ >= windows_) return windows_ * plan_.total();
  return train_trial_index(window_, plan_.total(), inner_.position());
}

LiveJob::LiveJob(std::string id_, JobSpec spec_, std::optional<TrialPlan> plan_,
                 Objective objective)
    : id(std::move(id_)),
      spec(std::move(spec_)),
      plan(std::move(plan_)),
      top(objective, spec.kind == JobKind::kOptimization ? static_cast<size_t>(spec.top_k) : 1) {
  if (plan) {
    trial_count = plan->total();
    cursor = cursor_at(0);
    heatmap = HeatmapGrid::for_spec(spec);
    if (is_adaptive(plan->method())) {
      tpe = TpeSuggester::create(*plan, objective).value();  // the plan is a tpe one
      cursor.reset();
      observed.assign(trial_count, 0);
      searches.resize(1);
      (void)next_generation(0);  // generation 0 needs no history: it cannot fail
    }
  }
}

std::pair<size_t, uint64_t> LiveJob::window_of(uint64_t index) const {
  const uint64_t p = std::max<uint64_t>(plan ? plan->total() : 0, 1);
  return {static_cast<size_t>(index / p), index % p};
}

Status LiveJob::next_generation(size_t window) {
  Search& s = searches[window];
  if (!searching || s.unobserved > 0 || s.history.size() >= plan->total()) return Status::Ok();
  Result<std::vector<Trial>> gen = tpe->next_generation(s.history);
  if (!gen.ok()) return gen.status();
  const uint64_t first = train_trial_index(window, plan->total(), 0);
  for (Trial& t : *gen) {
    s.history.push_back({t.grid_index, std::nan("")});
    generation.push_back({first + t.index, 1, std::move(t.params)});
  }
  s.unobserved = gen->size();
  return Status::Ok();
}

bool LiveJob::suggested(uint64_t index) const {
  const auto [window, i] = window_of(index);
  return tpe && window < searches.size() && i < searches[window].history.size();
}

Status LiveJob::observe(uint64_t index, double value) {
  if (!suggested(index) || observed[index]) return Status::Ok();
  const auto [window, i] = window_of(index);
  observed[index] = 1;
  searches[window].history[i].value = value;
  --searches[window].unobserved;
  return next_generation(window);
}

Status LiveJob::set_windows(uint64_t bars, uint64_t max_trials) {
  if (!plan) return Status::Ok();
  if (Status s = check_windows_fit(bars, spec.walk_forward, spec.holdout_bars); !s.ok())
    return Status(s.code(), "spec." + s.message());
  const uint64_t p = plan->total();
  if (spec.walk_forward) {
    windows = walk_forward_windows(bars, *spec.walk_forward);
    if (windows.size() > max_trials / std::max<uint64_t>(p, 1))
      return Status::TooLarge("spec.walk_forward: " + std::to_string(windows.size()) +
                              " windows of " + std::to_string(p) +
                              " trials each, more than the limit of " + std::to_string(max_trials) +
                              " trials (--max-trials)");
    oos_runs = windows.size();
    // The heatmap would mix windows scored on different bars.
    heatmap.reset();
  } else if (spec.holdout_bars) {
    windows = {*holdout_window(bars, *spec.holdout_bars)};
    oos_runs = std::min<uint64_t>(p, static_cast<uint64_t>(std::max(spec.top_k, 0)));
  } else {
    return Status::Ok();
  }
  trial_count = spec.walk_forward ? windows.size() * p : p;
  total = trial_count + oos_runs;
  if (!tpe) {
    cursor = cursor_at(0);
    return Status::Ok();
  }
  // Window 0's search began with the job; the others begin now, their first generations
  // dispatched after it, window by window. (Called before any result: resize keeps window 0's
  // marks all the same.)
  observed.resize(trial_count, 0);
  const size_t searched = searches.size();
  searches.resize(spec.walk_forward ? windows.size() : 1);
  for (size_t k = searched; k < searches.size(); ++k)
    if (Status s = next_generation(k); !s.ok()) return s;
  return Status::Ok();
}

std::optional<BarSpan> LiveJob::train_bars(uint64_t index) const {
  if (windows.empty() || !plan || plan->total() == 0) return std::nullopt;
  return windows[std::min<uint64_t>(index / plan->total(), windows.size() - 1)].train;
}

JobCursor LiveJob::cursor_at(uint64_t position) const {
  return JobCursor(*plan, spec.walk_forward ? std::max<size_t>(windows.size(), 1) : 1, position);
}

bool LiveJob::has_pending() const {
  if (!retry.empty()) return true;
  if (is_backtest()) return false;
  if (tpe) return !generation.empty();
  // The cursor hands out trials in index order: once stopped, every trial up to the stop has
  // left it. It stays where it is, so that a resume knows what was dispatched.
  return cursor && cursor->position() < trial_count && !stop_at;
}

std::optional<PendingTrial> LiveJob::take_next() {
  if (!retry.empty()) {
    PendingTrial t = std::move(retry.front());
    retry.pop_front();
    return t;
  }
  if (tpe && !generation.empty()) {
    PendingTrial t = std::move(generation.front());
    generation.pop_front();
    return t;
  }
  if (is_backtest() || !cursor || stop_at) return std::nullopt;
  while (auto t = cursor->next()) {
    if (std::binary_search(recorded.begin(), recorded.end(), t->index)) continue;
    return PendingTrial{t->index, 1, std::move(t->params)};
  }
  return std::nullopt;
}

void LiveJob::drop_pending() {
  retry.clear();
  generation.clear();
  searching = false;
  if (plan && !tpe) cursor = cursor_at(trial_count);
}

void LiveJob::stop_on_target(uint64_t index) {
  if (stop_at && *stop_at <= index) return;
  stop_at = index;
  auto past = [&](const PendingTrial& p) { return p.index > index; };
  std::erase_if(retry, past);
  std::erase_if(generation, past);
  searching = false;
}

uint64_t LiveJob::next_trial_position() const {
  if (tpe) {
    uint64_t n = 0;
    for (const Search& s : searches) n += s.history.size();
    return n - generation.size();
  }
  return cursor ? cursor->position() : (is_backtest() ? 1 : 0);
}

uint64_t LiveJob::queued_count(size_t running) const {
  if (!dispatchable()) return 0;
  if (stop_at) return retry.size() + generation.size();
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
