// Client requests (docs/PROTOCOL.md §4). Every request gets exactly one reply; bad input gets an
// error reply with the decoder's code, and the broker carries on.
#include <algorithm>
#include <cstdio>

#include "broker.hpp"
#include "dataset_resolver.hpp"
#include "records.hpp"
#include "spec_limits.hpp"
#include "sweep/base/log.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::broker {

namespace {

using protocol::ErrorReply;
using protocol::FrontendReply;

ErrorReply error(const std::string& req, const Status& s, std::string field = {}) {
  // Messages start with the field path ("spec.dataset.path: ..."): use it as the field.
  if (field.empty()) {
    const auto colon = s.message().find(": ");
    if (colon != std::string::npos && s.message().find(' ') > colon) {
      field = s.message().substr(0, colon);
    }
  }
  return protocol::make_error(req, s, std::move(field));
}

// A submit while the database file is gone (Broker::store_error_): accepting it would store the
// job in a file that vanishes when the broker exits.
Status store_gone(const std::string& why) {
  return Status::Unavailable("store: " + why + "; submits are refused until the broker restarts");
}

Status shutting_down() {
  return Status::Unavailable("the broker is shutting down; submit again once it is back");
}

// Spec errors from common/ name the spec field without the "spec." prefix.
Status in_spec(const Status& s) {
  if (s.message().rfind("spec", 0) == 0) return s;
  return Status(s.code(), "spec." + s.message());
}

}  // namespace

void Broker::reply(const std::string& identity, const FrontendReply& rep) {
  transport_->send_to(Socket::kFrontend, identity, protocol::encode(rep));
}

void Broker::on_frontend() {
  const std::vector<zmq::message_t> frames = transport_->receive(Socket::kFrontend);
  if (frames.empty()) return;
  const std::string identity = frames[0].to_string();
  if (frames.size() != 2) {
    reply(identity, protocol::make_error("", Status::BadRequest("expected exactly one frame")));
    return;
  }
  const std::string_view bytes = frames[1].to_string_view();
  auto req = protocol::decode_frontend_request(bytes);
  if (!req.ok()) {
    reply(identity, error(protocol::recover_req(bytes), req.status()));
    return;
  }
  std::optional<FrontendReply> rep;
  try {
    rep = handle(identity, *req);
  } catch (const std::exception& e) {  // a bug; the broker keeps serving
    rep = protocol::make_error(protocol::recover_req(bytes), Status::Internal(e.what()));
  }
  if (rep) reply(identity, *rep);
}

std::optional<FrontendReply> Broker::handle(const std::string& identity,
                                            const protocol::FrontendRequest& req) {
  return std::visit(
      [&](const auto& r) -> std::optional<FrontendReply> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, protocol::SubmitRequest>) return on_submit(identity, r);
        if constexpr (std::is_same_v<T, protocol::StatusRequest>) return on_status(r);
        if constexpr (std::is_same_v<T, protocol::CancelRequest>) return on_cancel(r);
        if constexpr (std::is_same_v<T, protocol::GetRequest>) return on_get(r);
        if constexpr (std::is_same_v<T, protocol::TrialsRequest>) return on_trials(r);
        if constexpr (std::is_same_v<T, protocol::ListRequest>) return on_list(r);
        if constexpr (std::is_same_v<T, protocol::HealthRequest>) return on_health(r);
        if constexpr (std::is_same_v<T, protocol::StrategiesRequest>) return on_strategies(r);
        if constexpr (std::is_same_v<T, protocol::DatasetsRequest>) return on_datasets(r);
      },
      req);
}

