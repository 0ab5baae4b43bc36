#include "sweep/store/store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "sweep/data/dataset.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/jobs/result_json.hpp"

namespace sweep {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed afterwards.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sweep-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string db_path() const { return (dir_ / "sweep.db").string(); }

  Store open() {
    auto s = Store::open(db_path());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  static JobRow job(std::string id, JobKind kind = JobKind::kOptimization, int64_t created = 1000) {
    JobRow j;
    j.id = std::move(id);
    j.kind = kind;
    j.spec_json = R"({"strategy": "sma_cross",   "dataset": {"synthetic": {"bars": 100}}})";
    j.total = 10;
    j.created_at_ms = created;
    if (kind == JobKind::kOptimization) j.objective = Objective{Metric::kSharpe, true};
    return j;
  }

  static TrialRow trial(uint64_t index, double sharpe) {
    TrialRow t;
    t.trial_index = index;
    t.status = TrialState::kCompleted;
    t.params.set("fast", static_cast<int64_t>(index));
    t.params.set("ratio", 0.5);
    t.params.set("mode", std::string("long_short"));
    t.metrics = Metrics::Zero();
    t.metrics[Metric::kSharpe] = sharpe;
    t.metrics[Metric::kTrades] = 3;
    t.equity = {10000, 10100.5, 9900.25};
    t.worker = "host:1234";
    t.started_at_ms = 5000;
    t.finished_at_ms = 5100;
    return t;
  }

  fs::path dir_;
};

TEST_F(StoreTest, StoreSchemaHasUserVersionAndEveryMetricColumn) {
  Store store = open();
  auto v = store.user_version();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, store_schema_version());
  EXPECT_GE(*v, 1);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  std::vector<std::string> cols;
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA table_info(backtest_runs)", -1, &st, nullptr),
            SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    cols.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
  }
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
  for (int i = 0; i < kMetricCount; ++i) {
    const std::string name(metric_name(static_cast<Metric>(i)));
    EXPECT_NE(std::find(cols.begin(), cols.end(), name), cols.end()) << name;
  }
}

TEST_F(StoreTest, StoreReopensAtTheLatestVersionAndRefusesNewerSchema) {
  { Store store = open(); }
  {
    auto again = Store::open(db_path());  // already migrated: no step runs twice
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(*again->user_version(), store_schema_version());
    EXPECT_EQ(store_schema_version(), 3);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto newer = Store::open(db_path());
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), Code::kUnsupportedVersion);
  EXPECT_NE(newer.status().message().find("version 99 is newer"), std::string::npos)
      << newer.status().message();
}

// The broker's own connection syncs each commit (an accepted job survives an OS crash); the
// default, the trial writer's, syncs at checkpoints only.
TEST_F(StoreTest, StoreDurableCommitsAreFullSyncOnThatConnectionOnly) {
  StoreOptions durable;
  durable.durable_commits = true;
  auto loop = Store::open(db_path(), durable);
  ASSERT_TRUE(loop.ok()) << loop.status().ToString();
  Store writer = open();
  EXPECT_TRUE(*loop->durable_commits());
  EXPECT_FALSE(*writer.durable_commits());
  EXPECT_TRUE(loop->insert_job(job("j1")).ok());
  EXPECT_TRUE(writer.get_job("j1").ok());
}

