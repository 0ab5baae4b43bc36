// Guards of the broker's database file against two silent ways of losing it.
//
// DbLock: one broker per database. Two brokers on one file both "resume" the same live jobs and
// run them twice, and SQLite's own locks do not stop them (they only serialize transactions).
// The broker holds flock(LOCK_EX) on a sidecar `<db>.lock` for its lifetime, taken before the
// store is opened, resumed or migrated; the file names the holder (pid, host, start time,
// endpoints) so that a second broker can say who. The kernel drops the lock when the holder's
// process ends however it ends, so a lock file left by a dead broker is no obstacle; the file is
// never deleted (unlinking it would let a broker that opened it just before lock a file nobody
// else can find).
//
// DbFileWatch: the file at the path is still the one the broker opened. Deleted, or replaced by
// rename, the broker's connections go on reading and writing the old inode, which vanishes when
// it exits: new jobs would be accepted into a file nobody will ever find. check() compares the
// (st_dev, st_ino) recorded at start with what the paths name now.
//
// Thread safety: one thread per object.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "sweep/base/status.hpp"

namespace sweep::broker {

class DbLock {
 public:
  // Locks `<db_path>.lock` (creating it) and writes this process's pid, host and `wall_ms` into
  // it. kUnavailable when another process holds it: "database P is in use by sweep-broker pid N
  // on host H since T (lock P.lock)"; kIo when the lock file cannot be opened.
  static Result<DbLock> acquire(const std::string& db_path, int64_t wall_ms);
  DbLock(DbLock&& other) noexcept
      : fd_(other.fd_), path_(std::move(other.path_)), text_(std::move(other.text_)) {
    other.fd_ = -1;
  }
  DbLock& operator=(DbLock&&) = delete;
  DbLock(const DbLock&) = delete;
  ~DbLock();  // closing the file releases the lock

  const std::string& path() const { return path_; }
  // Adds `key=value` lines (the bound endpoints, once known) to what the file says.
  void describe(const std::vector<std::pair<std::string, std::string>>& more);

 private:
  DbLock(int fd, std::string path, std::string text);
  int fd_ = -1;
  std::string path_;
  std::string text_;  // what the file holds
};

class DbFileWatch {
 public:
  // Records the identity of each path that exists now (the database, its -wal, the lock file).
  // What does not exist at start (a -wal before the first open) is not watched.
  explicit DbFileWatch(std::vector<std::string> paths);

  // nullopt while every watched path names the file it named at start; else why not, e.g.
  // "database file P was deleted while the broker ran". A stat that fails for another reason
  // (EACCES, EIO) is no verdict: the file may be fine, and refusing submits on a guess is worse.
  std::optional<std::string> check() const;

 private:
  struct Watched {
    std::string path;
    dev_t dev;
    ino_t ino;
  };
  std::vector<Watched> watched_;
};

}  // namespace sweep::broker