std::optional<FrontendReply> Broker::on_submit(const std::string& identity,
                                               const protocol::SubmitRequest& r) {
  if (draining_) return error(r.req, shutting_down());
  if (!store_error_.empty()) return error(r.req, store_gone(store_error_));
  const Limits& limits = config_.limits;
  if (Status s = check_spec_size(r.spec, limits); !s.ok()) return error(r.req, s);
  auto parsed = parse_job_spec(r.spec, r.kind);
  if (!parsed.ok()) return error(r.req, in_spec(parsed.status()));
  if (Status s = check_spec_strings(*parsed, limits); !s.ok()) return error(r.req, s);
  if (Status s = check_cluster_support(*parsed); !s.ok()) return error(r.req, s);
  const StrategyInfo* strategy = registry_.find(parsed->strategy);
  if (!strategy) {
    return error(
        r.req,
        Status::NotFound("spec.strategy: " + registry_.not_found(parsed->strategy).message()),
        "spec.strategy");
  }
  if (Status s = check_against_schema(*parsed, strategy->params); !s.ok()) {
    return error(r.req, in_spec(s));
  }
  auto spec = conform_to_schema(*parsed, strategy->params);
  if (!spec.ok()) return error(r.req, in_spec(spec.status()));
  const nlohmann::json canonical = to_json(*spec);
  std::string spec_text = canonical.dump();

  if (!r.idempotency_key.empty()) {
    const auto key_conflict = [&] {
      // Named as the codec names the field (`<type>.<field>`, PROTOCOL.md §3).
      const std::string field =
          std::string(protocol::type_name(protocol::FrontendRequest{r})) + ".idempotency_key";
      return error(r.req, Status::Conflict(field + ": already used for another spec"), field);
    };
    auto existing = store_->find_job_by_idempotency_key(r.idempotency_key);
    if (existing.ok()) {
      if (existing->spec_json != spec_text || existing->kind != r.kind) return key_conflict();
      return protocol::AcceptedReply{r.req, existing->id, existing->total, existing->status};
    }
    // A retry that arrives while the first attempt's dataset is still being prepared gets the
    // same answer as the first, when it comes.
    for (auto& [ticket, pending] : pending_submits_) {
      if (pending.idempotency_key != r.idempotency_key) continue;
      if (pending.spec_text != spec_text || pending.spec.kind != r.kind) return key_conflict();
      pending.waiters.emplace_back(identity, r.req);
      return std::nullopt;
    }
  }

  // After the idempotency lookup: a retried submit of an accepted job is answered even when full.
  // Submits still preparing their dataset count: each may become a live job.
  const size_t live = jobs_.size() + pending_submits_.size();
  if (live >= limits.max_jobs) {
    return error(r.req, Status::Unavailable("too many live jobs: " + std::to_string(live) +
                                            ", the limit set by --max-jobs; retry when one ends"));
  }
  // Planning the trials (a constraint is evaluated on every grid point) and reading, hashing and
  // storing the bars take seconds for millions of points or bars: off the loop. The reply waits
  // for them (on_prepared), so a bad constraint or CSV row is still the submit's error.
  std::optional<PlanOrder> plan;
  if (spec->kind == JobKind::kOptimization) plan = PlanOrder{*spec, plan_limits(limits)};
  const uint64_t ticket = next_ticket_++;
  PendingSubmit& pending = pending_submits_[ticket];
  pending.waiters.emplace_back(identity, r.req);
  pending.spec = std::move(spec).value();
  pending.spec_text = std::move(spec_text);
  pending.dataset_json = canonical["dataset"];
  pending.idempotency_key = r.idempotency_key;
  datasets_->prepare(ticket, pending.spec.dataset, std::move(plan));
  return std::nullopt;
}

void Broker::on_prepared(Prepared done) {
  auto it = pending_submits_.find(done.ticket);
  if (it == pending_submits_.end()) return;
  PendingSubmit p = std::move(it->second);
  pending_submits_.erase(it);
  auto answer = [&](const FrontendReply& rep) {
    for (const auto& [identity, req] : p.waiters) {
      FrontendReply r = rep;
      std::visit([&](auto& m) { m.req = req; }, r);
      reply(identity, r);
    }
  };
  if (!done.plan_status.ok()) return answer(error("", in_spec(done.plan_status)));
  if (!done.dataset.ok()) return answer(error("", done.dataset.status()));
  p.plan = std::move(done.plan);
  if (!store_error_.empty()) return answer(error("", store_gone(store_error_)));
  try {
    go_live(p, *done.dataset, answer);
  } catch (const std::exception& e) {  // a bug; the waiters still get their one reply
    answer(error("", Status::Internal(e.what())));
  }
}

void Broker::go_live(PendingSubmit& p, const StoredDataset& dataset,
                     const std::function<void(const FrontendReply&)>& answer) {
  auto job = std::make_unique<LiveJob>(new_job_id(), p.spec, std::move(p.plan), p.spec.objective);
  job->total = job->plan ? job->plan->total() : dataset.bars;
  if (Status s = job->set_windows(dataset.bars, config_.limits.max_trials); !s.ok())
    return answer(error("", s));
  job->dataset_hash = dataset.hash;
  job->dataset_source = p.dataset_json;
  job->created_at_ms = now_ms();
  if (!job->plan) job->retry.push_back({0, 1, p.spec.params});

  JobRow row;
  row.id = job->id;
  row.kind = p.spec.kind;
  row.status = JobState::kQueued;
  row.spec_json = p.spec_text;
  row.total = job->total;
  row.created_at_ms = job->created_at_ms;
  if (job->plan) row.objective = p.spec.objective;
  row.idempotency_key = p.idempotency_key;
  if (Status s = store_->insert_job(row); !s.ok()) {
    return answer(error("", Status::Unavailable("store: " + s.message())));
  }
  answer(protocol::AcceptedReply{"", job->id, job->total, JobState::kQueued});
  jobs_.add(std::move(job));
}