TEST_F(StoreTest, StoreJobInsertGetListUpdate) {
  Store store = open();
  JobRow a = job("a", JobKind::kOptimization, 1000);
  JobRow b = job("b", JobKind::kBacktest, 2000);
  ASSERT_TRUE(store.insert_job(a).ok());
  ASSERT_TRUE(store.insert_job(b).ok());

  auto got = store.get_job("a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, a);  // spec verbatim, objective, every field
  EXPECT_EQ(store.get_job("nope").status().code(), Code::kNotFound);
  EXPECT_EQ(store.insert_job(a).code(), Code::kConflict);

  auto all = store.list_jobs();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "b");  // newest first
  auto backtests = store.list_jobs({.kind = JobKind::kBacktest});
  ASSERT_EQ(backtests->size(), 1u);
  EXPECT_EQ(backtests->front().id, "b");
  auto paged = store.list_jobs({.limit = 1, .offset = 1});
  ASSERT_EQ(paged->size(), 1u);
  EXPECT_EQ(paged->front().id, "a");

  ASSERT_TRUE(store.record_trials("a", std::vector{trial(4, 1.5)}).ok());
  JobUpdate run{.status = JobState::kRunning, .completed = 1, .failed = 0};
  run.started_at_ms = 1500;
  run.best_trial = 4;
  run.next_trial = 5;
  ASSERT_TRUE(store.update_job_state("a", run).ok());
  got = store.get_job("a");
  EXPECT_EQ(got->status, JobState::kRunning);
  EXPECT_EQ(got->completed, 1u);
  EXPECT_EQ(got->started_at_ms, 1500);
  EXPECT_EQ(got->best_trial, 4u);
  EXPECT_TRUE(got->best_run_id.has_value());
  EXPECT_EQ(got->next_trial, 5u);
  EXPECT_EQ(store.list_jobs({.status = JobState::kRunning})->size(), 1u);

  JobUpdate done{.status = JobState::kCompleted, .completed = 9, .failed = 1};
  done.finished_at_ms = 3000;
  done.result_json = R"({"best": 4})";
  ASSERT_TRUE(store.update_job_state("a", done).ok());
  got = store.get_job("a");
  EXPECT_EQ(got->status, JobState::kCompleted);
  EXPECT_EQ(got->started_at_ms, 1500);  // kept
  EXPECT_EQ(got->finished_at_ms, 3000);
  EXPECT_EQ(got->result_json, R"({"best": 4})");

  // Terminal states never change.
  Status again = store.update_job_state("a", {.status = JobState::kRunning});
  EXPECT_EQ(again.code(), Code::kConflict) << again.ToString();
  EXPECT_EQ(store.update_job_state("nope", run).code(), Code::kNotFound);
}

TEST_F(StoreTest, StoreIdempotencyKeyConflictFindsExistingJob) {
  Store store = open();
  JobRow a = job("a");
  a.idempotency_key = "client-42";
  ASSERT_TRUE(store.insert_job(a).ok());
  JobRow b = job("b");
  b.idempotency_key = "client-42";
  Status st = store.insert_job(b);
  EXPECT_EQ(st.code(), Code::kConflict);
  EXPECT_NE(st.message().find("client-42"), std::string::npos) << st.message();
  auto existing = store.find_job_by_idempotency_key("client-42");
  ASSERT_TRUE(existing.ok());
  EXPECT_EQ(existing->id, "a");
  EXPECT_EQ(store.get_job("b").status().code(), Code::kNotFound);
  EXPECT_EQ(store.find_job_by_idempotency_key("other").status().code(), Code::kNotFound);
  // Jobs without a key never conflict with each other.
  EXPECT_TRUE(store.insert_job(job("c")).ok());
  EXPECT_TRUE(store.insert_job(job("d")).ok());
}

TEST_F(StoreTest, StoreTrialsRecordedExactlyOnce) {
  Store store = open();
  ASSERT_TRUE(store.insert_job(job("a")).ok());
  std::vector<TrialRow> rows{trial(0, 1.0), trial(1, 2.0), trial(2, 3.0)};
  auto n = store.record_trials("a", rows);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 3u);

  // A retried lease delivers trial 1 again (other values): ignored, the first record wins.
  TrialRow again = trial(1, 99.0);
  again.attempt = 2;
  n = store.record_trials("a", std::vector{again, trial(3, 4.0)});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(*store.count_trials("a"), 4u);
  EXPECT_EQ(store.get_trial("a", 1)->metrics[Metric::kSharpe], 2.0);
  EXPECT_EQ(store.get_trial("a", 1)->attempt, 1);
  EXPECT_TRUE(*store.trial_recorded("a", 3));
  EXPECT_FALSE(*store.trial_recorded("a", 7));
  EXPECT_EQ(*store.recorded_trial_indexes("a"), (std::vector<uint64_t>{0, 1, 2, 3}));

  auto orphan = store.record_trials("zzz", rows);
  EXPECT_EQ(orphan.status().code(), Code::kNotFound);

  TrialRow t = *store.get_trial("a", 0);
  EXPECT_EQ(t.params.get_int("fast"), 0);
  EXPECT_EQ(t.params.get_double("ratio"), 0.5);
  EXPECT_EQ(t.params.get_string("mode"), "long_short");
  EXPECT_EQ(t.equity, rows[0].equity);
  EXPECT_EQ(t.worker, "host:1234");
  EXPECT_EQ(t.started_at_ms, 5000);
  EXPECT_EQ(t.finished_at_ms, 5100);
}

