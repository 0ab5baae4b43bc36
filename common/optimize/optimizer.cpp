#include "sweep/optimize/optimizer.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "sweep/optimize/tpe.hpp"

namespace sweep {
namespace {

// Trials a thread claims at once: amortises the cursor positioning a constraint may cost.
constexpr uint64_t kBatch = 16;

struct Shared {
  const MarketData& data;
  const StrategyInfo& strategy;
  const TrialPlan& plan;
  const EngineOptions& engine;
  const Objective& objective;
  const std::atomic<bool>* cancel;
  std::optional<double> stop_value;

  std::atomic<uint64_t> next_batch{0};
  std::vector<TrialRecord>& records;
  std::vector<char>& finished;

  std::mutex mu;
  std::condition_variable done_cv;
  unsigned running_threads = 0;
  uint64_t completed = 0, failed = 0;
  std::optional<uint64_t> best;  // index into records
  Status error;                  // a plan error stops everything
  // Adaptive search: the generation being run; trials come from it instead of the plan's cursor.
  const std::vector<Trial>* generation = nullptr;
  std::vector<uint64_t>* grid_points = nullptr;  // [index], for the estimator's history
  // The lowest trial index known to reach the stop value: no later trial is started.
  std::atomic<uint64_t> stop_at{UINT64_MAX};
};

void lower_stop(Shared& s, uint64_t index) {
  uint64_t at = s.stop_at.load();
  while (index < at && !s.stop_at.compare_exchange_weak(at, index)) {
  }
}

bool cancelled(const Shared& s) {
  return s.cancel && s.cancel->load(std::memory_order_relaxed);
}

// The next `kBatch` trials from position `first`: of the plan, or of the generation being run.
class Source {
 public:
  Source(const Shared& s, uint64_t first) : s_(s), pos_(first) {
    if (!s.generation) cursor_ = s.plan.cursor_at(first);
  }
  Status status() const { return cursor_ ? cursor_->status() : Status::Ok(); }
  std::optional<Trial> next() {
    if (cursor_) return (*cursor_)->next();
    if (pos_ >= s_.generation->size()) return std::nullopt;
    return (*s_.generation)[pos_++];
  }

