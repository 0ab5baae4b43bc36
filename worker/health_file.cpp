#include "health_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sweep::worker {

Status HealthFile::write(const std::string& content) {
  if (path_.empty()) return Status::Ok();
  // Beside the file, so that rename() stays on one file system and is atomic.
  const std::string tmp = path_ + ".tmp." + std::to_string(getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return Status::Io("--health-file " + tmp + ": " + std::strerror(errno));
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  if (std::fclose(f) != 0 || !ok) {
    std::remove(tmp.c_str());
    return Status::Io("--health-file " + tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    return Status::Io("--health-file " + path_ + ": " + std::strerror(e));
  }
  written_ = true;
  return Status::Ok();
}

void HealthFile::remove() {
  if (path_.empty() || !written_) return;
  std::remove(path_.c_str());
  written_ = false;
}

}  // namespace sweep::worker