TEST_F(StoreTest, StoreDeletesTheTrialsAfterAStop) {
  Store store = open();
  ASSERT_TRUE(store.insert_job(job("a")).ok());
  ASSERT_TRUE(store.insert_job(job("b")).ok());
  ASSERT_TRUE(
      store.record_trials("a", std::vector{trial(0, 1), trial(3, 2), trial(4, 3), trial(9, 4)})
          .ok());
  ASSERT_TRUE(store.record_trials("b", std::vector{trial(7, 1)}).ok());
  EXPECT_EQ(*store.delete_trials_after("a", 3), 2u);
  EXPECT_EQ(*store.recorded_trial_indexes("a"), (std::vector<uint64_t>{0, 3}));
  EXPECT_EQ(*store.recorded_trial_indexes("b"), (std::vector<uint64_t>{7})) << "another job's";
  EXPECT_EQ(*store.delete_trials_after("a", 3), 0u);
}

// A completed trial's ReturnStats are stored with its row and read back, exactly, in index order;
// trials without them (failed ones, those of another job) are not read.
TEST_F(StoreTest, StoreKeepsEachTrialsReturnStatistics) {
  Store store = open();
  ASSERT_TRUE(store.insert_job(job("a")).ok());
  ASSERT_TRUE(store.insert_job(job("b")).ok());
  auto stats = [](uint32_t seed) {
    ReturnStats s;
    s.days = 4 + seed;
    s.mean = 1e-3 * seed;
    s.m2 = 1.0 / 3 + seed;
    s.m3 = -2.5e-7;
    s.m4 = 6.02e-9;
    for (uint32_t b = 0; b < 4; ++b) s.blocks.push_back({b + seed, 0.1 * b - 0.05, 1e-300 * b});
    return s;
  };
  std::vector<TrialRow> rows = {trial(5, 1), trial(2, 1), trial(3, 1), trial(7, 1)};
  rows[0].return_stats = stats(5);
  rows[1].return_stats = stats(2);
  rows[2].status = TrialState::kFailed;  // a failed trial has none; were it given, not read
  rows[2].return_stats = stats(3);
  // rows[3]: completed, without statistics (a row of schema version 2)
  ASSERT_TRUE(store.record_trials("a", rows).ok());
  TrialRow other = trial(1, 1);
  other.return_stats = stats(1);
  ASSERT_TRUE(store.record_trials("b", std::vector{other}).ok());

  std::vector<std::pair<uint64_t, ReturnStats>> read;
  ASSERT_TRUE(store
                  .for_each_return_stats("a",
                                         [&](uint64_t i, ReturnStats&& s) {
                                           read.emplace_back(i, std::move(s));
                                           return true;
                                         })
                  .ok());
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].first, 2u);
  EXPECT_EQ(read[0].second, stats(2));
  EXPECT_EQ(read[1].first, 5u);
  EXPECT_EQ(read[1].second, stats(5));
  int calls = 0;
  const Status stopped = store.for_each_return_stats("a", [&](uint64_t, ReturnStats&&) {
    ++calls;
    return false;
  });
  EXPECT_EQ(stopped.code(), Code::kCancelled);
  EXPECT_EQ(calls, 1);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "UPDATE backtest_runs SET return_stats = x'0102' WHERE trial_index = 2",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  const Status corrupt =
      store.for_each_return_stats("a", [](uint64_t, ReturnStats&&) { return true; });
  EXPECT_EQ(corrupt.code(), Code::kInternal);
  EXPECT_NE(corrupt.message().find("return statistics are corrupt: 2 bytes"), std::string::npos)
      << corrupt.message();
}