protocol::StatusReply Broker::live_status(const LiveJob& job) const {
  protocol::StatusReply s;
  s.id = job.id;
  s.kind = job.spec.kind;
  s.status = job.visible_state();
  s.total = job.total;
  s.completed = job.is_backtest() && job.completed == 0 ? job.bars_done : job.completed;
  s.failed = job.failed;
  s.progress = job.total ? std::min(1.0, double(s.completed + s.failed) / double(job.total)) : 0;
  s.running = leases_.count_for_job(job.id);
  s.queued = job.queued_count(s.running);
  s.elapsed_s = job.elapsed_s(now());
  s.eta_s = job.eta_s(now());
  if (!job.is_backtest() && job.top.best()) s.best = job.top.best()->payload.record;
  s.waiting_for = waiting_for(job);
  return s;
}

std::string Broker::waiting_for(const LiveJob& job) const {
  if (!job.dispatchable() || !job.has_pending()) return "";
  if (!store_error_.empty()) return "dispatch is paused: " + store_error_;
  return workers_.why_none_runs(job.spec.strategy);
}

namespace {

protocol::StatusReply stored_status(const JobRow& row, Store& store) {
  protocol::StatusReply s;
  s.id = row.id;
  s.kind = row.kind;
  s.status = row.status;
  s.total = row.total;
  s.completed = row.completed;
  s.failed = row.failed;
  s.progress =
      row.total ? std::min(1.0, double(row.completed + row.failed) / double(row.total)) : 0;
  // A job stopped on target is done with trials not run (result.stopped says so).
  if (row.status == JobState::kCompleted) s.progress = 1;
  if (row.started_at_ms && row.finished_at_ms) {
    s.elapsed_s = double(*row.finished_at_ms - *row.started_at_ms) / 1000.0;
  }
  if (row.kind == JobKind::kOptimization && row.best_trial) {
    if (auto t = store.get_trial(row.id, *row.best_trial); t.ok()) s.best = to_record(*t);
  }
  if (!row.result_json.empty()) {
    s.result = nlohmann::json::parse(row.result_json, nullptr, false);
    if (s.result.is_discarded()) s.result = nullptr;
  }
  return s;
}

}  // namespace

FrontendReply Broker::on_status(const protocol::StatusRequest& r) {
  if (const LiveJob* job = find_live(r.id)) {
    auto s = live_status(*job);
    s.req = r.req;
    return s;
  }
  auto row = store_->get_job(r.id);
  if (!row.ok()) return error(r.req, Status::NotFound("no job '" + r.id + "'"), {});
  auto s = stored_status(*row, *store_);
  s.req = r.req;
  return s;
}

FrontendReply Broker::on_cancel(const protocol::CancelRequest& r) {
  LiveJob* job = find_live(r.id);
  if (!job) {
    auto row = store_->get_job(r.id);
    if (!row.ok()) return error(r.req, Status::NotFound("no job '" + r.id + "'"), {});
    return error(r.req,
                 Status::Conflict("job '" + r.id + "' is already " +
                                  std::string(job_state_name(row->status))),
                 {});
  }
  if (is_terminal(job->state())) {
    return error(r.req, Status::Conflict("job '" + r.id + "' is already " +
                                         std::string(job_state_name(job->state()))));
  }
  if (job->state() != JobState::kCancelling) {
    job->drop_pending();
    publish(cancel_topic(job->id), protocol::CancelEvent{job->id});
    set_state(*job, JobState::kCancelling);
  }
  auto s = live_status(*job);
  s.req = r.req;
  if (leases_.count_for_job(job->id) == 0) {
    const std::string id = job->id;
    if (finalize(*job, JobState::kCancelled)) {
      s.status = JobState::kCancelled;
      if (auto row = store_->get_job(id); row.ok()) {
        s = stored_status(*row, *store_);
        s.req = r.req;
      }
    }
  }
  return s;
}

FrontendReply Broker::on_get(const protocol::GetRequest& r) {
  (void)writer_->flush(std::chrono::seconds(2));
  auto row = store_->get_job(r.id);
  if (!row.ok()) return error(r.req, Status::NotFound("no job '" + r.id + "'"), {});
  auto stored = stored_status(*row, *store_);
  protocol::JobReply rep;
  rep.req = r.req;
  auto& j = rep.job;
  j.id = row->id;
  j.kind = row->kind;
  j.status = row->status;
  j.spec = nlohmann::json::parse(row->spec_json, nullptr, false);
  if (j.spec.is_discarded()) j.spec = nlohmann::json::object();
  j.total = row->total;
  j.completed = row->completed;
  j.failed = row->failed;
  j.created_at = row->created_at_ms;
  j.started_at = row->started_at_ms;
  j.finished_at = row->finished_at_ms;
  j.error_message = row->error_message;
  j.best = stored.best;
  j.result = stored.result;
  if (const LiveJob* live = find_live(r.id)) {
    auto s = live_status(*live);
    j.status = s.status;
    j.completed = s.completed;
    j.failed = s.failed;
    j.best = s.best;
  }
  return rep;
}

