// The durations of trials as they finish, for the Prometheus histogram. A thread subscribes to
// every job's events ("job.") on the broker's events PUB (the endpoint is learned from `health`,
// and learned again every few seconds, so a broker restarted on other ports is followed) and
// counts each trial_event by finished_at - started_at.
//
// Events are lossy by design (PROTOCOL §6): the histogram covers the trials this gateway saw
// finish since it started, which is what a Prometheus histogram is; the exact totals of trials
// come from the broker's records (metrics.cpp).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "sweep/curve/curve_keys.hpp"

namespace sweep::gateway {

class TrialFeed {
 public:
  // Upper bounds of the histogram's buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    5,     30};
  struct Snapshot {
    std::array<uint64_t, kBuckets.size()> buckets{};  // cumulative, as Prometheus wants
    uint64_t count = 0;
    double sum = 0;
    bool connected = false;  // subscribed to a broker's events now
  };

  // `curve`: the keys of the gateway's client connections, for its health requests and its
  // events subscription alike.
  explicit TrialFeed(std::string frontend, std::optional<curve::ClientKeys> curve = {});
  ~TrialFeed();  // stops and joins the thread
  TrialFeed(const TrialFeed&) = delete;
  TrialFeed& operator=(const TrialFeed&) = delete;

  Snapshot snapshot() const;
  void observe(double seconds);

 private:
  void run();

  std::string frontend_;
  std::optional<curve::ClientKeys> curve_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Snapshot snap_;
  std::thread thread_;
};

}  // namespace sweep::gateway