// A database of version 2 (before return_stats) gains the column; its trials read as before.
TEST_F(StoreTest, StoreMigratesAVersion2DatabaseKeepingItsTrials) {
  {
    Store store = open();
    ASSERT_TRUE(store.insert_job(job("a")).ok());
    ASSERT_TRUE(store.record_trials("a", std::vector{trial(0, 1.5)}).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "ALTER TABLE backtest_runs DROP COLUMN return_stats; "
                         "PRAGMA user_version = 2",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  Store store = open();
  EXPECT_EQ(*store.user_version(), 3);
  auto t = store.get_trial("a", 0);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->metrics[Metric::kSharpe], 1.5);
  TrialRow with = trial(1, 2);
  with.return_stats = ReturnStats{3, 0.5, 0.25, 0, 0.125, {{3, 1.5, 1}}};
  ASSERT_TRUE(store.record_trials("a", std::vector{with}).ok());
  std::vector<uint64_t> indexes;
  ASSERT_TRUE(store
                  .for_each_return_stats("a",
                                         [&](uint64_t i, ReturnStats&& s) {
                                           EXPECT_EQ(s, *with.return_stats);
                                           indexes.push_back(i);
                                           return true;
                                         })
                  .ok());
  EXPECT_EQ(indexes, std::vector<uint64_t>{1});
}

// The params column holds the parameter set as JSON, the same text as to_json(params).dump()
// (sorted keys), whatever the names and values; it reads back to the same set.
TEST_F(StoreTest, StoreParamsColumnIsTheJsonOfTheParams) {
  Store store = open();
  ASSERT_TRUE(store.insert_job(job("a")).ok());
  std::vector<ParamSet> sets(4);
  sets[0].set("slow", int64_t{30});
  sets[0].set("fast", int64_t{-10});
  sets[0].set("mode", std::string("long_short"));
  sets[1].set("ratio", 0.1);
  sets[1].set("tiny", 1e-300);
  sets[1].set("big", 12345678901234.5);
  sets[1].set("quote", std::string("say \"hi\"\n\u00e9"));
  sets[2].set("odd name", int64_t{1});  // not an identifier
  sets[2].set("z\"", 2.5);
  std::vector<TrialRow> rows;
  for (size_t i = 0; i < sets.size(); ++i) {
    TrialRow t = trial(i, 1.0);
    t.params = sets[i];
    rows.push_back(t);
  }
  ASSERT_TRUE(store.record_trials("a", rows).ok());

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT params FROM backtest_runs ORDER BY trial_index", -1, &q,
                               nullptr),
            SQLITE_OK);
  for (const ParamSet& p : sets) {
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    EXPECT_EQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), to_json(p).dump());
  }
  sqlite3_finalize(q);
  sqlite3_close(db);
  for (size_t i = 0; i < sets.size(); ++i) {
    auto back = store.get_trial("a", i);
    ASSERT_TRUE(back.ok());
    std::map<std::string, ParamValue> got(back->params.items().begin(), back->params.items().end());
    std::map<std::string, ParamValue> want(sets[i].items().begin(), sets[i].items().end());
    EXPECT_EQ(got, want) << i;
  }
}

TEST_F(StoreTest, StoreFailedTrialKeepsErrorAndZeroMetrics) {
  Store store = open();
  ASSERT_TRUE(store.insert_job(job("a")).ok());
  TrialRow f;
  f.trial_index = 7;
  f.status = TrialState::kFailed;
  f.params.set("fast", int64_t{30});
  f.error_message = "sma_cross: fast must be < slow";
  f.error_stack_trace = "#0 sweep::SmaCross::init\n#1 sweep::run_trial";
  ASSERT_TRUE(store.record_trials("a", std::vector{f}).ok());
  auto got = store.get_trial("a", 7);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, TrialState::kFailed);
  EXPECT_EQ(got->error_message, f.error_message);
  EXPECT_EQ(got->error_stack_trace, f.error_stack_trace);
  EXPECT_EQ(got->metrics, Metrics::Zero());
  EXPECT_TRUE(got->equity.empty());
  auto failed = store.list_trials("a", {.status = TrialState::kFailed});
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ(store.list_trials("a", {.status = TrialState::kCompleted})->size(), 0u);
}

TEST_F(StoreTest, StoreNanMetricsAreNullAndReadBackAsNan) {
  Store store = open();
  ASSERT_TRUE(store.insert_job(job("a")).ok());
  TrialRow t = trial(0, std::nan(""));
  t.metrics[Metric::kProfitFactor] = std::nan("");
  ASSERT_TRUE(store.record_trials("a", std::vector{t}).ok());

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT sharpe IS NULL, profit_factor IS NULL, trades FROM "
                               "backtest_runs",
                               -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  EXPECT_EQ(sqlite3_column_int(st, 1), 1);
  EXPECT_EQ(sqlite3_column_double(st, 2), 3.0);
  sqlite3_finalize(st);
  sqlite3_close(db);

  auto got = store.get_trial("a", 0);
  EXPECT_TRUE(std::isnan(got->metrics[Metric::kSharpe]));
  EXPECT_TRUE(std::isnan(got->metrics[Metric::kProfitFactor]));
  EXPECT_EQ(got->metrics, t.metrics);
}

