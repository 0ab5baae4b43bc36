// Internals shared by the store's source files: the connection, its statement cache and the
// row codecs. Not part of the public API.
#pragma once

#include <functional>

#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sqlite_db.hpp"
#include "sweep/store/store.hpp"

namespace sweep {

// A cached statement on loan: reset when the loan ends, so that no half-stepped SELECT keeps a
// read transaction (and an old WAL snapshot) open between calls.
class StmtLease {
 public:
  explicit StmtLease(sqlite::Stmt* s) : s_(s) {}
  StmtLease(StmtLease&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  StmtLease& operator=(StmtLease&&) = delete;
  ~StmtLease() {
    if (s_ != nullptr) s_->reset();
  }
  sqlite::Stmt& operator*() const { return *s_; }
  sqlite::Stmt* operator->() const { return s_; }

 private:
  sqlite::Stmt* s_;
};

struct Store::Impl {
  std::mutex mu;  // guards everything below
  sqlite::Db db;
  std::unordered_map<std::string, sqlite::Stmt> stmts;

  // A prepared statement for `sql`, reset and with bindings cleared. The SQL text must be a
  // fixed string of the store (values are bound, never formatted in).
  Result<StmtLease> stmt(const std::string& sql);

  // The ops in an open transaction (the caller begins and commits).
  Result<size_t> insert_trials(const std::string& job_id, std::span<const TrialRow> rows,
                               size_t* duplicates);
  // The same, for rows given one by one through `next` (nullptr ends them): write_batch hands a
  // run of one job's ops without copying their rows.
  Result<size_t> insert_trials(const std::string& job_id,
                               const std::function<const TrialRow*()>& next, size_t* duplicates);
  Status update_job(const std::string& id, const JobUpdate& u);
  Result<bool> job_exists(const std::string& id);
};

namespace store_codec {

// Metric columns, in Metric order, each the metric's name: "trades", "final_equity", ...
const std::vector<std::string>& metric_columns();
// "trades, final_equity, ..." for SELECT and INSERT lists.
const std::string& metric_column_list();

std::string params_to_text(const ParamSet& p);
Result<ParamSet> params_from_text(const std::string& text);

// Little-endian float64 values; downsampled to at most kMaxStoredEquityPoints.
std::vector<unsigned char> equity_to_blob(const std::vector<double>& equity);
std::vector<double> equity_from_blob(std::span<const unsigned char> blob);

// A trial's ReturnStats: little-endian uint32 days, uint32 blocks, float64 mean, m2, m3, m4,
// then per block uint32 count, float64 sum, float64 sum_sq. Empty for none.
std::vector<unsigned char> return_stats_to_blob(const std::optional<ReturnStats>& stats);
Result<std::optional<ReturnStats>> return_stats_from_blob(std::span<const unsigned char> blob);

// Bars as little-endian int64 ts, open, high, low, close, volume per bar.
std::vector<unsigned char> bars_to_blob(const std::vector<Int64Bar>& bars);
Result<std::vector<Int64Bar>> bars_from_blob(std::span<const unsigned char> blob);

}  // namespace store_codec
}  // namespace sweep