FrontendReply Broker::on_trials(const protocol::TrialsRequest& r) {
  if (!find_live(r.id)) {
    if (auto row = store_->get_job(r.id); !row.ok()) {
      return error(r.req, Status::NotFound("no job '" + r.id + "'"), {});
    }
  }
  (void)writer_->flush(std::chrono::seconds(2));
  TrialQuery q;
  if (r.sort == "index") {
    q.sort = "trial_index";
  } else if (metric_from_name(r.sort)) {
    q.sort = r.sort;
  } else {
    return error(r.req, Status::BadRequest("trials.sort: unknown sort '" + r.sort + "'"),
                 "trials.sort");
  }
  q.ascending = r.order == protocol::SortOrder::kAsc;
  q.limit = static_cast<size_t>(std::clamp<uint64_t>(r.limit, 1, kMaxPageLimit));
  q.offset = static_cast<size_t>(r.offset);
  auto rows = store_->list_trials(r.id, q);
  if (!rows.ok()) return error(r.req, rows.status());
  auto count = store_->count_trials(r.id);
  protocol::TrialsPage page;
  page.req = r.req;
  page.id = r.id;
  page.total = count.ok() ? *count : 0;
  page.offset = r.offset;
  for (const auto& row : *rows) page.trials.push_back(to_record(row));
  return page;
}

FrontendReply Broker::on_list(const protocol::ListRequest& r) {
  JobFilter f;
  f.kind = r.kind;
  f.status = r.status;
  f.limit = 100'000'000;
  auto rows = store_->list_jobs(f);
  if (!rows.ok()) return error(r.req, rows.status());
  protocol::JobsPage page;
  page.req = r.req;
  page.total = rows->size();
  page.offset = r.offset;
  const size_t limit = static_cast<size_t>(std::clamp<uint64_t>(r.limit, 1, kMaxPageLimit));
  for (size_t i = static_cast<size_t>(r.offset); i < rows->size() && page.jobs.size() < limit;
       ++i) {
    auto summary = to_summary((*rows)[i]);
    if (const LiveJob* live = find_live(summary.id)) {
      auto s = live_status(*live);
      summary.status = s.status;
      summary.completed = s.completed;
      summary.failed = s.failed;
    }
    page.jobs.push_back(std::move(summary));
  }
  return page;
}

void Broker::begin_drain() {
  draining_ = true;
  spdlog::info("draining: submits are refused, nothing more is dispatched");
  // Submits waiting for their dataset never go live now: answer them.
  for (auto& [ticket, p] : pending_submits_) {
    for (const auto& [identity, req] : p.waiters) reply(identity, error(req, shutting_down()));
  }
  pending_submits_.clear();
}

FrontendReply Broker::on_health(const protocol::HealthRequest& r) {
  protocol::HealthReply h;
  h.req = r.req;
  h.version = SWEEP_VERSION;
  h.endpoints = transport_->bound();
  for (const auto& [id, s] : workers_.all()) {
    h.workers.push_back({s.hello.worker, s.hello.pid, s.hello.host, s.hello.slots,
                         static_cast<uint32_t>(leases_.count_for_worker(id)), s.leaving});
  }
  const auto now = this->now();
  for (const auto& [id, job] : jobs_.all()) {
    const size_t running = leases_.count_for_job(id);
    protocol::LiveJobInfo info;
    info.id = id;
    info.running = running;
    info.queued = job->queued_count(running);
    // In trials: a backtest's `completed` counts bars.
    info.completed = job->is_backtest() ? (job->completed > 0 ? 1 : 0) : job->completed;
    info.failed = job->is_backtest() ? (job->failed > 0 ? 1 : 0) : job->failed;
    info.trials_per_s = job->rate.per_second(now);
    h.queue += info.queued;
    h.live_jobs.push_back(std::move(info));
    if (std::string why = waiting_for(*job); !why.empty()) h.waiting.push_back({id, why});
  }
  h.running = leases_.size();
  h.trials_per_s = rate_.per_second(now);
  h.jobs = jobs_.size();
  h.store_error = store_error_;
  return h;
}

}  // namespace sweep::broker
