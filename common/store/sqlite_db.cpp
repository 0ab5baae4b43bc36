#include "sqlite_db.hpp"

#include <cmath>

namespace sweep::sqlite {

Status error_status(sqlite3* db, int rc, std::string_view what) {
  std::string msg = "sqlite: ";
  msg += what;
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg + " (database busy; another connection holds the lock)");
    case SQLITE_FULL:
      return Status::Io(msg + " (disk or database full)");
    case SQLITE_CONSTRAINT:
      return Status::Conflict(msg);
    case SQLITE_READONLY:
      return Status::Io(msg + " (database is read-only)");
    default:
      return Status::Io(msg);
  }
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(s_);
    db_ = o.db_;
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

void Stmt::bind_double(int i, double v) {
  if (std::isnan(v)) {
    sqlite3_bind_null(s_, i);
  } else {
    sqlite3_bind_double(s_, i, v);
  }
}

void Stmt::bind_text(int i, std::string_view v) {
  sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Stmt::bind_text_or_null(int i, std::string_view v) {
  if (v.empty()) {
    bind_null(i);
  } else {
    bind_text(i, v);
  }
}

void Stmt::bind_blob(int i, std::span<const unsigned char> v) {
  // A zero-length blob, not NULL: the column is present but empty.
  sqlite3_bind_blob64(s_, i, v.empty() ? "" : static_cast<const void*>(v.data()), v.size(),
                      SQLITE_TRANSIENT);
}

Result<bool> Stmt::step(std::string_view what) {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status st = error_status(db_, rc, what);
  sqlite3_reset(s_);
  return st;
}

Status Stmt::run(std::string_view what) {
  auto r = step(what);
  if (!r.ok()) return r.status();
  return Status::Ok();
}

double Stmt::column_double(int col) const {
  if (is_null(col)) return std::nan("");
  return sqlite3_column_double(s_, col);
}

std::string Stmt::column_text(int col) const {
  const auto* p = sqlite3_column_text(s_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(s_, col)));
}

std::span<const unsigned char> Stmt::column_blob(int col) const {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s_, col));
  const int n = sqlite3_column_bytes(s_, col);
  if (p == nullptr || n <= 0) return {};
  return {p, static_cast<size_t>(n)};
}

Result<Db> Db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  Db db(raw);  // closes on every path below
  if (rc != SQLITE_OK) {
    return Status::Io("cannot open database '" + path +
                      "': " + (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  if (sqlite3_db_readonly(raw, "main") == 1) {
    return Status::Io("cannot open database '" + path +
                      "' for writing: the file or its folder is read-only");
  }
  return db;
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    sqlite3_close_v2(db_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

Status Db::exec(std::string_view sql, std::string_view what) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // the same text is in sqlite3_errmsg
  if (rc != SQLITE_OK) return error_status(db_, rc, what);
  return Status::Ok();
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return error_status(db_, rc, "prepare");
  return Stmt(db_, s);
}

Transaction::~Transaction() {
  if (open_) (void)db_.exec("ROLLBACK", "rollback");
}

Status Transaction::begin() {
  Status st = db_.exec("BEGIN IMMEDIATE", "begin transaction");
  open_ = st.ok();
  return st;
}

Status Transaction::commit() {
  Status st = db_.exec("COMMIT", "commit");
  if (st.ok()) open_ = false;
  return st;
}

}  // namespace sweep::sqlite
