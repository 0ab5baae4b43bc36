// Job lifecycle: resume after a restart, recording trials, state changes, the final write.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "broker.hpp"
#include "dataset_resolver.hpp"
#include "records.hpp"
#include "sweep/base/log.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::broker {

namespace {

constexpr auto kRowUpdatePeriod = std::chrono::milliseconds(250);

Objective objective_of(const JobSpec& spec) {
  return spec.objective;
}

}  // namespace

Status Broker::resume_jobs() {
  auto rows = store_->unfinished_jobs();
  if (!rows.ok()) return rows.status();
  for (const JobRow& row : *rows) {
    auto spec = parse_job_spec_text(row.spec_json, row.kind);
    std::optional<TrialPlan> plan;
    std::string error;
    if (!spec.ok()) {
      error = "cannot resume: " + spec.status().message();
    } else if (row.kind == JobKind::kOptimization) {
      auto p = make_trial_plan(*spec);
      if (p.ok()) {
        plan = std::move(p).value();
      } else {
        error = "cannot resume: " + p.status().message();
      }
    }
    auto job = std::make_unique<LiveJob>(row.id, spec.ok() ? *spec : JobSpec{row.kind}, plan,
                                         spec.ok() ? objective_of(*spec) : Objective{});
    job->total = row.total;
    job->created_at_ms = row.created_at_ms;
    job->started_at_ms = row.started_at_ms;
    job->started = now();
    LiveJob& j = jobs_.add(std::move(job), row.status);
    if (!error.empty()) {
      finalize(j, JobState::kFailed, error);
      continue;
    }
    auto series = resolve_dataset(j.spec.dataset, config_.data_dirs, *store_);
    if (!series.ok()) {
      finalize(j, JobState::kFailed, "dataset vanished: " + series.status().message());
      continue;
    }
    auto hash = store_->put_dataset(*series);
    if (!hash.ok()) return hash.status();
    j.dataset_hash = *hash;
    j.dataset_source = to_json(j.spec)["dataset"];
    if (Status s = j.set_windows(series->size(), config_.limits.max_trials); !s.ok()) {
      finalize(j, JobState::kFailed, "cannot resume: " + s.message());
      continue;
    }

    auto recorded = store_->recorded_trial_indexes(row.id);
    if (!recorded.ok()) return recorded.status();
    j.recorded = std::move(recorded).value();
    j.trials_done = j.done_at_start = j.recorded.size();
    load_records(j, row.failed);
    if (j.state() == JobState::kCancelling) {
      finalize(j, JobState::kCancelled);
      continue;
    }
    // Trials dispatched before the restart but never recorded run again; the cursor goes on
    // from where dispatching stopped.
    if (j.is_backtest()) {
      if (j.recorded.empty()) j.retry.push_back({0, 1, j.spec.params});
    } else if (j.tpe) {
      if (Status s = replay_search(j); !s.ok()) {
        finalize(j, JobState::kFailed, "cannot resume: " + s.message());
        continue;
      }
    } else {
      // One walk over the trials before the cursor (trial_at() per trial would cost up to
      // TrialPlan::kCheckpointStride constraint evaluations each); it ends where dispatch goes on.
      const uint64_t next = std::min(row.next_trial, j.trial_count);
      JobCursor cursor = j.cursor_at(0);
      while (cursor.position() < next) {
        auto t = cursor.next();
        if (!t) break;
        if (std::binary_search(j.recorded.begin(), j.recorded.end(), t->index)) continue;
        j.retry.push_back({t->index, 1, std::move(t->params)});
      }
      j.cursor = std::move(cursor);
    }
    // After the trials to run again are known: those past the stop are dropped from them.
    if (j.spec.stop_value) {
      auto at = first_on_target(j);
      if (!at.ok()) return at.status();
      if (*at) j.stop_on_target(**at);
    }
    spdlog::info("resumed job {} ({} of {} trials recorded)", row.id, j.trials_done, j.trial_count);
    maybe_finish(j);
  }
  return Status::Ok();
}