TEST_F(StoreTest, StoreListTrialsSortedByMetricWithPaging) {
  Store store = open();
  ASSERT_TRUE(store.insert_job(job("a")).ok());
  std::vector<TrialRow> rows{trial(0, 0.5), trial(1, std::nan("")), trial(2, 2.0), trial(3, -1.0),
                             trial(4, 2.0)};
  ASSERT_TRUE(store.record_trials("a", rows).ok());
  auto indexes = [](const Result<std::vector<TrialRow>>& r) {
    std::vector<uint64_t> out;
    for (const auto& t : *r) out.push_back(t.trial_index);
    return out;
  };
  using V = std::vector<uint64_t>;
  // NaN last in both orders; ties by trial index.
  EXPECT_EQ(indexes(store.list_trials("a", {.sort = "sharpe", .ascending = false})),
            (V{2, 4, 0, 3, 1}));
  EXPECT_EQ(indexes(store.list_trials("a", {.sort = "sharpe", .ascending = true})),
            (V{3, 0, 2, 4, 1}));
  EXPECT_EQ(indexes(store.list_trials(
                "a", {.sort = "sharpe", .ascending = false, .limit = 2, .offset = 1})),
            (V{4, 0}));
  EXPECT_EQ(indexes(store.list_trials("a", {})), (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(indexes(store.list_trials("a", {.ascending = false, .limit = 2})), (V{4, 3}));
  // One walk-forward window's trials: an index range.
  EXPECT_EQ(indexes(store.list_trials(
                "a", {.sort = "sharpe", .ascending = false, .index_begin = 1, .index_end = 4})),
            (V{2, 3, 1}));
  EXPECT_EQ(indexes(store.list_trials("a", {.index_begin = 3})), (V{3, 4}));
  EXPECT_EQ(indexes(store.list_trials("a", {.index_begin = 2, .index_end = 2})), (V{}));
  // Equity only when asked for.
  EXPECT_TRUE(store.list_trials("a", {})->front().equity.empty());
  EXPECT_EQ(store.list_trials("a", {.with_equity = true})->front().equity, rows[0].equity);

  for (const char* bad : {"sharp", "sharpe; DROP TABLE jobs", "", "id"}) {
    auto r = store.list_trials("a", {.sort = bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kBadRequest);
    EXPECT_NE(r.status().message().find("unknown column"), std::string::npos);
    EXPECT_NE(r.status().message().find("sharpe"), std::string::npos);  // lists the valid names
  }
  EXPECT_TRUE(store.get_job("a").ok());
}

TEST_F(StoreTest, StoreUnfinishedJobsSurviveReopen) {
  {
    Store store = open();
    ASSERT_TRUE(store.insert_job(job("q", JobKind::kOptimization, 1)).ok());
    ASSERT_TRUE(store.insert_job(job("r", JobKind::kOptimization, 2)).ok());
    ASSERT_TRUE(store.insert_job(job("c", JobKind::kOptimization, 3)).ok());
    ASSERT_TRUE(store.insert_job(job("x", JobKind::kBacktest, 4)).ok());
    JobUpdate running{.status = JobState::kRunning};
    running.next_trial = 3;
    ASSERT_TRUE(store.update_job_state("r", running).ok());
    ASSERT_TRUE(store.update_job_state("c", {.status = JobState::kCancelling}).ok());
    ASSERT_TRUE(store.update_job_state("x", {.status = JobState::kCompleted}).ok());
    ASSERT_TRUE(store.record_trials("r", std::vector{trial(0, 1), trial(2, 1)}).ok());
  }
  Store store = open();
  auto jobs = store.unfinished_jobs();
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 3u);
  EXPECT_EQ((*jobs)[0].id, "q");
  EXPECT_EQ((*jobs)[1].id, "r");
  EXPECT_EQ((*jobs)[1].next_trial, 3u);
  EXPECT_EQ((*jobs)[2].status, JobState::kCancelling);
  EXPECT_EQ(*store.recorded_trial_indexes("r"), (std::vector<uint64_t>{0, 2}));
}

TEST_F(StoreTest, StoreDatasetRoundTripByHash) {
  Store store = open();
  auto series = load_dataset("synthetic:500:7");
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  auto id = store.put_dataset(*series);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, dataset_hash(*series));
  EXPECT_EQ(*store.put_dataset(*series), *id);  // idempotent

  auto back = store.get_dataset(*id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->name, series->name);
  EXPECT_EQ(back->price_digits, series->price_digits);
  EXPECT_EQ(back->volume_digits, series->volume_digits);
  EXPECT_EQ(dataset_hash(*back), *id);
  ASSERT_EQ(back->size(), series->size());
  EXPECT_EQ(back->bars.back().close, series->bars.back().close);

  auto list = store.list_datasets();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().bars, 500u);
  EXPECT_EQ(list->front().first_ts, series->bars.front().ts);
  EXPECT_EQ(list->front().last_ts, series->bars.back().ts);
  EXPECT_EQ(store.get_dataset("0000").status().code(), Code::kNotFound);
}

