// A thin RAII layer over the SQLite C API: a connection, prepared statements with bound
// parameters, and a transaction guard. SQLite result codes become Status values:
//   SQLITE_BUSY/LOCKED -> kUnavailable, SQLITE_FULL/IOERR/READONLY/CANTOPEN/... -> kIo,
//   SQLITE_CONSTRAINT -> kConflict. Not thread safe: the owner serialises access.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sweep/base/status.hpp"

namespace sweep::sqlite {

// The Status for result code `rc` on `db`, with what was being done: "sqlite: insert trial: ...".
Status error_status(sqlite3* db, int rc, std::string_view what);

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  // Parameters are 1-based, as in SQLite.
  void bind_null(int i) { sqlite3_bind_null(s_, i); }
  void bind_int(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  // NaN binds NULL.
  void bind_double(int i, double v);
  // Text is copied (SQLITE_TRANSIENT).
  void bind_text(int i, std::string_view v);
  // An empty string binds NULL.
  void bind_text_or_null(int i, std::string_view v);
  void bind_blob(int i, std::span<const unsigned char> v);

  // SQLITE_ROW -> true, SQLITE_DONE -> false, else an error naming `what`.
  Result<bool> step(std::string_view what);
  // Steps a statement that returns no rows.
  Status run(std::string_view what);
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int64_t column_int(int col) const { return sqlite3_column_int64(s_, col); }
  // NULL reads as NaN.
  double column_double(int col) const;
  // NULL reads as "".
  std::string column_text(int col) const;
  std::span<const unsigned char> column_blob(int col) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  // Opens read-write, creating the file. kIo when it cannot be opened or is read-only.
  static Result<Db> open(const std::string& path);
  Db() = default;
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db() { sqlite3_close_v2(db_); }

  // Runs SQL text with no parameters (schema, pragmas, BEGIN/COMMIT).
  Status exec(std::string_view sql, std::string_view what);
  Result<Stmt> prepare(std::string_view sql);
  int changes() const { return sqlite3_changes(db_); }
  int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* handle() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction (so a busy database fails here, not at commit); rolls back on
// destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Db& db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Status begin();
  Status commit();

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace sweep::sqlite
