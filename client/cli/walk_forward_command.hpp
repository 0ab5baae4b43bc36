// `sweep optimize` with walk_forward or holdout_bars in its spec (docs/WALK_FORWARD.md): the
// windows in this process, then their tables (or --json).
#pragma once

#include <atomic>
#include <memory>

#include "sweep/data/market_data.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/optimize/optimizer.hpp"

namespace sweep::cli {

// An exit status. The spec's windows must fit the data (check_windows_fit) and `cancel` is the
// caller's interrupt flag.
int run_windows(const JobSpec& spec, const StrategyInfo& strategy, const TrialPlan& plan,
                std::shared_ptr<const MarketData> data, unsigned threads, bool json,
                const std::atomic<bool>* cancel);

}  // namespace sweep::cli
