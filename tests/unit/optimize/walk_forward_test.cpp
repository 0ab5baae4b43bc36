// Walk-forward and holdout (docs/WALK_FORWARD.md): the window arithmetic, an out-of-sample run
// against a reference simulation written out here, the stitched account and its figures on a
// hand example, and the in-process drivers against optimizations run independently.
#include "sweep/optimize/walk_forward.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "sweep/data/csv_loader.hpp"
#include "sweep/engine/strategy_registry.hpp"
#include "sweep/jobs/job_spec.hpp"

namespace sweep {
namespace {

const StrategyRegistry& registry() {
  static const StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  return reg;
}
const StrategyInfo& sma() {
  return *registry().find("sma_cross");
}

std::shared_ptr<const TimeSeries> goog() {
  static const auto s = std::make_shared<const TimeSeries>(
      load_csv(std::string(SWEEP_DATA_DIR) + "/GOOG.csv").value());
  return s;
}

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kMonday = 1'704'067'200'000;  // 2024-01-01

// Integer prices, one bar a calendar day from a Monday; open = close - 1.
std::shared_ptr<const TimeSeries> series(const std::vector<int64_t>& closes,
                                         std::vector<int64_t> days = {}) {
  auto s = std::make_shared<TimeSeries>();
  s->name = "hand";
  for (size_t i = 0; i < closes.size(); ++i) {
    const int64_t day = days.empty() ? static_cast<int64_t>(i) : days[i];
    const int64_t c = closes[i];
    s->bars.push_back({kMonday + day * kDayMs, c - 1, c, c - 1, c, 1});
  }
  return s;
}

std::vector<WindowSpan> windows(uint64_t bars, uint64_t n, uint64_t m, bool anchored = false) {
  return walk_forward_windows(bars, {n, m, anchored});
}

TEST(WalkForwardWindows, RollingAnchoredPartialAndNone) {
  EXPECT_EQ(windows(10, 4, 3),
            (std::vector<WindowSpan>{{0, {0, 4}, {4, 7}}, {1, {3, 7}, {7, 10}}}));
  // 4 + 2·3 = 10 < 11: a third window with one test bar.
  EXPECT_EQ(
      windows(11, 4, 3),
      (std::vector<WindowSpan>{{0, {0, 4}, {4, 7}}, {1, {3, 7}, {7, 10}}, {2, {6, 10}, {10, 11}}}));
  EXPECT_EQ(
      windows(11, 4, 3, true),
      (std::vector<WindowSpan>{{0, {0, 4}, {4, 7}}, {1, {0, 7}, {7, 10}}, {2, {0, 10}, {10, 11}}}));
  EXPECT_EQ(windows(5, 4, 3), (std::vector<WindowSpan>{{0, {0, 4}, {4, 5}}}));
  EXPECT_TRUE(windows(4, 4, 3).empty());
  EXPECT_TRUE(windows(3, 4, 3).empty());
  // GOOG, 2148 bars, 500:250: tests start at 500, 750, ..., 2000; the last has 148 bars.
  const auto g = windows(2148, 500, 250);
  ASSERT_EQ(g.size(), 7u);
  EXPECT_EQ(g.back(), (WindowSpan{6, {1500, 2000}, {2000, 2148}}));
}

TEST(WalkForwardWindows, HoldoutAndFitErrors) {
  EXPECT_EQ(holdout_window(10, 3), (WindowSpan{0, {0, 7}, {7, 10}}));
  EXPECT_EQ(holdout_window(10, 9), (WindowSpan{0, {0, 1}, {1, 10}}));
  EXPECT_FALSE(holdout_window(10, 10));
  EXPECT_FALSE(holdout_window(10, 0));
  EXPECT_TRUE(check_windows_fit(2148, WalkForward{500, 250, false}, std::nullopt).ok());
  EXPECT_TRUE(check_windows_fit(2148, std::nullopt, std::nullopt).ok());
  EXPECT_EQ(check_windows_fit(2148, WalkForward{2148, 1, false}, std::nullopt).message(),
            "walk_forward: no window fits in 2148 bars");
  EXPECT_EQ(check_windows_fit(2148, std::nullopt, 2148).message(),
            "holdout_bars: no window fits in 2148 bars");
  EXPECT_EQ(check_windows_fit(2148, std::nullopt, 2148).code(), Code::kBadRequest);
}

TEST(WalkForwardWindows, TrialNumbering) {
  EXPECT_EQ(train_trial_index(0, 202, 5), 5u);
  EXPECT_EQ(train_trial_index(3, 202, 5), 611u);
  EXPECT_EQ(train_trial_index(6, 202, 201), 1413u);
}

// sma_cross long_only, commission 0, simulated from the model's rules (docs/ENGINE.md) over bars
// [r0, end) of integer prices: indicators from r0 + slow - 1, decisions from r0 + slow, an order
// filled at the next bar's open with floor(cash·(1 - 2^-52) / open) units, open trades closed at
// the open of the last bar. Equity per bar of the run.
struct Reference {
  std::vector<double> equity;
  std::vector<std::pair<size_t, size_t>> trades;  // entry, exit bar (whole series)
};
Reference simulate(const std::vector<int64_t>& close, size_t r0, size_t end, int64_t fast,
                   int64_t slow, double cash) {
  Reference out;
  out.equity.assign(end - r0, cash);
  auto open = [&](size_t i) { return static_cast<double>(close[i] - 1); };
  auto sum = [&](size_t i, int64_t n) {
    int64_t s = 0;
    for (int64_t k = 0; k < n; ++k) s += close[i - static_cast<size_t>(k)];
    return s;
  };
  int last = 0, pending = 0;
  int64_t units = 0;
  double entry = 0;
  size_t entry_bar = 0;
  const size_t first = r0 + static_cast<size_t>(slow);
  for (size_t i = r0 + static_cast<size_t>(slow) - 1; i < end; ++i) {
    const int64_t d = sum(i, fast) * slow - sum(i, slow) * fast;
    const int sign = d > 0 ? 1 : d < 0 ? -1 : 0;
    const int signal = sign != 0 && last != 0 && sign != last ? sign : 0;
    if (sign != 0) last = sign;
    if (i < first) continue;
    if (pending > 0 && units == 0) {
      units = static_cast<int64_t>(std::floor(cash * (1 - 0x1p-52) / open(i)));
      entry = open(i);
      entry_bar = i;
    } else if (pending < 0 && units > 0) {
      cash += static_cast<double>(units) * (open(i) - entry);
      out.trades.emplace_back(entry_bar, i);
      units = 0;
    }
    pending = signal;
    out.equity[i - r0] =
        cash + static_cast<double>(units) * (static_cast<double>(close[i]) - entry);
  }
  if (units > 0) {
    cash += static_cast<double>(units) * (open(end - 1) - entry);
    out.trades.emplace_back(entry_bar, end - 1);
  }
  out.equity.back() = cash;
  return out;
}

ParamSet params(int64_t fast, int64_t slow) {
  ParamSet p;
  p.set("fast", fast);
  p.set("slow", slow);
  p.set("mode", std::string("long_only"));
  return p;
}

const std::vector<int64_t> kCloses = {10, 12, 14, 13, 11, 10, 12, 15, 16, 14,
                                      12, 13, 15, 17, 16, 13, 12, 14, 16, 17};

TEST(OutOfSample, MatchesAReferenceSimulationOverItsTestBars) {
  auto s = series(kCloses);
  const BarSpan test{7, 20};
  Result<OutOfSampleRun> r = run_out_of_sample(*s, sma(), params(1, 3), 1000, 0, test);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // W = slow = 3: the run covers [4, 20), the strategy first acts on bar 7. (The cross up of bar
  // 6 is before it: a run over all bars would already hold a trade bought on bar 7's open.)
  const Reference ref = simulate(kCloses, 4, 20, 1, 3, 1000);
  const std::vector<double> want(ref.equity.begin() + 3, ref.equity.end());
  EXPECT_EQ(r->equity, want);
  ASSERT_GE(ref.trades.size(), 2u);  // the series is built to trade inside the test bars
  ASSERT_EQ(r->trades.size(), ref.trades.size());
  for (size_t k = 0; k < ref.trades.size(); ++k) {
    EXPECT_EQ(r->trades[k].entry_bar, ref.trades[k].first) << k;
    EXPECT_EQ(r->trades[k].exit_bar, ref.trades[k].second) << k;
  }
  EXPECT_EQ(r->cash_in, 1000);
  EXPECT_EQ(r->equity.front(), 1000);  // flat at the first test bar's close
  EXPECT_EQ(r->final_equity, want.back());
  // Metrics of the test bars only.
  const Metrics& m = r->metrics;
  EXPECT_EQ(m[Metric::kFinalEquity], want.back());
  EXPECT_DOUBLE_EQ(m[Metric::kReturnPct], (want.back() - 1000) / 1000 * 100);
  EXPECT_DOUBLE_EQ(m[Metric::kBuyHoldReturnPct], (17.0 - 15.0) / 15.0 * 100);
  EXPECT_EQ(m[Metric::kTrades], static_cast<double>(ref.trades.size()));
  double covered = 0;
  for (auto [a, b] : ref.trades) covered += static_cast<double>(b - a + 1);
  EXPECT_DOUBLE_EQ(m[Metric::kExposurePct], covered / 13 * 100);
}

TEST(OutOfSample, CashInScalesTheAccountAndErrorsAreTheEngines) {
  auto s = series(kCloses);
  Result<OutOfSampleRun> r = run_out_of_sample(*s, sma(), params(1, 3), 5000, 0, {7, 16});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->equity, [] {
    const Reference ref = simulate(kCloses, 4, 16, 1, 3, 5000);
    return std::vector<double>(ref.equity.begin() + 3, ref.equity.end());
  }());
  // Test bars starting before W: the run starts at bar 0 and the strategy first acts on bar W.
  r = run_out_of_sample(*s, sma(), params(1, 3), 1000, 0, {1, 16});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->equity.size(), 15u);
  const Reference ref = simulate(kCloses, 0, 16, 1, 3, 1000);
  EXPECT_EQ(r->equity, std::vector<double>(ref.equity.begin() + 1, ref.equity.end()));
  EXPECT_FALSE(run_out_of_sample(*s, sma(), params(3, 2), 1000, 0, {7, 16}).ok());
  EXPECT_FALSE(run_out_of_sample(*s, sma(), params(1, 3), 1000, 0, {7, 21}).ok());
}

