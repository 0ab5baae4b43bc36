// Store: the backtest_runs table (one row per backtest and per optimization trial).
#include <algorithm>

#include "store_impl.hpp"

namespace sweep {
namespace {

using store_codec::metric_column_list;
using store_codec::metric_columns;

// SELECT list; columns 0..7 fixed, then the metrics, then equity and trades_json.
constexpr int kFirstMetricCol = 10;

std::string select_columns(bool with_equity) {
  return "id, trial_index, attempt, params, status, worker, started_at, finished_at, "
         "error_message, error_stack_trace, " +
         metric_column_list() + (with_equity ? ", equity, trades_json" : ", NULL, NULL");
}

constexpr int kInsertColumns = 13 + kMetricCount;
// Rows per multi-row INSERT: one statement execution (its setup and teardown, a fair part of a
// single-row insert's cost) carries this many rows.
constexpr size_t kRowsPerInsert = 32;

// INSERT of `rows` rows, parameters numbered row by row.
std::string make_insert_sql(size_t rows) {
  std::string s =
      "INSERT INTO backtest_runs (job_id, trial_index, attempt, params, status, worker, "
      "started_at, finished_at, error_message, error_stack_trace, equity, trades_json, "
      "return_stats, " +
      metric_column_list() + ") VALUES ";
  int p = 1;
  for (size_t r = 0; r < rows; ++r) {
    s += r > 0 ? ", (" : "(";
    for (int i = 0; i < kInsertColumns; ++i, ++p) s += (i > 0 ? ", ?" : "?") + std::to_string(p);
    s += ")";
  }
  return s + " ON CONFLICT (job_id, trial_index) DO NOTHING";
}

const std::string& insert_sql(size_t rows) {
  static const std::string one = make_insert_sql(1);
  static const std::string many = make_insert_sql(kRowsPerInsert);
  return rows == 1 ? one : many;
}

// Binds row `r` to parameters base + 1 .. base + kInsertColumns.
void bind_row(sqlite::Stmt& q, int base, const std::string& job_id, const TrialRow& r) {
  q.bind_text(base + 1, job_id);
  q.bind_int(base + 2, static_cast<int64_t>(r.trial_index));
  q.bind_int(base + 3, r.attempt);
  q.bind_text(base + 4, store_codec::params_to_text(r.params));
  q.bind_text(base + 5, trial_state_name(r.status));
  q.bind_text_or_null(base + 6, r.worker);
  if (r.started_at_ms) {
    q.bind_int(base + 7, *r.started_at_ms);
  } else {
    q.bind_null(base + 7);
  }
  if (r.finished_at_ms) {
    q.bind_int(base + 8, *r.finished_at_ms);
  } else {
    q.bind_null(base + 8);
  }
  q.bind_text_or_null(base + 9, r.error_message);
  q.bind_text_or_null(base + 10, r.error_stack_trace);
  q.bind_blob(base + 11, store_codec::equity_to_blob(r.equity));
  q.bind_text_or_null(base + 12, r.trades_json);
  if (r.return_stats) {
    q.bind_blob(base + 13, store_codec::return_stats_to_blob(r.return_stats));
  } else {
    q.bind_null(base + 13);
  }
  for (int i = 0; i < kMetricCount; ++i) q.bind_double(base + 14 + i, r.metrics.values[i]);
}

Result<TrialRow> read_trial(const sqlite::Stmt& s) {
  TrialRow r;
  r.run_id = s.column_int(0);
  r.trial_index = static_cast<uint64_t>(s.column_int(1));
  r.attempt = static_cast<int>(s.column_int(2));
  auto params = store_codec::params_from_text(s.column_text(3));
  if (!params.ok()) return params.status();
  r.params = std::move(*params);
  const auto status = ended_trial_state_from_name(s.column_text(4));
  if (!status) return Status::Internal("trial has an unknown stored status");
  r.status = *status;
  r.worker = s.column_text(5);
  if (!s.is_null(6)) r.started_at_ms = s.column_int(6);
  if (!s.is_null(7)) r.finished_at_ms = s.column_int(7);
  r.error_message = s.column_text(8);
  r.error_stack_trace = s.column_text(9);
  for (int i = 0; i < kMetricCount; ++i) r.metrics.values[i] = s.column_double(kFirstMetricCol + i);
  r.equity = store_codec::equity_from_blob(s.column_blob(kFirstMetricCol + kMetricCount));
  r.trades_json = s.column_text(kFirstMetricCol + kMetricCount + 1);
  return r;
}

Result<std::vector<TrialRow>> read_trials(sqlite::Stmt& s, std::string_view what) {
  std::vector<TrialRow> out;
  for (;;) {
    auto row = s.step(what);
    if (!row.ok()) return row.status();
    if (!*row) break;
    auto t = read_trial(s);
    if (!t.ok()) return t.status();
    out.push_back(std::move(*t));
  }
  return out;
}

// The column for a sort name, from the fixed list only: caller text never reaches the SQL.
Result<std::string> sort_column(const std::string& name) {
  if (name == "trial_index") return std::string("trial_index");
  const auto& cols = metric_columns();
  const auto it = std::find(cols.begin(), cols.end(), name);
  if (it == cols.end()) {
    return Status::BadRequest("sort: unknown column '" + name +
                              "' (expected trial_index or a metric: " + metric_column_list() + ")");
  }
  return *it;
}

}  // namespace

Result<size_t> Store::Impl::insert_trials(const std::string& job_id, std::span<const TrialRow> rows,
                                          size_t* duplicates) {
  size_t i = 0;
  return insert_trials(
      job_id, [&]() -> const TrialRow* { return i < rows.size() ? &rows[i++] : nullptr; },
      duplicates);
}

Result<size_t> Store::Impl::insert_trials(const std::string& job_id,
                                          const std::function<const TrialRow*()>& next,
                                          size_t* duplicates) {
  size_t added = 0;
  std::vector<const TrialRow*> chunk;
  chunk.reserve(kRowsPerInsert);
  // Full chunks go through the multi-row statement, the rest one row at a time.
  auto write = [&](size_t rows) -> Status {
    auto s = stmt(insert_sql(rows));
    if (!s.ok()) return s.status();
    sqlite::Stmt& q = **s;  // reset by stmt()
    for (size_t r = 0; r < rows; ++r) bind_row(q, int(r) * kInsertColumns, job_id, *chunk[r]);
    if (Status st = q.run("record trials"); !st.ok()) return st;
    const auto n = static_cast<size_t>(db.changes());
    added += n;
    if (duplicates != nullptr) *duplicates += rows - n;
    chunk.erase(chunk.begin(), chunk.begin() + static_cast<ptrdiff_t>(rows));
    return Status::Ok();
  };
  while (const TrialRow* row = next()) {
    chunk.push_back(row);
    if (chunk.size() == kRowsPerInsert) {
      if (Status st = write(kRowsPerInsert); !st.ok()) return st;
    }
  }
  while (!chunk.empty()) {
    if (Status st = write(1); !st.ok()) return st;
  }
  return added;
}

Result<size_t> Store::record_trials(const std::string& job_id, std::span<const TrialRow> rows) {
  std::lock_guard lock(impl_->mu);
  sqlite::Transaction txn(impl_->db);
  if (Status s = txn.begin(); !s.ok()) return s;
  auto exists = impl_->job_exists(job_id);
  if (!exists.ok()) return exists.status();
  if (!*exists) return Status::NotFound("job '" + job_id + "' not found");
  auto added = impl_->insert_trials(job_id, rows, nullptr);
  if (!added.ok()) return added.status();
  if (Status s = txn.commit(); !s.ok()) return s;
  return *added;
}

Result<bool> Store::trial_recorded(const std::string& job_id, uint64_t trial_index) {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt("SELECT 1 FROM backtest_runs WHERE job_id = ?1 AND trial_index = ?2");
  if (!s.ok()) return s.status();
  (*s)->bind_text(1, job_id);
  (*s)->bind_int(2, static_cast<int64_t>(trial_index));
  return (*s)->step("look up trial");
}

Result<uint64_t> Store::count_trials(const std::string& job_id) {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt("SELECT COUNT(*) FROM backtest_runs WHERE job_id = ?1");
  if (!s.ok()) return s.status();
  (*s)->bind_text(1, job_id);
  auto row = (*s)->step("count trials");
  if (!row.ok()) return row.status();
  return static_cast<uint64_t>((*s)->column_int(0));
}

Result<uint64_t> Store::delete_trials_after(const std::string& job_id, uint64_t last) {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt("DELETE FROM backtest_runs WHERE job_id = ?1 AND trial_index > ?2");
  if (!s.ok()) return s.status();
  (*s)->bind_text(1, job_id);
  (*s)->bind_int(2, static_cast<int64_t>(last));
  auto row = (*s)->step("delete trials after the stop");
  if (!row.ok()) return row.status();
  return static_cast<uint64_t>(impl_->db.changes());
}

Status Store::for_each_return_stats(const std::string& job_id,
                                    const std::function<bool(uint64_t, ReturnStats&&)>& fn) {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(
      "SELECT trial_index, return_stats FROM backtest_runs WHERE job_id = ?1 AND status = "
      "'completed' AND return_stats IS NOT NULL ORDER BY trial_index");
  if (!s.ok()) return s.status();
  (*s)->bind_text(1, job_id);
  for (;;) {
    auto row = (*s)->step("read return statistics");
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    auto stats = store_codec::return_stats_from_blob((*s)->column_blob(1));
    if (!stats.ok()) return stats.status();
    if (!fn(static_cast<uint64_t>((*s)->column_int(0)), std::move(**stats)))
      return Status::Cancelled("reading return statistics: stopped");
  }
}

Result<std::vector<uint64_t>> Store::recorded_trial_indexes(const std::string& job_id) {
  std::lock_guard lock(impl_->mu);
  auto s =
      impl_->stmt("SELECT trial_index FROM backtest_runs WHERE job_id = ?1 ORDER BY trial_index");
  if (!s.ok()) return s.status();
  (*s)->bind_text(1, job_id);
  std::vector<uint64_t> out;
  for (;;) {
    auto row = (*s)->step("list recorded trials");
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(static_cast<uint64_t>((*s)->column_int(0)));
  }
  return out;
}

Result<std::vector<TrialRow>> Store::list_trials(const std::string& job_id,
                                                 const TrialQuery& query) {
  auto col = sort_column(query.sort);
  if (!col.ok()) return col.status();
  const std::string dir = query.ascending ? "ASC" : "DESC";
  // NULL (undefined) values last in both orders, then the lower trial index.
  const std::string sql = "SELECT " + select_columns(query.with_equity) +
                          " FROM backtest_runs WHERE job_id = ?1 AND (?2 IS NULL OR status = ?2)"
                          " AND trial_index >= ?5 AND (?6 IS NULL OR trial_index < ?6)"
                          " ORDER BY " +
                          *col + " " + dir + " NULLS LAST, trial_index ASC" + " LIMIT ?3 OFFSET ?4";
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(sql);
  if (!s.ok()) return s.status();
  sqlite::Stmt& q = **s;
  q.bind_text(1, job_id);
  if (query.status) q.bind_text(2, trial_state_name(*query.status));
  q.bind_int(3, static_cast<int64_t>(std::min<size_t>(query.limit, INT64_MAX)));
  q.bind_int(4, static_cast<int64_t>(std::min<size_t>(query.offset, INT64_MAX)));
  q.bind_int(5, static_cast<int64_t>(std::min<uint64_t>(query.index_begin, INT64_MAX)));
  if (query.index_end)
    q.bind_int(6, static_cast<int64_t>(std::min<uint64_t>(*query.index_end, INT64_MAX)));
  return read_trials(q, "list trials");
}

Result<TrialRow> Store::get_trial(const std::string& job_id, uint64_t trial_index) {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt("SELECT " + select_columns(true) +
                       " FROM backtest_runs WHERE job_id = ?1 AND trial_index = ?2");
  if (!s.ok()) return s.status();
  (*s)->bind_text(1, job_id);
  (*s)->bind_int(2, static_cast<int64_t>(trial_index));
  auto rows = read_trials(**s, "get trial");
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return Status::NotFound("trial " + std::to_string(trial_index) + " of job '" + job_id +
                            "' is not recorded");
  }
  return std::move(rows->front());
}

