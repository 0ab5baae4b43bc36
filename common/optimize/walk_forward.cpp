#include "sweep/optimize/walk_forward.hpp"

#include <cmath>
#include <exception>

namespace sweep {
namespace {

Status no_window(const char* field, uint64_t bars) {
  return Status::BadRequest(std::string(field) + ": no window fits in " + std::to_string(bars) +
                            " bars");
}

Status in_window(uint64_t k, const Status& s) {
  return Status(s.code(), "window " + std::to_string(k) + ": " + s.message());
}

// Progress of a job made of several optimizations and out-of-sample runs: the counts of the
// parts already finished plus those of the one running.
struct JobProgress {
  const OptimizeOptions& options;
  uint64_t total = 0, completed = 0, failed = 0;

  std::function<void(const OptimizationProgress&)> part() const {
    if (!options.on_progress) return nullptr;
    return [this](const OptimizationProgress& p) {
      OptimizationProgress q = p;
      q.total = total;
      q.completed += completed;
      q.failed += failed;
      options.on_progress(q);
    };
  }
  void add(const OptimizationResult& r) {
    completed += r.completed;
    failed += r.failed;
  }
  void add_run() {
    ++completed;
    if (options.on_progress) options.on_progress({total, completed, failed, 0, std::nullopt});
  }
};

bool cancelled(const OptimizeOptions& o) {
  return o.cancel && o.cancel->load(std::memory_order_relaxed);
}

}  // namespace

std::vector<WindowSpan> walk_forward_windows(uint64_t bars, const WalkForward& wf) {
  std::vector<WindowSpan> out;
  const uint64_t n = wf.train_bars, m = wf.test_bars;
  if (n == 0 || m == 0) return out;
  for (uint64_t k = 0; n + k * m < bars; ++k) {
    const uint64_t test_begin = n + k * m;
    out.push_back(
        {k, {wf.anchored ? 0 : k * m, test_begin}, {test_begin, std::min(test_begin + m, bars)}});
  }
  return out;
}

std::optional<WindowSpan> holdout_window(uint64_t bars, uint64_t holdout_bars) {
  if (holdout_bars == 0 || holdout_bars >= bars) return std::nullopt;
  const uint64_t n = bars - holdout_bars;
  return WindowSpan{0, {0, n}, {n, bars}};
}

Status check_windows_fit(uint64_t bars, const std::optional<WalkForward>& wf,
                         const std::optional<uint64_t>& holdout_bars) {
  if (wf && walk_forward_windows(bars, *wf).empty()) return no_window("walk_forward", bars);
  if (holdout_bars && !holdout_window(bars, *holdout_bars)) return no_window("holdout_bars", bars);
  return Status::Ok();
}

Metrics span_metrics(const TimeSeries& series, BarSpan span, const std::vector<double>& equity,
                     const std::vector<Trade>& trades) {
  std::vector<Trade> local = trades;
  for (Trade& t : local) {
    t.entry_bar -= static_cast<uint32_t>(span.begin);
    t.exit_bar -= static_cast<uint32_t>(span.begin);
  }
  return compute_metrics(*slice_market_data(series, span), equity, local, 0);
}

Result<OutOfSampleRun> run_out_of_sample(const TimeSeries& series, const StrategyInfo& strategy,
                                         const ParamSet& params, double cash_in, double commission,
                                         BarSpan test) {
  if (test.begin >= test.end || test.end > series.size())
    return Status::BadRequest("out-of-sample bars [" + std::to_string(test.begin) + ", " +
                              std::to_string(test.end) + ") are not within the series");
  // W depends on the parameters, known once a strategy has seen them (schema defaults filled
  // in as run_trial() does).
  Result<ParamSet> checked = validate_params(strategy.params, params);
  if (!checked.ok()) return checked.status();
  auto upto_test = slice_market_data(series, {0, test.end});
  uint64_t w = 0;
  try {
    std::unique_ptr<Strategy> s = strategy.create();
    if (Status st = s->prepare(*upto_test, *checked); !st.ok()) return st;
    w = s->warmup() + 1;
  } catch (const std::exception& e) {
    return Status::Internal(e.what());
  }
  const uint64_t begin = test.begin >= w ? test.begin - w : 0;
  auto run_data = begin == 0 ? upto_test : slice_market_data(series, {begin, test.end});
  TrialOutcome r = run_trial(*run_data, strategy, *checked, {cash_in, commission});
  if (r.status != TrialState::kCompleted) return Status::Internal(r.error_message);
  OutOfSampleRun out;
  out.cash_in = cash_in;
  // Before the first decision bar the account holds its starting cash: the first test bar's
  // equity is cash_in whenever test.begin >= W.
  out.equity.assign(r.equity.begin() + static_cast<ptrdiff_t>(test.begin - begin), r.equity.end());
  out.trades = std::move(r.trades);
  for (Trade& t : out.trades) {
    t.entry_bar += static_cast<uint32_t>(begin);
    t.exit_bar += static_cast<uint32_t>(begin);
  }
  out.final_equity = out.equity.back();
  out.metrics = span_metrics(series, test, out.equity, out.trades);
  return out;
}

WalkForwardResult assemble_walk_forward(const TimeSeries& series,
                                        std::vector<WindowResult> windows) {
  WalkForwardResult out;
  std::vector<Trade> trades;
  double is_sum = 0;
  for (const WindowResult& w : windows) {
    out.equity.insert(out.equity.end(), w.oos.equity.begin(), w.oos.equity.end());
    trades.insert(trades.end(), w.oos.trades.begin(), w.oos.trades.end());
    is_sum += w.best_metrics[Metric::kReturnAnnPct];
  }
  const BarSpan all{windows.front().span.test.begin, windows.back().span.test.end};
  out.metrics = span_metrics(series, all, out.equity, trades);
  const double is_mean = is_sum / static_cast<double>(windows.size());
  out.efficiency = is_mean == 0 || std::isnan(is_mean)
                       ? std::nan("")
                       : out.metrics[Metric::kReturnAnnPct] / is_mean;
  for (const auto& [name, _] : windows.front().best_params.items()) {
    std::vector<ParamValue> values;
    for (const WindowResult& w : windows) {
      const ParamValue* v = w.best_params.find(name);
      values.push_back(v ? *v : ParamValue(std::nan("")));
    }
    out.stability.emplace_back(name, std::move(values));
  }
  out.windows = std::move(windows);
  return out;
}

Result<WalkForwardResult> run_walk_forward(const WalkForwardJob& job, const WalkForward& wf) {
  const TimeSeries& series = *job.series;
  const std::vector<WindowSpan> spans = walk_forward_windows(series.size(), wf);
  if (spans.empty()) return no_window("walk_forward", series.size());
  const uint64_t plan_total = job.plan->total();
  JobProgress progress{job.options, spans.size() * plan_total + spans.size()};
  OptimizeOptions options = job.options;
  options.on_progress = progress.part();
  options.return_blocks = 0;  // a window's robustness is not reported
  std::vector<WindowResult> windows;
  double cash = job.engine.cash;
  bool stopped = false;
  for (const WindowSpan& span : spans) {
    auto train = slice_market_data(series, span.train);
    EngineOptions engine = job.engine;
    // Only the best is used: top_k 1 re-runs nothing else (the best is the same for any k).
    Result<OptimizationResult> r =
        optimize(*train, *job.strategy, *job.plan, engine, job.objective, 1, options);
    if (!r.ok()) return in_window(span.window, r.status());
    progress.add(*r);
    if (r->cancelled) {
      stopped = true;
      break;
    }
    if (r->top.empty())
      return Status::Internal("window " + std::to_string(span.window) + ": no trial completed");
    const TrialRecord& best = r->top.front().record;
    Result<OutOfSampleRun> oos = run_out_of_sample(series, *job.strategy, best.params, cash,
                                                   job.engine.commission, span.test);
    if (!oos.ok()) return in_window(span.window, oos.status());
    progress.add_run();
    cash = oos->final_equity;
    windows.push_back({span, best.index, best.params, best.metrics, std::move(oos).value()});
    if (cancelled(job.options) && windows.size() < spans.size()) {
      stopped = true;
      break;
    }
  }
  if (windows.empty()) {
    WalkForwardResult out;
    out.cancelled = true;
    return out;
  }
  WalkForwardResult out = assemble_walk_forward(series, std::move(windows));
  out.cancelled = stopped;
  return out;
}

Result<HoldoutResult> run_holdout(const WalkForwardJob& job, uint64_t holdout_bars) {
  const TimeSeries& series = *job.series;
  const std::optional<WindowSpan> span = holdout_window(series.size(), holdout_bars);
  if (!span) return no_window("holdout_bars", series.size());
  JobProgress progress{job.options, job.plan->total() + job.top_k};
  OptimizeOptions options = job.options;
  options.on_progress = progress.part();
  HoldoutResult out;
  out.span = *span;
  Result<OptimizationResult> r = optimize(*slice_market_data(series, span->train), *job.strategy,
                                          *job.plan, job.engine, job.objective, job.top_k, options);
  if (!r.ok()) return r.status();
  out.train = std::move(r).value();
  progress.add(out.train);
  progress.total = progress.completed + progress.failed + out.train.top.size();
  if (out.train.cancelled) return out;
  for (const OptimizationResult::Top& t : out.train.top) {
    Result<OutOfSampleRun> oos = run_out_of_sample(
        series, *job.strategy, t.record.params, job.engine.cash, job.engine.commission, span->test);
    if (!oos.ok()) return oos.status();
    progress.add_run();
    out.trials.push_back({t.record, std::move(oos).value()});
  }
  return out;
}

}  // namespace sweep