// Counts, the best trials and the heatmap from the recorded trials (a resume, a stop on target).
void Broker::load_records(LiveJob& j, uint64_t failed_fallback) {
  // Counts: failed trials are few, so count them; the rest recorded succeeded (or were
  // cancelled, which only a cancelling job has, and a resume ends that one at once).
  TrialQuery fq;
  fq.status = TrialState::kFailed;
  fq.limit = 1'000'000'000;
  auto failed = store_->list_trials(j.id, fq);
  j.failed = failed.ok() ? failed->size() : failed_fallback;
  j.completed = j.trials_done - std::min(j.trials_done, j.failed);
  if (j.is_backtest() && j.completed > 0) j.completed = j.total;
  // The best trials so far (a backtest: its one trial, once recorded).
  if (j.is_backtest() && j.completed > 0) {
    if (auto t = store_->get_trial(j.id, 0); t.ok()) {
      j.top.offer(0, 0,
                  TopPayload{to_record(*t), t->equity, trades_from_json_text(t->trades_json)});
    }
  } else if (!j.is_backtest()) {
    if (j.heatmap) {
      TrialQuery hq;
      hq.status = TrialState::kCompleted;
      hq.limit = 1'000'000'000;
      if (auto rows = store_->list_trials(j.id, hq); rows.ok()) {
        for (const auto& t : *rows) j.heatmap->set(t.params, j.spec.objective.value(t.metrics));
      }
    }
    TrialQuery tq;
    tq.sort = std::string(metric_name(j.spec.objective.metric));
    tq.ascending = !j.spec.objective.maximize;
    tq.limit = static_cast<size_t>(std::max(1, j.spec.top_k));
    tq.status = TrialState::kCompleted;
    tq.with_equity = true;
    if (auto best = store_->list_trials(j.id, tq); best.ok()) {
      for (auto& t : *best) {
        j.top.offer(t.trial_index, j.spec.objective.value(t.metrics),
                    TopPayload{to_record(t), t.equity});
      }
    }
  }
}

// Stop on target after a restart: the lowest recorded trial index whose value reaches it.
Result<std::optional<uint64_t>> Broker::first_on_target(const LiveJob& j) {
  TrialQuery q;
  q.status = TrialState::kCompleted;
  q.limit = 1'000'000'000;
  auto rows = store_->list_trials(j.id, q);
  if (!rows.ok()) return rows.status();
  for (const TrialRow& t : *rows) {  // by trial index
    if (j.spec.objective.reaches(j.spec.objective.value(t.metrics), *j.spec.stop_value))
      return std::optional<uint64_t>(t.trial_index);
  }
  return std::optional<uint64_t>();
}

// A job stopped on target keeps the trials up to the stop: those after it that were recorded
// before the stop was known (they ran alongside it) are deleted, and what was counted from them
// is counted again from the store, so the record is the same on any number of workers.
Status Broker::settle_stop(LiveJob& j) {
  auto deleted = store_->delete_trials_after(j.id, *j.stop_at);
  if (!deleted.ok()) return deleted.status();
  spdlog::info("job {} stopped on target at trial {}; {} trials recorded past it are dropped", j.id,
               *j.stop_at, *deleted);
  if (*deleted == 0) return Status::Ok();
  auto done = store_->count_trials(j.id);
  if (!done.ok()) return done.status();
  j.trials_done = *done;
  j.top = TopK<TopPayload>(j.spec.objective, static_cast<size_t>(j.spec.top_k));
  j.heatmap = HeatmapGrid::for_spec(j.spec);
  load_records(j, j.failed);
  return Status::Ok();
}

// An adaptive search's state is a function of its recorded trials: generation by generation,
// the same suggestions come again (the estimator is deterministic) and the recorded results are
// observed, until a generation whose trials are not all recorded; its missing trials run again.
Status Broker::replay_search(LiveJob& j) {
  TrialQuery q;
  q.limit = 1'000'000'000;
  auto rows = store_->list_trials(j.id, q);
  if (!rows.ok()) return rows.status();
  for (const TrialRow& t : *rows) {  // by trial index
    if (!j.suggested(t.trial_index))
      return Status::Internal("trial " + std::to_string(t.trial_index) +
                              " is recorded but its generation was never suggested");
    const double v =
        t.status == TrialState::kCompleted ? j.spec.objective.value(t.metrics) : std::nan("");
    if (Status s = j.observe(t.trial_index, v); !s.ok()) return s;
  }
  std::erase_if(j.generation, [&](const PendingTrial& p) { return j.observed[p.index] != 0; });
  return Status::Ok();
}

void Broker::push_update(LiveJob& job) {
  JobUpdate u;
  u.status = job.state();
  u.completed = job.completed;
  u.failed = job.failed;
  u.started_at_ms = job.started_at_ms;
  u.next_trial = job.next_trial_position();
  if (const auto* best = job.top.best()) u.best_trial = best->trial;
  writer_->update_job(job.id, std::move(u));
}

void Broker::set_state(LiveJob& job, JobState state, const std::string& error) {
  if (job.state() == state) return;
  if (!JobTable::transition(job, state).ok()) return;  // a bug, logged
  job.dirty = true;
  push_update(job);
  publish(job_topic(job.id), protocol::StateEvent{job.id, state, error});
}

