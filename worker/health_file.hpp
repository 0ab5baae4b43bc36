// The worker's readiness and liveness for orchestrators (docs/RELIABILITY.md "Drain and probes"):
// a file that exists while the worker is welcomed by a broker and not draining, rewritten
// (temp + rename, so a probe never reads half a file) often enough that its mtime is at most one
// heartbeat interval old while the worker is well. Readiness = the file exists; liveness = its
// mtime is recent. An empty path turns it off.
#pragma once

#include <string>

#include "sweep/base/status.hpp"

namespace sweep::worker {

class HealthFile {
 public:
  explicit HealthFile(std::string path) : path_(std::move(path)) {}
  ~HealthFile() { remove(); }
  HealthFile(const HealthFile&) = delete;
  HealthFile& operator=(const HealthFile&) = delete;

  // Writes `content` to the file atomically (creating it, or refreshing its mtime).
  Status write(const std::string& content);
  // Removes it (not ready); nothing when it is not there.
  void remove();
  bool enabled() const { return !path_.empty(); }
  bool written() const { return written_; }

 private:
  std::string path_;
  bool written_ = false;
};

}  // namespace sweep::worker
