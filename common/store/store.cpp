// Store: opening, the statement cache, and the jobs table.
#include <utility>

#include "store_impl.hpp"
#include "store_schema.hpp"

namespace sweep {
namespace {

constexpr const char* kJobColumns =
    "id, kind, status, spec, total, completed, failed, created_at, started_at, finished_at, "
    "error_message, objective_metric, objective_goal, best_trial, best_run_id, result, "
    "idempotency_key, next_trial";

std::optional<int64_t> opt_int(const sqlite::Stmt& s, int col) {
  if (s.is_null(col)) return std::nullopt;
  return s.column_int(col);
}

void bind_opt_int(sqlite::Stmt& s, int i, std::optional<int64_t> v) {
  if (v) {
    s.bind_int(i, *v);
  } else {
    s.bind_null(i);
  }
}

Result<JobRow> read_job(const sqlite::Stmt& s) {
  JobRow j;
  j.id = s.column_text(0);
  const std::string kind = s.column_text(1);
  j.kind =
      kind == job_kind_name(JobKind::kOptimization) ? JobKind::kOptimization : JobKind::kBacktest;
  const auto state = job_state_from_name(s.column_text(2));
  if (!state) return Status::Internal("job '" + j.id + "' has an unknown stored status");
  j.status = *state;
  j.spec_json = s.column_text(3);
  j.total = static_cast<uint64_t>(s.column_int(4));
  j.completed = static_cast<uint64_t>(s.column_int(5));
  j.failed = static_cast<uint64_t>(s.column_int(6));
  j.created_at_ms = s.column_int(7);
  j.started_at_ms = opt_int(s, 8);
  j.finished_at_ms = opt_int(s, 9);
  j.error_message = s.column_text(10);
  if (!s.is_null(11)) {
    const auto metric = metric_from_name(s.column_text(11));
    if (!metric) return Status::Internal("job '" + j.id + "' has an unknown objective metric");
    j.objective = Objective{*metric, s.column_text(12) != "minimize"};
  }
  if (auto b = opt_int(s, 13)) j.best_trial = static_cast<uint64_t>(*b);
  j.best_run_id = opt_int(s, 14);
  j.result_json = s.column_text(15);
  j.idempotency_key = s.column_text(16);
  j.next_trial = static_cast<uint64_t>(s.column_int(17));
  return j;
}

// Runs a SELECT of jobs and reads every row.
Result<std::vector<JobRow>> read_jobs(sqlite::Stmt& s, std::string_view what) {
  std::vector<JobRow> out;
  for (;;) {
    auto row = s.step(what);
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto j = read_job(s);
    if (!j.ok()) return j.status();
    out.push_back(std::move(*j));
  }
  return out;
}

Status set_pragmas(sqlite::Db& db, const StoreOptions& options) {
  // busy_timeout first: the WAL switch itself may need to wait for another connection.
  if (sqlite3_busy_timeout(db.handle(), options.busy_timeout_ms) != SQLITE_OK) {
    return Status::Io("sqlite: cannot set busy_timeout");
  }
  auto wal = db.prepare("PRAGMA journal_mode = WAL");
  if (!wal.ok()) return wal.status();
  auto row = wal->step("set WAL journal mode");
  if (!row.ok()) return row.status();
  if (!*row || wal->column_text(0) != "wal") {
    return Status::Io("sqlite: the database refused WAL journal mode");
  }
  // Foreign keys are not enforced by SQLite: every write checks that its job exists, once per
  // batch of one job's trials (write_batch, record_trials); a per-row check opens and closes a
  // cursor on `jobs` for each trial row, a fifth of the cost of recording it.
  const std::string sync = options.durable_commits ? "FULL" : "NORMAL";
  if (Status s =
          db.exec("PRAGMA synchronous = " + sync + "; PRAGMA foreign_keys = OFF;", "set pragmas");
      !s.ok()) {
    return s;
  }
  if (options.max_page_count > 0) {
    // A PRAGMA takes no bound parameters; the value is a number we format.
    auto cap = db.prepare("PRAGMA max_page_count = " + std::to_string(options.max_page_count));
    if (!cap.ok()) return cap.status();
    if (auto r = cap->step("set max_page_count"); !r.ok()) return r.status();
  }
  return Status::Ok();
}

}  // namespace

int store_schema_version() {
  return store_schema::latest_version();
}

Result<StmtLease> Store::Impl::stmt(const std::string& sql) {
  auto it = stmts.find(sql);
  if (it == stmts.end()) {
    auto s = db.prepare(sql);
    if (!s.ok()) return s.status();
    it = stmts.emplace(sql, std::move(*s)).first;
  }
  it->second.reset();
  return StmtLease(&it->second);
}

Result<bool> Store::Impl::job_exists(const std::string& id) {
  auto s = stmt("SELECT 1 FROM jobs WHERE id = ?1");
  if (!s.ok()) return s.status();
  (*s)->bind_text(1, id);
  return (*s)->step("look up job");
}

Status Store::Impl::update_job(const std::string& id, const JobUpdate& u) {
  auto s = stmt(
      "UPDATE jobs SET status = ?2, completed = ?3, failed = ?4, "
      "started_at = COALESCE(?5, started_at), finished_at = COALESCE(?6, finished_at), "
      "error_message = COALESCE(?7, error_message), best_trial = COALESCE(?8, best_trial), "
      "best_run_id = COALESCE((SELECT id FROM backtest_runs WHERE job_id = ?1 AND "
      "trial_index = ?8), best_run_id), next_trial = COALESCE(?9, next_trial), "
      "result = COALESCE(?10, result) "
      "WHERE id = ?1 AND status NOT IN ('completed', 'failed', 'cancelled')");
  if (!s.ok()) return s.status();
  sqlite::Stmt& q = **s;
  q.bind_text(1, id);
  q.bind_text(2, job_state_name(u.status));
  q.bind_int(3, static_cast<int64_t>(u.completed));
  q.bind_int(4, static_cast<int64_t>(u.failed));
  bind_opt_int(q, 5, u.started_at_ms);
  bind_opt_int(q, 6, u.finished_at_ms);
  if (u.error_message) q.bind_text(7, *u.error_message);
  if (u.best_trial) q.bind_int(8, static_cast<int64_t>(*u.best_trial));
  if (u.next_trial) q.bind_int(9, static_cast<int64_t>(*u.next_trial));
  if (u.result_json) q.bind_text(10, *u.result_json);
  if (Status st = q.run("update job"); !st.ok()) return st;
  if (db.changes() == 1) return Status::Ok();
  auto exists = job_exists(id);
  if (!exists.ok()) return exists.status();
  if (!*exists) return Status::NotFound("job '" + id + "' not found");
  return Status::Conflict("job '" + id + "' is already terminal; its state cannot change");
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;

Result<Store> Store::open(const std::string& path, StoreOptions options) {
  auto db = sqlite::Db::open(path);
  if (!db.ok()) return db.status();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*db);
  auto with_path = [&](const Status& s) {
    return Status(s.code(), s.message() + " (database '" + path + "')");
  };
  if (Status s = set_pragmas(impl->db, options); !s.ok()) return with_path(s);
  if (Status s = store_schema::migrate(impl->db); !s.ok()) return with_path(s);
  return Store(std::move(impl));
}

Result<int> Store::user_version() {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt("PRAGMA user_version");
  if (!s.ok()) return s.status();
  auto row = (*s)->step("read user_version");
  if (!row.ok()) return row.status();
  return static_cast<int>((*s)->column_int(0));
}

Result<bool> Store::durable_commits() {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt("PRAGMA synchronous");
  if (!s.ok()) return s.status();
  auto row = (*s)->step("read synchronous");
  if (!row.ok()) return row.status();
  return (*s)->column_int(0) >= 2;  // 2 FULL, 3 EXTRA
}

Status Store::insert_job(const JobRow& j) {
  std::lock_guard lock(impl_->mu);
  sqlite::Transaction txn(impl_->db);
  if (Status s = txn.begin(); !s.ok()) return s;
  if (!j.idempotency_key.empty()) {
    auto s = impl_->stmt("SELECT id FROM jobs WHERE idempotency_key = ?1");
    if (!s.ok()) return s.status();
    (*s)->bind_text(1, j.idempotency_key);
    auto row = (*s)->step("look up idempotency key");
    if (!row.ok()) return row.status();
    if (*row) {
      return Status::Conflict("idempotency key '" + j.idempotency_key +
                              "' was already used by job '" + (*s)->column_text(0) + "'");
    }
  }
  auto exists = impl_->job_exists(j.id);
  if (!exists.ok()) return exists.status();
  if (*exists) return Status::Conflict("job id '" + j.id + "' already exists");

  auto s = impl_->stmt(std::string("INSERT INTO jobs (") + kJobColumns +
                       ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                       "?15, ?16, ?17, ?18)");
  if (!s.ok()) return s.status();
  sqlite::Stmt& q = **s;
  q.bind_text(1, j.id);
  q.bind_text(2, job_kind_name(j.kind));
  q.bind_text(3, job_state_name(j.status));
  q.bind_text(4, j.spec_json);
  q.bind_int(5, static_cast<int64_t>(j.total));
  q.bind_int(6, static_cast<int64_t>(j.completed));
  q.bind_int(7, static_cast<int64_t>(j.failed));
  q.bind_int(8, j.created_at_ms);
  bind_opt_int(q, 9, j.started_at_ms);
  bind_opt_int(q, 10, j.finished_at_ms);
  q.bind_text_or_null(11, j.error_message);
  if (j.objective) {
    q.bind_text(12, metric_name(j.objective->metric));
    q.bind_text(13, goal_name(j.objective->maximize));
  }
  if (j.best_trial) q.bind_int(14, static_cast<int64_t>(*j.best_trial));
  bind_opt_int(q, 15, j.best_run_id);
  q.bind_text_or_null(16, j.result_json);
  q.bind_text_or_null(17, j.idempotency_key);
  q.bind_int(18, static_cast<int64_t>(j.next_trial));
  if (Status st = q.run("insert job"); !st.ok()) return st;
  return txn.commit();
}

Result<JobRow> Store::find_job_by_idempotency_key(const std::string& key) {
  std::lock_guard lock(impl_->mu);
  auto s =
      impl_->stmt(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE idempotency_key = ?1");
  if (!s.ok()) return s.status();
  (*s)->bind_text(1, key);
  auto jobs = read_jobs(**s, "find job by idempotency key");
  if (!jobs.ok()) return jobs.status();
  if (jobs->empty()) return Status::NotFound("no job has idempotency key '" + key + "'");
  return std::move(jobs->front());
}

Status Store::update_job_state(const std::string& id, const JobUpdate& update) {
  std::lock_guard lock(impl_->mu);
  return impl_->update_job(id, update);
}

Result<JobRow> Store::get_job(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?1");
  if (!s.ok()) return s.status();
  (*s)->bind_text(1, id);
  auto jobs = read_jobs(**s, "get job");
  if (!jobs.ok()) return jobs.status();
  if (jobs->empty()) return Status::NotFound("job '" + id + "' not found");
  return std::move(jobs->front());
}

Result<std::vector<JobRow>> Store::list_jobs(const JobFilter& f) {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(std::string("SELECT ") + kJobColumns +
                       " FROM jobs WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR status = "
                       "?2) ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4");
  if (!s.ok()) return s.status();
  sqlite::Stmt& q = **s;
  if (f.kind) q.bind_text(1, job_kind_name(*f.kind));
  if (f.status) q.bind_text(2, job_state_name(*f.status));
  q.bind_int(3, static_cast<int64_t>(std::min<size_t>(f.limit, INT64_MAX)));
  q.bind_int(4, static_cast<int64_t>(std::min<size_t>(f.offset, INT64_MAX)));
  return read_jobs(q, "list jobs");
}

Result<std::vector<JobRow>> Store::unfinished_jobs() {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(std::string("SELECT ") + kJobColumns +
                       " FROM jobs WHERE status IN ('queued', 'running', 'cancelling') "
                       "ORDER BY created_at, id");
  if (!s.ok()) return s.status();
  return read_jobs(**s, "list unfinished jobs");
}

}  // namespace sweep