void Broker::record(LiveJob& job, TrialRow row, std::vector<double> equity,
                    std::vector<TradeRecord> trades) {
  if (job.past_stop(row.trial_index)) {  // it ran alongside the trial that stopped the job
    maybe_finish(job);
    return;
  }
  const bool cancelled_job = !job.dispatchable();
  if (cancelled_job) row.status = TrialState::kCancelled;
  if (row.status != TrialState::kCompleted) {
    row.metrics = Metrics::Zero();
    equity.clear();
  }
  row.equity = equity;
  // The record form is made only when something keeps or sends it: most trials of a large
  // optimization are neither among the best nor watched.
  // No subscription at all is the usual case under load: no topic string then.
  const bool watched = !subscriptions_.empty() && has_subscriber(job_topic(job.id));
  std::optional<protocol::TrialRecord> rec;
  auto record_of = [&]() -> const protocol::TrialRecord& {
    if (!rec) rec = to_record(row);
    return *rec;
  };
  ++job.trials_done;
  job.rate.add(now());
  rate_.add(now());
  if (row.status == TrialState::kCompleted) {
    job.completed += job.is_backtest() ? job.total : 1;
    if (!job.is_backtest()) {
      const double v = job.spec.objective.value(row.metrics);
      // Before the search observes it: no generation is suggested after the stop.
      if (job.spec.stop_value && job.spec.objective.reaches(v, *job.spec.stop_value))
        job.stop_on_target(row.trial_index);
      if (job.heatmap) job.heatmap->set(row.params, v);
      if (job.top.would_keep(v, row.trial_index)) {
        job.top.offer(row.trial_index, v, TopPayload{record_of(), equity});
      }
    } else {
      job.top.offer(0, 0, TopPayload{record_of(), equity, std::move(trades)});
    }
  } else if (row.status == TrialState::kFailed) {
    ++job.failed;
    job.last_error = row.error_message;
  }
  if (job.tpe && !cancelled_job) {  // failed trials and undefined values rank as the worst
    const double v =
        row.status == TrialState::kCompleted ? job.spec.objective.value(row.metrics) : std::nan("");
    const bool had_pending = job.has_pending();
    if (Status s = job.observe(row.trial_index, v); !s.ok())
      spdlog::error("job {}: the search cannot go on: {}", job.id, s.ToString());
    // A new generation: every idle worker gets its share now, not at the next timer tick.
    if (!had_pending && job.has_pending()) dispatch_due_ = true;
  }
  job.dirty = true;
  if (watched) record_of();  // before the row moves to the writer
  if (config_.record_trial_rows) writer_->record_trial(job.id, std::move(row));
  // The job row's counts are informational while the job is live (status comes from memory):
  // refreshed a few times a second, not once per trial.
  if (const auto now = this->now(); now >= job.next_row_update) {
    job.next_row_update = now + kRowUpdatePeriod;
    push_update(job);
  }
  if (watched) publish(job_topic(job.id), protocol::TrialEvent{job.id, std::move(*rec)});
  maybe_finish(job);
}

void Broker::maybe_finish(LiveJob& job) {
  if (is_terminal(job.state())) {  // a final write that failed earlier
    finalize(job, job.state());
    return;
  }
  if (job.stop_at && job.state() != JobState::kCancelling) {
    if (job.has_pending() || leases_.count_for_job_through(job.id, *job.stop_at) > 0) return;
    // Every trial up to the stop is recorded; what still runs is past it and is not waited for.
    if (!job.completing && leases_.count_for_job(job.id) > 0)
      publish(cancel_topic(job.id), protocol::CancelEvent{job.id});
    complete(job);
    return;
  }
  if (leases_.count_for_job(job.id) > 0) return;
  if (job.state() == JobState::kCancelling) {
    finalize(job, JobState::kCancelled);
    return;
  }
  if (job.has_pending() || job.trials_done < job.trial_count) return;
  if (job.is_backtest() && job.failed > 0) {
    finalize(job, JobState::kFailed, "the backtest failed: " + job.last_error);
    return;
  }
  complete(job);
}

void Broker::complete(LiveJob& job) {
  if (job.completion_ready) {
    finalize(job, JobState::kCompleted);
    return;
  }
  if (job.completing) return;
  // Robustness is read from the store: every trial row must be in it, and none past a stop.
  if (!writes_flushed()) return;  // housekeeping calls again
  if (job.stop_at) {
    if (Status s = settle_stop(job); !s.ok()) {
      spdlog::error("job {}: cannot drop the trials after its stop: {}", job.id, s.ToString());
      return;
    }
  }
  job.completing = true;
  CompletionTask task{job.id};
  task.dataset_hash = job.dataset_hash;
  if (!job.windows.empty()) {
    // A holdout's curves cover its train bars; a walk-forward's best trials, several windows'.
    task.curve_bars = job.windows.front().train;
    task.dated_curves = !job.spec.walk_forward;
    if (const StrategyInfo* strategy = registry_.find(job.spec.strategy)) {
      task.windows = WindowsTask{*strategy,
                                 job.spec.cash,
                                 job.spec.commission,
                                 job.spec.objective,
                                 static_cast<size_t>(std::max(job.spec.top_k, 0)),
                                 job.windows,
                                 job.plan->total(),
                                 job.spec.holdout_bars.has_value()};
    }
  }
  if (!job.is_backtest() && config_.robustness && job.windows.empty()) {
    task.blocks = job.spec.pbo_blocks;
    if (const auto* best = job.top.best()) task.best = best->trial;
  }
  completions_->complete(std::move(task));
}