// sma_cross that refuses to prepare on fewer than min_bars bars, as a plugin sizing something by
// the data might; records the bar count of every prepare().
class NeedsBars final : public Strategy {
 public:
  NeedsBars(size_t min_bars, std::vector<size_t>* seen)
      : inner_(sma().create()), min_bars_(min_bars), seen_(seen) {}
  Status prepare(const MarketData& data, const ParamSet& p) override {
    seen_->push_back(data.close.size());
    if (data.close.size() < min_bars_) return Status::BadRequest("needs_bars: too few bars");
    return inner_->prepare(data, p);
  }
  size_t warmup() const override { return inner_->warmup(); }
  void run(Account& account, size_t begin, size_t end) override {
    inner_->run(account, begin, end);
  }

 private:
  std::unique_ptr<Strategy> inner_;
  size_t min_bars_;
  std::vector<size_t>* seen_;
};

TEST(OutOfSample, AStrategyRefusingTheTestBarsAloneLearnsItsWarmUpFromEveryBarBefore) {
  auto s = series(kCloses);
  const BarSpan test{7, 20};
  std::vector<size_t> seen;
  StrategyInfo info = sma();
  info.create = [&seen] { return std::make_unique<NeedsBars>(16, &seen); };
  Result<OutOfSampleRun> r = run_out_of_sample(*s, info, params(1, 3), 1000, 0, test);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // The 13 test bars (refused), the 20 up to the test's end (W = 3), then the run over [4, 20).
  EXPECT_EQ(seen, (std::vector<size_t>{13, 20, 16}));
  Result<OutOfSampleRun> plain = run_out_of_sample(*s, sma(), params(1, 3), 1000, 0, test);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(r->equity, plain->equity);
  ASSERT_EQ(r->trades.size(), plain->trades.size());
  for (size_t k = 0; k < r->trades.size(); ++k) {
    EXPECT_EQ(r->trades[k].entry_bar, plain->trades[k].entry_bar) << k;
    EXPECT_EQ(r->trades[k].exit_bar, plain->trades[k].exit_bar) << k;
  }
  // Refused on every slice: the strategy's own error.
  info.create = [&seen] { return std::make_unique<NeedsBars>(100, &seen); };
  r = run_out_of_sample(*s, info, params(1, 3), 1000, 0, test);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "needs_bars: too few bars");
}

