// Output for people: a progress bar redrawn in place and aligned tables.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sweep::cli {

// "1.2k", "3.4M": short counts and rates.
std::string human_count(double v);
// "1m05s", "2h03m", "--" for unknown.
std::string human_duration(double seconds);

// A one-line progress bar on stderr: [#####.....] done/total failed rate ETA best.
// Redraws at most 10 times a second unless forced; prints nothing when stderr is not a TTY
// except a final line.
class ProgressBar {
 public:
  ProgressBar(std::string unit, uint64_t total);
  void update(uint64_t done, uint64_t failed, const std::string& best, bool force = false);
  void finish(uint64_t done, uint64_t failed, const std::string& best);

 private:
  std::string render(uint64_t done, uint64_t failed, const std::string& best) const;
  std::string unit_;
  uint64_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// Columns padded to their widest cell; numbers right-aligned.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace sweep::cli
