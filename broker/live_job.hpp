// The progress store's entry for one live (non-terminal) job: counts, what is left to dispatch,
// the best trials so far. Memory does not grow with the number of trials: undispatched trials are
// a TrialCursor position plus a small queue of trials to retry.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "heatmap_grid.hpp"
#include "lease_table.hpp"
#include "rate_window.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/jobs/job_state.hpp"
#include "sweep/jobs/result_json.hpp"
#include "sweep/optimize/objective.hpp"
#include "sweep/optimize/robustness.hpp"
#include "sweep/optimize/tpe.hpp"
#include "sweep/optimize/trial_plan.hpp"
#include "sweep/optimize/walk_forward.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::broker {

// The job's trials in index order: the plan's trials once, or once per walk-forward window,
// window k's trial i being job trial k·P + i (train_trial_index, docs/WALK_FORWARD.md).
class JobCursor {
 public:
  // At job trial `position` (windows · P: exhausted). `windows` >= 1.
  JobCursor(const TrialPlan& plan, uint64_t windows, uint64_t position);
  std::optional<Trial> next();
  uint64_t position() const;

 private:
  TrialPlan plan_;
  uint64_t windows_, window_;
  TrialCursor inner_;  // in window_
};

// A trial waiting for a worker.
struct PendingTrial {
  uint64_t index = 0;
  uint32_t attempt = 1;
  ParamSet params;
};

struct TopPayload {
  protocol::TrialRecord record;
  std::vector<double> equity;
  std::vector<TradeRecord> trades;  // a backtest's trade list
};

class JobTable;

struct LiveJob {
  LiveJob(std::string id, JobSpec spec, std::optional<TrialPlan> plan, Objective objective);

  std::string id;
  JobSpec spec;
  nlohmann::json dataset_source;  // the spec's dataset map, sent with each batch
  std::string dataset_hash;
  uint64_t total = 0;        // bars (backtest) or trials (optimization)
  uint64_t trial_count = 1;  // trials of the job: 1 for a backtest
  uint64_t completed = 0, failed = 0;
  uint64_t trials_done = 0;  // trials recorded (any status) in this job
  uint64_t bars_done = 0;    // backtest: from telemetry ticks
  int64_t created_at_ms = 0;
  std::optional<int64_t> started_at_ms;
  SteadyTime started;            // for elapsed and the rate
  uint64_t done_at_start = 0;    // trials done when this broker took the job
  double mean_trial_ms = 0;      // exponential moving average, 0 = unknown (batch sizing)
  bool dirty = true;             // a progress event is due
  SteadyTime next_row_update{};  // of the job row's counts
  std::string last_error;        // the last failed trial's message
  RateWindow rate;               // trials recorded, per second (health reply)

  std::optional<TrialPlan> plan;    // optimizations
  std::optional<JobCursor> cursor;  // next never-dispatched trial
  // Walk-forward (several) or holdout (one): the windows whose train trials the job runs, each
  // over its train bars (the batch's `bars`). Empty for any other job.
  std::vector<WindowSpan> windows;
  uint64_t oos_runs = 0;  // out-of-sample runs at completion: windows, or the holdout's top_k
  std::deque<PendingTrial> retry;  // trials to run again (a lost worker, a resume)
  std::vector<uint64_t> recorded;  // resume only: trials recorded before, sorted
  TopK<TopPayload> top;
  // An adaptive (tpe) search: its trials come a generation at a time (docs/SEARCH.md). The next
  // generation is suggested once every trial suggested so far is observed, so one generation is
  // in flight; `cursor` is unused. A walk-forward runs one search per window, each over its own
  // window's trials (job trial k·P + i is window k's trial i), as `sweep optimize` does.
  std::optional<TpeSuggester> tpe;
  std::deque<PendingTrial> generation;  // suggested, never dispatched (job trial indexes)
  struct Search {
    std::vector<TpeObservation> history;  // [window trial index], the trials suggested so far
    uint64_t unobserved = 0;              // suggested trials not observed yet
  };
  std::vector<Search> searches;        // [window]: one, or one per walk-forward window
  std::vector<char> observed;          // [job trial index]
  bool searching = true;               // false once cancelled: no more generations
  std::optional<HeatmapGrid> heatmap;  // optimizations over exactly two varying parameters
  // Stop on target: the lowest trial index known to reach spec.stop_value. The job's trials are
  // those up to it: later ones are not dispatched, their results are dropped, and those recorded
  // before it was known are deleted when the job completes (docs/SEARCH.md "Stop on target").
  std::optional<uint64_t> stop_at;
  // Every trial is in: what the result needs from the store is being read off the loop
  // (completing), then kept for it (completion_ready): the dates of the equity curves' points
  // (empty if they could not be read) and an optimization's robustness statistics (nullopt if
  // they could not be computed).
  bool completing = false, completion_ready = false;
  std::vector<int64_t> equity_time;
  std::optional<Robustness> robustness;
  nlohmann::json windows_result;  // walk-forward or holdout: the result's block (null: none)

  bool is_backtest() const { return spec.kind == JobKind::kBacktest; }
  // Sets the job's windows from its dataset's bar count (walk_forward_windows, holdout_window):
  // its trials become every window's train trials, and `total` counts the out-of-sample runs
  // too. Errors: no window fits, or more trials than `max_trials`.
  Status set_windows(uint64_t bars, uint64_t max_trials);
  // The bars trial `index` runs over: its window's train bars, or nullopt (the whole dataset).
  std::optional<BarSpan> train_bars(uint64_t index) const;
  // A cursor at job trial `position`.
  JobCursor cursor_at(uint64_t position) const;
  // The state clients are told. A live job in a terminal state is one whose final write has not
  // succeeded yet (the database is locked or full): it reads as running (or cancelling) until
  // the write is in, so that a terminal state, once told, never changes, even across a restart.
  JobState visible_state() const {
    if (!is_terminal(state_)) return state_;
    return state_ == JobState::kCancelled ? JobState::kCancelling : JobState::kRunning;
  }
  bool dispatchable() const { return state_ == JobState::kQueued || state_ == JobState::kRunning; }
  bool has_pending() const;
  std::optional<PendingTrial> take_next();
  // Drops every undispatched trial (cancel).
  void drop_pending();
  // Trial `index` reached the stop value: drops the undispatched trials after it (a tpe search
  // suggests no more generations). Ignored when an earlier trial already stopped the job.
  void stop_on_target(uint64_t index);
  // Whether trial `index` is past the stop (its result is not the job's).
  bool past_stop(uint64_t index) const { return stop_at && index > *stop_at; }
  uint64_t next_trial_position() const;
  // Trials not yet dispatched (an estimate after a resume).
  uint64_t queued_count(size_t running) const;
  void observe_duration(double ms);
  // tpe: trial `index` finished with objective `value` (NaN: failed or undefined); suggests its
  // search's next generation when it completes the current one. A trial observed twice is
  // ignored. Errors: the estimator's (a bug).
  Status observe(uint64_t index, double value);
  // tpe: whether trial `index` has been suggested (its generation has begun).
  bool suggested(uint64_t index) const;
  // Seconds since the job started running, and to its end at the rate so far (nullopt: unknown).
  double elapsed_s(SteadyTime now) const;
  std::optional<double> eta_s(SteadyTime now) const;

  JobState state() const { return state_; }

 private:
  friend class JobTable;
  Status next_generation(size_t window);
  // The window trial `index` belongs to, and its index in that window.
  std::pair<size_t, uint64_t> window_of(uint64_t index) const;
  JobState state_ = JobState::kQueued;  // changed by JobTable::transition only
};

}  // namespace sweep::broker