Result<BatchOutcome> Store::write_batch(std::span<const StoreOp> ops) {
  std::lock_guard lock(impl_->mu);
  sqlite::Transaction txn(impl_->db);
  if (Status s = txn.begin(); !s.ok()) return s;
  BatchOutcome out;
  // Runs of consecutive trial records of one job: the job is looked up once and the rows go
  // through one prepared statement.
  for (size_t i = 0; i < ops.size();) {
    if (const auto* rec = std::get_if<RecordTrial>(&ops[i])) {
      size_t end = i + 1;
      while (end < ops.size()) {
        const auto* r = std::get_if<RecordTrial>(&ops[end]);
        if (!r || r->job_id != rec->job_id) break;
        ++end;
      }
      auto exists = impl_->job_exists(rec->job_id);
      if (!exists.ok()) return exists.status();
      if (!*exists) {
        for (size_t k = i; k < end; ++k) {
          const auto& row = std::get<RecordTrial>(ops[k]).row;
          out.rejected.push_back(Status::NotFound("trial " + std::to_string(row.trial_index) +
                                                  " of unknown job '" + rec->job_id + "'"));
        }
      } else {
        size_t k = i;
        auto added = impl_->insert_trials(
            rec->job_id,
            [&]() -> const TrialRow* {
              return k < end ? &std::get<RecordTrial>(ops[k++]).row : nullptr;
            },
            &out.duplicate_trials);
        if (!added.ok()) return added.status();
        out.new_trials += *added;
      }
      i = end;
      continue;
    }
    const auto& up = std::get<UpdateJob>(ops[i]);
    Status st = impl_->update_job(up.job_id, up.update);
    if (st.code() == Code::kNotFound || st.code() == Code::kConflict) {
      out.rejected.push_back(std::move(st));
    } else if (!st.ok()) {
      return st;
    }
    ++i;
  }
  if (Status s = txn.commit(); !s.ok()) return s;
  return out;
}

}  // namespace sweep