 private:
  const Shared& s_;
  uint64_t pos_;
  std::optional<Result<TrialCursor>> cursor_;
};

void work(Shared& s) {
  RunHooks hooks;
  hooks.cancel = s.cancel;
  const uint64_t total = s.generation ? s.generation->size() : s.plan.total();
  for (;;) {
    const uint64_t first = s.next_batch.fetch_add(kBatch);
    if (first >= total || cancelled(s)) break;
    Source cursor(s, first);
    if (!cursor.status().ok()) {
      std::lock_guard lock(s.mu);
      s.error = cursor.status();
      break;
    }
    for (uint64_t k = 0; k < kBatch && !cancelled(s); ++k) {
      std::optional<Trial> t = cursor.next();
      if (!t || t->index > s.stop_at.load()) break;  // a batch's indexes ascend
      if (s.grid_points) (*s.grid_points)[t->index] = t->grid_index;
      TrialOutcome out = run_trial(s.data, s.strategy, t->params, s.engine, hooks);
      if (out.status == TrialState::kCancelled) break;
      TrialRecord& r = s.records[t->index];
      r.index = t->index;
      r.params = std::move(t->params);
      r.status = out.status;
      r.metrics = out.metrics;
      r.return_stats = std::move(out.return_stats);
      r.error_message = std::move(out.error_message);
      r.error_stack_trace = std::move(out.error_stack_trace);
      std::lock_guard lock(s.mu);
      s.finished[t->index] = 1;
      if (r.status == TrialState::kCompleted) {
        ++s.completed;
        const double v = s.objective.value(r.metrics);
        if (s.stop_value && s.objective.reaches(v, *s.stop_value)) lower_stop(s, r.index);
        if (!s.best ||
            s.objective.better(v, r.index, s.objective.value(s.records[*s.best].metrics), *s.best))
          s.best = r.index;
      } else {
        ++s.failed;
      }
    }
  }
  std::lock_guard lock(s.mu);
  --s.running_threads;
  s.done_cv.notify_all();
}

OptimizationProgress snapshot(Shared& s, std::chrono::steady_clock::time_point start) {
  OptimizationProgress p;
  p.total = s.plan.total();
  p.completed = s.completed;
  p.failed = s.failed;
  p.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (s.best) p.best = s.records[*s.best];
  return p;
}

// Runs the trials of `s` (the plan's, or the current generation's) on `n` threads, reporting
// progress meanwhile.
void run_pool(Shared& s, unsigned n, const OptimizeOptions& options,
              std::chrono::steady_clock::time_point start) {
  s.running_threads = n;
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < n; ++i) threads.emplace_back([&s] { work(s); });
  {
    std::unique_lock lock(s.mu);
    const auto interval = std::chrono::milliseconds(std::max(1, options.progress_interval_ms));
    while (!s.done_cv.wait_for(lock, interval, [&] { return s.running_threads == 0; })) {
      if (options.on_progress) {
        OptimizationProgress p = snapshot(s, start);
        lock.unlock();
        options.on_progress(p);
        lock.lock();
      }
    }
  }
  for (auto& t : threads) t.join();
}

// Stopped on target: the trials after the stop ran only because they ran alongside it, so they
// are dropped, and the counts and the best are those of the trials up to it, as on any cluster.
void drop_after_stop(Shared& s) {
  s.completed = s.failed = 0;
  s.best.reset();
  for (uint64_t i = 0; i < s.records.size(); ++i) {
    if (!s.finished[i]) continue;
    if (i > s.stop_at) {
      s.finished[i] = 0;
      continue;
    }
    const TrialRecord& r = s.records[i];
    if (r.status != TrialState::kCompleted) {
      ++s.failed;
      continue;
    }
    ++s.completed;
    if (!s.best || s.objective.better(s.objective.value(r.metrics), i,
                                      s.objective.value(s.records[*s.best].metrics), *s.best))
      s.best = i;
  }
}

// The robustness statistics of the completed trials, in index order, and of the best one.
Robustness robustness_of(const std::vector<TrialRecord>& trials, std::optional<uint64_t> best,
                         int blocks, unsigned threads) {
  std::vector<RobustnessInput> in;
  std::optional<size_t> best_pos;
  for (const TrialRecord& r : trials) {
    if (r.status != TrialState::kCompleted || !r.return_stats) continue;
    if (r.index == best) best_pos = in.size();
    in.push_back({r.index, *r.return_stats});
  }
  return assess_robustness(in, best_pos, blocks, threads);
}

}  // namespace

