#include "db_guard.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sweep/base/civil_time.hpp"

namespace sweep::broker {

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, at);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    at += n;
    if (out.size() > 65536) break;  // not ours: a lock file is a few lines
  }
  return out;
}

// The value of a `key=value` line, or "".
std::string value_of(const std::string& text, const std::string& key) {
  const std::string needle = key + "=";
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find('\n', at), text.size());
    if (text.compare(at, needle.size(), needle) == 0) {
      return text.substr(at + needle.size(), end - at - needle.size());
    }
    at = end + 1;
  }
  return "";
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

Result<DbLock> DbLock::acquire(const std::string& db_path, int64_t wall_ms) {
  const std::string path = db_path + ".lock";
  // Retried when the path stops naming the file we locked (replaced between open and flock):
  // a lock on a file nobody else finds excludes no one.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      return Status::Io("cannot open lock file " + path + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      const std::string holder = read_all(fd);
      ::close(fd);
      if (err != EWOULDBLOCK) {
        return Status::Io("cannot lock " + path + ": " + std::strerror(err));
      }
      const std::string pid = value_of(holder, "pid"), host = value_of(holder, "host"),
                        since = value_of(holder, "since");
      std::string who = "another sweep-broker";
      if (!pid.empty()) {
        who = "sweep-broker pid " + pid + " on host " + (host.empty() ? "?" : host) + " since " +
              (since.empty() ? "?" : since);
      }
      return Status::Unavailable("database " + db_path + " is in use by " + who + " (lock " + path +
                                 ")");
    }
    struct stat locked {
    }, named{};
    if (::fstat(fd, &locked) == 0 && ::stat(path.c_str(), &named) == 0 &&
        same_file(locked, named)) {
      std::string text = "sweep-broker\npid=" + std::to_string(::getpid()) +
                         "\nhost=" + host_name() +
                         "\nsince=" + format_time(wall_ms, TimeFormat::kSeconds) + " UTC\n";
      DbLock lock(fd, path, std::move(text));
      lock.describe({});
      return lock;
    }
    ::close(fd);
  }
  return Status::Io("cannot lock " + path + ": it keeps being replaced");
}

DbLock::DbLock(int fd, std::string path, std::string text)
    : fd_(fd), path_(std::move(path)), text_(std::move(text)) {}

DbLock::~DbLock() {
  if (fd_ >= 0) ::close(fd_);
}

void DbLock::describe(const std::vector<std::pair<std::string, std::string>>& more) {
  for (const auto& [key, value] : more) text_ += key + "=" + value + "\n";
  // Written over the old text, then cut to length: a reader never sees an empty file once the
  // first text is there. The file only informs; a failed write changes nothing about the lock.
  (void)!::pwrite(fd_, text_.data(), text_.size(), 0);
  (void)!::ftruncate(fd_, static_cast<off_t>(text_.size()));
}

DbFileWatch::DbFileWatch(std::vector<std::string> paths) {
  for (auto& path : paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) watched_.push_back({std::move(path), st.st_dev, st.st_ino});
  }
}

std::optional<std::string> DbFileWatch::check() const {
  for (const auto& w : watched_) {
    const bool lock_file = w.path.ends_with(".lock");
    // Without its lock file, a second broker could lock a new one and open the database too.
    const std::string what = (lock_file ? "lock file " : "database file ") + w.path;
    const std::string after = lock_file ? " (another broker could open the database)" : "";
    struct stat st {};
    if (::stat(w.path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        return what + " was deleted while the broker ran" + after;
      }
      continue;
    }
    if (st.st_dev != w.dev || st.st_ino != w.ino) {
      return what + " was replaced by another file while the broker ran" + after;
    }
  }
  return std::nullopt;
}

}  // namespace sweep::broker
