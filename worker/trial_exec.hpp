// One trial on a slot thread: run_trial with the worker's hooks (cancel flag, rate-limited
// progress ticks), turned into the `result` message of docs/PROTOCOL.md §5.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "equity_filter.hpp"
#include "sweep/base/clock.hpp"
#include "sweep/data/market_data.hpp"
#include "sweep/engine/engine.hpp"
#include "sweep/engine/strategy.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::worker {

// Minimum spacing of progress ticks of one trial (about 10 per second).
inline constexpr std::chrono::milliseconds kTickInterval{100};

// Shared between the I/O thread (which sets the flags) and the slot thread running the trial.
struct TrialControl {
  std::atomic<bool> cancel{false};
  std::atomic<bool> timed_out{false};  // set before `cancel` by the watchdog
  std::atomic<bool> shutdown{false};   // set before `cancel` when the worker is leaving
  std::atomic<int64_t> started_ms{0};  // wall clock; 0 until the trial starts
};

// Everything a slot thread needs to run one trial. `strategy` outlives the worker session.
struct TrialJob {
  std::string job;
  protocol::BatchTrial trial;
  std::shared_ptr<const MarketData> data;
  const StrategyInfo* strategy = nullptr;
  EngineOptions options;
  double timeout_s = 0;  // <= 0: none
  // From the batch: send the equity curve only when `equity_filter` admits the trial (an
  // objective and top_k given), else always; the trade list when `trades`.
  std::optional<Objective> objective;
  size_t top_k = 0;
  bool trades = false;
  EquityFilter* equity_filter = nullptr;
  const Clock* clock = nullptr;  // the session's; outlives the trial
};

using TickSink = std::function<void(protocol::Tick)>;

// Runs the trial; never throws. A trial stopped by the watchdog is failed with
// "timed out after N s"; one stopped by a cancel is cancelled.
protocol::TrialResult execute_trial(const TrialJob& job, TrialControl& control,
                                    const TickSink& ticks);

// The result of a trial that never ran.
protocol::TrialResult unrun_result(const Clock& clock, const std::string& job,
                                   const protocol::BatchTrial& trial, TrialState status,
                                   std::string error_message = {});

// "timed out after 600 s", "timed out after 0.5 s"
std::string timeout_message(double timeout_s);

}  // namespace sweep::worker
