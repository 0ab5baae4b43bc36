// Migration steps, append only: a step, once released, is never edited (files in the field have
// run it). Step N takes a database from user_version N-1 to N. A new metric gets a new step that
// adds its column to backtest_runs.
#include "store_schema.hpp"

#include <array>
#include <string>
#include <string_view>

namespace sweep::store_schema {
namespace {

// Version 1: everything. Metric columns carry the names of metric_name() (DESIGN §9); a unit test
// checks that every metric has its column.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE jobs (
  id               TEXT PRIMARY KEY NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('backtest', 'optimization')),
  status           TEXT NOT NULL CHECK (status IN
                     ('queued', 'running', 'cancelling', 'completed', 'failed', 'cancelled')),
  spec             TEXT NOT NULL,
  total            INTEGER NOT NULL DEFAULT 0,
  completed        INTEGER NOT NULL DEFAULT 0,
  failed           INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  started_at       INTEGER,
  finished_at      INTEGER,
  error_message    TEXT,
  objective_metric TEXT,
  objective_goal   TEXT CHECK (objective_goal IN ('maximize', 'minimize')),
  best_trial       INTEGER,
  best_run_id      INTEGER,
  result           TEXT,
  idempotency_key  TEXT UNIQUE,
  next_trial       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_created ON jobs (created_at);
CREATE INDEX jobs_by_status ON jobs (status, created_at);
CREATE INDEX jobs_by_kind ON jobs (kind, created_at);

CREATE TABLE backtest_runs (
  id                  INTEGER PRIMARY KEY,
  job_id              TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  trial_index         INTEGER NOT NULL,
  attempt             INTEGER NOT NULL DEFAULT 1,
  params              TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN
                        ('queued', 'running', 'completed', 'failed', 'cancelled')),
  trades              REAL,
  final_equity        REAL,
  peak_equity         REAL,
  return_pct          REAL,
  buy_hold_return_pct REAL,
  exposure_pct        REAL,
  max_drawdown_pct    REAL,
  avg_drawdown_pct    REAL,
  max_drawdown_days   REAL,
  avg_drawdown_days   REAL,
  win_rate_pct        REAL,
  best_trade_pct      REAL,
  worst_trade_pct     REAL,
  avg_trade_pct       REAL,
  max_trade_days      REAL,
  avg_trade_days      REAL,
  profit_factor       REAL,
  expectancy_pct      REAL,
  sqn                 REAL,
  return_ann_pct      REAL,
  volatility_ann_pct  REAL,
  sharpe              REAL,
  sortino             REAL,
  calmar              REAL,
  equity              BLOB,
  trades_json         TEXT,
  error_message       TEXT,
  error_stack_trace   TEXT,
  worker              TEXT,
  started_at          INTEGER,
  finished_at         INTEGER,
  UNIQUE (job_id, trial_index)
);
CREATE INDEX runs_by_status ON backtest_runs (job_id, status, trial_index);
-- The usual objectives; other sorts scan the job's rows through the UNIQUE index.
CREATE INDEX runs_by_sharpe ON backtest_runs (job_id, sharpe);
CREATE INDEX runs_by_return ON backtest_runs (job_id, return_pct);
CREATE INDEX runs_by_final_equity ON backtest_runs (job_id, final_equity);
CREATE INDEX runs_by_sortino ON backtest_runs (job_id, sortino);
CREATE INDEX runs_by_max_drawdown ON backtest_runs (job_id, max_drawdown_pct);

CREATE TABLE datasets (
  id            TEXT PRIMARY KEY NOT NULL,
  name          TEXT NOT NULL,
  bars          INTEGER NOT NULL,
  first_ts      INTEGER,
  last_ts       INTEGER,
  price_digits  INTEGER NOT NULL,
  volume_digits INTEGER NOT NULL,
  data          BLOB NOT NULL
);
)sql";

// Version 2: trial rows are written at tens of thousands per second (cluster_bench), and every
// secondary index costs a b-tree insert keyed by the job's text id on each. Sorting one job's
// trials by a metric for a page scans that job's rows through UNIQUE (job_id, trial_index)
// instead, with a LIMIT-bounded sort: milliseconds for ten thousand trials, under a second for
// a million.
constexpr std::string_view kV2 = R"sql(
DROP INDEX runs_by_status;
DROP INDEX runs_by_sharpe;
DROP INDEX runs_by_return;
DROP INDEX runs_by_final_equity;
DROP INDEX runs_by_sortino;
DROP INDEX runs_by_max_drawdown;
)sql";

// Version 3: a completed optimization trial's daily-return statistics (store_codec's
// return_stats_to_blob), from which the broker computes the job's robustness statistics.
constexpr std::string_view kV3 = R"sql(
ALTER TABLE backtest_runs ADD COLUMN return_stats BLOB;
)sql";

constexpr std::array<std::string_view, 3> kSteps = {kV1, kV2, kV3};

Result<int> read_user_version(sqlite::Db& db) {
  auto st = db.prepare("PRAGMA user_version");
  if (!st.ok()) return st.status();
  auto row = st->step("read user_version");
  if (!row.ok()) return row.status();
  return static_cast<int>(st->column_int(0));
}

}  // namespace

int latest_version() {
  return static_cast<int>(kSteps.size());
}

// Each step reads the version inside its own write transaction, so two processes opening one
// new file at once cannot both apply a step.
Status migrate(sqlite::Db& db) {
  for (;;) {
    sqlite::Transaction txn(db);
    if (Status s = txn.begin(); !s.ok()) return s;
    auto version = read_user_version(db);
    if (!version.ok()) return version.status();
    if (*version > latest_version()) {
      return {Code::kUnsupportedVersion, "database schema version " + std::to_string(*version) +
                                             " is newer than this build supports (" +
                                             std::to_string(latest_version()) +
                                             "); use a newer sweep"};
    }
    if (*version == latest_version()) return txn.commit();
    const int next = *version + 1;
    const std::string what = "migrate schema to version " + std::to_string(next);
    if (Status s = db.exec(kSteps[static_cast<size_t>(*version)], what); !s.ok()) return s;
    // PRAGMA takes no bound parameters; the value is our own counter.
    if (Status s = db.exec("PRAGMA user_version = " + std::to_string(next), what); !s.ok()) {
      return s;
    }
    if (Status s = txn.commit(); !s.ok()) return s;
  }
}

}  // namespace sweep::store_schema