void Broker::on_completions() {
  for (Completion& c : completions_->take()) {
    LiveJob* job = find_live(c.job);
    // Cancelled (or ended otherwise) meanwhile: nothing of it is wanted any more.
    if (!job || !job->completing || !job->dispatchable()) continue;
    job->completing = false;
    job->completion_ready = true;
    // Either failing, the job completes without it (null) rather than never: its trials are kept.
    if (c.equity_time.ok()) {
      job->equity_time = std::move(c.equity_time).value();
    } else {
      spdlog::warn("job {}: its equity curve's dates cannot be read: {}", job->id,
                   c.equity_time.status().ToString());
    }
    if (c.windows && !c.windows->ok()) {
      finalize(*job, JobState::kFailed, "out of sample: " + c.windows->status().message());
      continue;
    }
    if (c.windows) {
      spdlog::info("job {}: {} out-of-sample runs in {:.0f} ms", job->id, (*c.windows)->runs,
                   c.windows_ms);
      job->windows_result = std::move((*c.windows)->json);
      job->completed += (*c.windows)->runs;
    }
    if (c.robustness && c.robustness->ok()) {
      job->robustness = std::move(*c.robustness).value();
      spdlog::info(
          "job {}: robustness statistics of {} trials in {:.0f} ms ({:.0f} ms reading them)",
          job->id, job->completed, c.read_ms + c.compute_ms, c.read_ms);
    } else if (c.robustness) {
      spdlog::error("job {}: its robustness statistics cannot be computed: {}", job->id,
                    c.robustness->status().ToString());
    }
    maybe_finish(*job);
  }
}

namespace {
// finalize() waits this long for the writer, and only when it has few ops queued.
constexpr std::chrono::milliseconds kFinalFlushWait{100};
constexpr size_t kFinalFlushShortQueue = 1000;
}  // namespace

// A short wait covers the usual few queued rows (a cancel while queued is answered cancelled);
// a long queue is not waited for: that stalled the loop (0.5 s with 200k rows queued:
// cluster_bench constraint, status max). Past it, housekeeping calls again every few ms until the
// writer has caught up (or the database takes writes again).
bool Broker::writes_flushed() {
  if (writer_->pending() > 0 && !writer_->last_error().ok()) return false;
  const bool short_queue = writer_->pending() <= kFinalFlushShortQueue;
  return writer_->flush(short_queue ? kFinalFlushWait : std::chrono::milliseconds(0)).ok();
}

bool Broker::finalize(LiveJob& job, JobState state, const std::string& error) {
  if (!JobTable::transition(job, state).ok()) return false;  // a bug, logged
  // Every trial record must be in before the result is computed and the memory entry dropped.
  if (!writes_flushed()) return false;
  if (state == JobState::kCompleted && job.stop_at) {
    if (Status s = settle_stop(job); !s.ok()) {
      spdlog::error("job {}: cannot drop the trials after its stop: {}", job.id, s.ToString());
      return false;
    }
  }
  nlohmann::json result;
  if (state == JobState::kCompleted || state == JobState::kCancelled) {
    if (job.is_backtest()) {
      if (const auto* b = job.top.best())
        result = backtest_result(b->payload.record, b->payload.equity, b->payload.trades,
                                 job.equity_time);
    } else {
      result = optimization_result(job);
    }
  }
  JobUpdate u;
  u.status = state;
  u.completed = job.completed;
  u.failed = job.failed;
  u.started_at_ms = job.started_at_ms;
  u.finished_at_ms = now_ms();
  u.next_trial = job.next_trial_position();
  if (const auto* best = job.top.best()) u.best_trial = best->trial;
  if (!error.empty()) u.error_message = error;
  if (!result.is_null()) u.result_json = result.dump();
  Status s = store_->update_job_state(job.id, u);
  if (!s.ok() && s.code() != Code::kConflict) {
    spdlog::error("final write of job {} failed: {}", job.id, s.ToString());
    return false;
  }
  // The last progress event says the terminal state too, and comes first: nothing published for
  // a job after its terminal `state` event may contradict it (PROTOCOL.md §8).
  publish_progress(job, state);
  publish(job_topic(job.id), protocol::StateEvent{job.id, state, error});
  jobs_.erase(job.id);  // `job` is gone from here on
  return true;
}

}  // namespace sweep::broker