Result<OptimizationResult> optimize(const MarketData& data, const StrategyInfo& strategy,
                                    const TrialPlan& plan, const EngineOptions& engine,
                                    const Objective& objective, size_t top_k,
                                    const OptimizeOptions& options) {
  if (options.return_blocks < 0 || options.return_blocks > kMaxReturnBlocks)
    return Status::BadRequest("return_blocks must be in [0, " + std::to_string(kMaxReturnBlocks) +
                              "]");
  const auto start = std::chrono::steady_clock::now();
  std::vector<TrialRecord> records(plan.total());
  std::vector<char> finished(plan.total(), 0);
  EngineOptions trial_engine = engine;  // the trials' statistics come from the engine's own pass
  trial_engine.return_blocks = options.return_blocks;
  Shared s{data,           strategy,           plan, trial_engine, objective,
           options.cancel, options.stop_value, {},   records,      finished};
  const unsigned n = std::max(1u, options.threads);
  if (!is_adaptive(plan.method())) {
    run_pool(s, n, options, start);
  } else {
    Result<TpeSuggester> tpe = TpeSuggester::create(plan, objective);
    if (!tpe.ok()) return tpe.status();
    std::vector<uint64_t> grid_points(plan.total());
    s.grid_points = &grid_points;
    std::vector<TpeObservation> history;
    // One generation at a time: generation g needs every result of the generations before it.
    while (history.size() < plan.total() && !cancelled(s) && s.error.ok() &&
           s.stop_at == UINT64_MAX) {
      Result<std::vector<Trial>> gen = tpe->next_generation(history);
      if (!gen.ok()) return gen.status();
      if (gen->empty()) break;
      s.generation = &*gen;
      s.next_batch = 0;
      run_pool(s, n, options, start);
      if (cancelled(s)) break;
      for (const Trial& t : *gen) {
        const TrialRecord& r = records[t.index];
        history.push_back({t.grid_index, r.status == TrialState::kCompleted
                                             ? objective.value(r.metrics)
                                             : std::nan("")});
      }
    }
  }
  if (!s.error.ok()) return s.error;
  if (s.stop_at != UINT64_MAX) drop_after_stop(s);
  if (options.on_progress) options.on_progress(snapshot(s, start));

  OptimizationResult result;
  result.total = plan.total();
  result.completed = s.completed;
  result.failed = s.failed;
  const uint64_t planned = s.stop_at != UINT64_MAX ? s.stop_at + 1 : plan.total();
  result.cancelled = cancelled(s) && s.completed + s.failed < planned;
  if (s.stop_at != UINT64_MAX && !result.cancelled) result.stopped_at = s.stop_at.load();
  result.trials.reserve(s.completed + s.failed);
  for (uint64_t i = 0; i < plan.total(); ++i)
    if (finished[i]) result.trials.push_back(std::move(records[i]));

  TopK<size_t> top(objective, top_k);
  for (size_t i = 0; i < result.trials.size(); ++i) {
    const TrialRecord& r = result.trials[i];
    if (r.status == TrialState::kCompleted) top.offer(r.index, objective.value(r.metrics), i);
  }
  // Re-running is cheaper than keeping every trial's equity, and the engine is deterministic.
  for (const auto& e : top.entries()) {
    const TrialRecord& r = result.trials[e.payload];
    result.top.push_back({r, run_trial(data, strategy, r.params, engine)});
  }
  result.heatmap = make_heatmap(plan.space(), objective, result.trials);
  if (options.return_blocks > 0 && result.completed > 0)
    result.robustness = robustness_of(result.trials, s.best, options.return_blocks, n);
  return result;
}

std::optional<Heatmap> make_heatmap(const ParamSpace& space, const Objective& objective,
                                    const std::vector<TrialRecord>& trials) {
  std::vector<const std::pair<std::string, Axis>*> varying;
  for (const auto& axis : space.axes())
    if (axis.second.size() > 1) varying.push_back(&axis);
  if (varying.size() != 2) return std::nullopt;
  Heatmap h;
  h.x = varying[0]->first;
  h.y = varying[1]->first;
  for (uint64_t i = 0; i < varying[0]->second.size(); ++i) h.xs.push_back(varying[0]->second.at(i));
  for (uint64_t i = 0; i < varying[1]->second.size(); ++i) h.ys.push_back(varying[1]->second.at(i));
  h.z.assign(h.ys.size(), std::vector<double>(h.xs.size(), std::nan("")));
  std::vector<std::vector<uint64_t>> from(h.ys.size(), std::vector<uint64_t>(h.xs.size(), 0));
  auto locate = [](const std::vector<ParamValue>& values, const ParamValue* v) -> size_t {
    if (!v) return values.size();
    return static_cast<size_t>(std::find(values.begin(), values.end(), *v) - values.begin());
  };
  for (const TrialRecord& r : trials) {
    if (r.status != TrialState::kCompleted) continue;
    const size_t ix = locate(h.xs, r.params.find(h.x));
    const size_t iy = locate(h.ys, r.params.find(h.y));
    if (ix >= h.xs.size() || iy >= h.ys.size()) continue;
    const double v = objective.value(r.metrics);
    double& cell = h.z[iy][ix];
    if (std::isnan(cell) || objective.better(v, r.index, cell, from[iy][ix])) {
      cell = v;
      from[iy][ix] = r.index;
    }
  }
  return h;
}

}  // namespace sweep