TEST_F(StoreTest, StoreWriterFlushCommitsEverything) {
  {
    Store store = open();
    ASSERT_TRUE(store.insert_job(job("a")).ok());
  }
  std::atomic<int> errors{0};
  StoreWriterOptions opts;
  opts.max_batch = 64;
  opts.max_delay = std::chrono::milliseconds(1000);  // flush, not the timer, commits
  opts.on_error = [&](const Status&) { ++errors; };
  auto writer = StoreWriter::start(db_path(), opts);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (uint64_t i = 0; i < 1000; ++i) (*writer)->record_trial("a", trial(i, 1.0));
  (*writer)->record_trial("a", trial(5, 1.0));  // duplicate
  (*writer)->update_job("a", {.status = JobState::kRunning, .completed = 1000});
  (*writer)->record_trial("nope", trial(0, 1.0));  // rejected, reported, dropped
  ASSERT_TRUE((*writer)->flush().ok());
  EXPECT_EQ((*writer)->pending(), 0u);
  EXPECT_EQ((*writer)->new_trials(), 1000u);
  EXPECT_EQ((*writer)->duplicate_trials(), 1u);
  EXPECT_EQ(errors.load(), 1);

  Store reader = open();
  EXPECT_EQ(*reader.count_trials("a"), 1000u);
  EXPECT_EQ(reader.get_job("a")->completed, 1000u);
  EXPECT_EQ(reader.get_job("a")->status, JobState::kRunning);
}

TEST_F(StoreTest, StoreWriterKeepsRowsWhileDatabaseIsBusy) {
  {
    Store store = open();
    ASSERT_TRUE(store.insert_job(job("a")).ok());
  }
  StoreWriterOptions opts;
  opts.store.busy_timeout_ms = 20;
  opts.retry_delay = std::chrono::milliseconds(10);
  std::atomic<int> busy{0};
  opts.on_error = [&](const Status& s) {
    if (s.code() == Code::kUnavailable) ++busy;
  };
  auto writer = StoreWriter::start(db_path(), opts);
  ASSERT_TRUE(writer.ok());

  // Another connection holds the write lock.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  (*writer)->record_trial("a", trial(0, 1.0));
  Status st = (*writer)->flush(std::chrono::milliseconds(300));
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_NE(st.message().find("busy"), std::string::npos) << st.message();
  EXPECT_EQ((*writer)->pending(), 1u);
  EXPECT_GT(busy.load(), 0);

  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ASSERT_TRUE((*writer)->flush().ok());
  EXPECT_TRUE((*writer)->last_error().ok());
  EXPECT_EQ(*open().count_trials("a"), 1u);
}

TEST_F(StoreTest, StoreUnwritablePathGivesClearError) {
  auto missing = Store::open((dir_ / "no" / "such" / "dir" / "x.db").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kIo);
  EXPECT_NE(missing.status().message().find("cannot open database"), std::string::npos)
      << missing.status().message();

  auto folder = Store::open(dir_.string());  // a folder, not a file
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), Code::kIo);

  // Not a database at all.
  const std::string junk = (dir_ / "junk.db").string();
  {
    std::FILE* f = std::fopen(junk.c_str(), "w");
    std::fputs("this is not a database file, not at all, no header here......", f);
    std::fclose(f);
  }
  auto bad = Store::open(junk);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("junk.db"), std::string::npos) << bad.status().message();

  if (geteuid() != 0) {  // root writes through permissions
    { Store s = open(); }
    fs::permissions(db_path(), fs::perms::owner_read);
    auto ro = Store::open(db_path());
    ASSERT_FALSE(ro.ok());
    EXPECT_NE(ro.status().message().find("read-only"), std::string::npos) << ro.status().message();
  }
}

}  // namespace
}  // namespace sweep