// Two windows on eight weekday bars, their results written by hand.
TEST(Assemble, StitchedCurveEfficiencyAndStabilityOnAHandExample) {
  auto s = series({10, 11, 12, 13, 14, 15, 16, 18}, {0, 1, 2, 3, 4, 7, 8, 9});
  WindowResult w0, w1;
  w0.span = {0, {0, 2}, {2, 5}};
  w1.span = {1, {3, 5}, {5, 8}};
  w0.best_params = params(5, 20);
  w1.best_params = params(10, 20);
  w0.best_metrics[Metric::kReturnAnnPct] = 10;
  w1.best_metrics[Metric::kReturnAnnPct] = 30;
  w0.oos.cash_in = 1000;
  w0.oos.equity = {1000, 1100, 1050};
  w0.oos.final_equity = 1050;
  w1.oos.cash_in = 1050;
  w1.oos.equity = {1050, 1155, 1200};
  w1.oos.final_equity = 1200;
  WalkForwardResult r = assemble_walk_forward(*s, {w0, w1});
  EXPECT_EQ(r.equity, (std::vector<double>{1000, 1100, 1050, 1050, 1155, 1200}));
  EXPECT_EQ(r.metrics[Metric::kFinalEquity], 1200);
  EXPECT_DOUBLE_EQ(r.metrics[Metric::kReturnPct], 20);
  EXPECT_DOUBLE_EQ(r.metrics[Metric::kBuyHoldReturnPct], (18.0 - 12.0) / 12.0 * 100);
  EXPECT_DOUBLE_EQ(r.metrics[Metric::kMaxDrawdownPct], -(1 - 1050.0 / 1100.0) * 100);
  // One return a day after the first: geometric mean g, annualised over 252 days.
  const double growth =
      1100.0 / 1000 * (1050.0 / 1100) * (1050.0 / 1050) * (1155.0 / 1050) * (1200.0 / 1155);
  const double g = std::pow(growth, 1.0 / 5) - 1;
  const double annual_pct = (std::pow(1 + g, 252) - 1) * 100;
  EXPECT_NEAR(r.metrics[Metric::kReturnAnnPct] / annual_pct, 1, 1e-12);
  EXPECT_NEAR(r.efficiency / (annual_pct / 20), 1, 1e-12);
  ASSERT_EQ(r.stability.size(), 3u);
  EXPECT_EQ(r.stability[0].first, "fast");
  EXPECT_EQ(r.stability[0].second, (std::vector<ParamValue>{int64_t{5}, int64_t{10}}));
  EXPECT_EQ(r.stability[1].first, "slow");
  EXPECT_EQ(r.stability[1].second, (std::vector<ParamValue>{int64_t{20}, int64_t{20}}));
  // A zero in-sample mean leaves the ratio undefined.
  w1.best_metrics[Metric::kReturnAnnPct] = -10;
  EXPECT_TRUE(std::isnan(assemble_walk_forward(*s, {w0, w1}).efficiency));
}

