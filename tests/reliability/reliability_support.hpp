// Helpers shared by the reliability tests (hostile clients, load): waits on conditions with
// deadlines, a process's resident memory, raw msgpack, latency figures.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "wait.hpp"

namespace sweep::testing {

using Clock = std::chrono::steady_clock;

// VmRSS of `pid` in KiB (/proc/PID/status); 0 when the process is gone.
inline uint64_t vm_rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// Any JSON value as one msgpack frame (NaN floats and odd types included), for hand-made
// messages the protocol codec would refuse to write.
inline std::string pack(const nlohmann::json& j) {
  const std::vector<uint8_t> bytes = nlohmann::json::to_msgpack(j);
  return std::string(bytes.begin(), bytes.end());
}

// An optimization of the test plugin's `strategy` with `n` trials (its label parameter `n`) over
// a synthetic series of `bars` bars.
inline nlohmann::json label_spec(const std::string& strategy, uint64_t n, int bars,
                                 nlohmann::json space = nlohmann::json::object()) {
  space["n"] = {{"start", 0}, {"stop", n - 1}, {"step", 1}};
  return {{"dataset", {{"synthetic", {{"bars", bars}, {"seed", 3}}}}},
          {"strategy", strategy},
          {"space", space}};
}

struct LatencyFigures {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  size_t count = 0;
};

inline LatencyFigures latency_figures(std::vector<double> ms) {
  LatencyFigures f;
  f.count = ms.size();
  if (ms.empty()) return f;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * double(ms.size())))]; };
  f.p50_ms = at(0.50);
  f.p99_ms = at(0.99);
  f.max_ms = ms.back();
  return f;
}

}  // namespace sweep::testing