JobSpec goog_grid(const std::string& extra) {
  JobSpec s = parse_job_spec_text(R"({"dataset": {"path": "GOOG.csv"}, "strategy": "sma_cross",
      "params": {"mode": "long_only"},
      "space": {"fast": {"start": 5, "stop": 20, "step": 5}, "slow": [20, 40, 60]},
      "constraint": "fast < slow", "top_k": 3)" +
                                      extra + "}",
                                  JobKind::kOptimization)
                  .value();
  return conform_to_schema(s, sma().params).value();
}

WalkForwardJob job_of(const JobSpec& s, const TrialPlan& plan, unsigned threads) {
  WalkForwardJob job;
  job.series = goog();
  job.strategy = &sma();
  job.plan = &plan;
  job.engine = {s.cash, s.commission};
  job.objective = s.objective;
  job.top_k = static_cast<size_t>(s.top_k);
  job.options.threads = threads;
  return job;
}

// The best of a window by hand: every trial of the plan over the train bars, ranked by Sharpe
// (undefined last, ties to the lower index).
ParamSet best_by_hand(const TrialPlan& plan, BarSpan train) {
  auto data = slice_market_data(*goog(), train);
  std::optional<std::pair<double, ParamSet>> best;
  for (uint64_t i = 0; i < plan.total(); ++i) {
    Trial t = plan.trial_at(i).value();
    const double v = run_trial(*data, sma(), t.params, {}).metrics[Metric::kSharpe];
    if (!best || (!std::isnan(v) && (std::isnan(best->first) || v > best->first)))
      best = {{v, t.params}};
  }
  return best->second;
}

TEST(RunWalkForward, CarriesTheAccountAndMatchesIndependentRuns) {
  JobSpec s = goog_grid(R"(, "walk_forward": {"train_bars": 500, "test_bars": 250})");
  TrialPlan plan = make_trial_plan(s).value();
  uint64_t last_total = 0, last_done = 0;
  WalkForwardJob job = job_of(s, plan, 2);
  job.options.on_progress = [&](const OptimizationProgress& p) {
    last_total = p.total;
    last_done = p.completed + p.failed;
  };
  Result<WalkForwardResult> r = run_walk_forward(job, *s.walk_forward);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->windows.size(), 7u);
  EXPECT_EQ(last_total, 7 * plan.total() + 7);
  EXPECT_EQ(last_done, last_total);
  EXPECT_FALSE(r->cancelled);
  double cash = s.cash;
  size_t at = 0;
  for (const WindowResult& w : r->windows) {
    EXPECT_EQ(w.oos.cash_in, cash) << w.span.window;
    EXPECT_EQ(w.best_params, best_by_hand(plan, w.span.train)) << w.span.window;
    Result<OutOfSampleRun> again =
        run_out_of_sample(*goog(), sma(), w.best_params, cash, 0, w.span.test);
    EXPECT_EQ(again->equity, w.oos.equity);
    // Continuity: the stitched curve is each window's curve in turn, each starting where the
    // last ended.
    EXPECT_EQ(r->equity[at], cash);
    EXPECT_TRUE(std::equal(w.oos.equity.begin(), w.oos.equity.end(), r->equity.begin() + at));
    at += w.oos.equity.size();
    cash = w.oos.final_equity;
  }
  EXPECT_EQ(at, 2148u - 500);
  EXPECT_EQ(r->equity.size(), at);
  EXPECT_EQ(r->metrics[Metric::kFinalEquity], cash);
  // The same numbers on one thread: a function of the spec alone.
  Result<WalkForwardResult> one = run_walk_forward(job_of(s, plan, 1), *s.walk_forward);
  EXPECT_EQ(one->equity, r->equity);
}

TEST(RunWalkForward, CancelEndsWithTheWindowsFinished) {
  JobSpec s = goog_grid(R"(, "walk_forward": {"train_bars": 500, "test_bars": 250})");
  TrialPlan plan = make_trial_plan(s).value();
  std::atomic<bool> cancel{true};
  WalkForwardJob job = job_of(s, plan, 1);
  job.options.cancel = &cancel;
  Result<WalkForwardResult> r = run_walk_forward(job, *s.walk_forward);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cancelled);
  EXPECT_TRUE(r->windows.empty());
}

TEST(RunHoldout, TopKInAndOutOfSample) {
  JobSpec s = goog_grid(R"(, "holdout_bars": 648)");
  TrialPlan plan = make_trial_plan(s).value();
  Result<HoldoutResult> r = run_holdout(job_of(s, plan, 2), *s.holdout_bars);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->span, (WindowSpan{0, {0, 1500}, {1500, 2148}}));
  ASSERT_EQ(r->trials.size(), 3u);
  EXPECT_EQ(r->trials[0].in_sample.params, best_by_hand(plan, {0, 1500}));
  for (const HoldoutTrial& t : r->trials) {
    EXPECT_EQ(t.oos.cash_in, s.cash);
    EXPECT_EQ(t.oos.equity.size(), 648u);
    TrialOutcome in =
        run_trial(*slice_market_data(*goog(), {0, 1500}), sma(), t.in_sample.params, {});
    EXPECT_TRUE(in.metrics == t.in_sample.metrics);
  }
}

}  // namespace
}  // namespace sweep
