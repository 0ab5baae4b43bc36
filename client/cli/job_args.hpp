// The flags that describe a job (--data, --strategy, --param, ...), shared by the local commands
// (backtest, optimize) and `sweep submit`, and their translation into the job spec of DESIGN §9.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sweep/base/status.hpp"
#include "sweep/jobs/job_spec.hpp"

namespace sweep::cli {

struct JobArgs {
  std::string data, strategy, constraint, objective = "sharpe";
  std::vector<std::string> params, plugins;
  bool minimize = false;
  uint64_t random_n = 0, seed = 1;
  uint64_t tpe_n = 0, startup = 10, batch = 8;
  int top_k = 10;
  int pbo_blocks = kDefaultReturnBlocks;
  std::optional<double> stop_value;
  std::string walk_forward;  // "TRAIN:TEST" bars; "" = none
  bool anchored = false;
  uint64_t holdout = 0;  // bars; 0 = none
  double cash = 10'000, commission = 0;
};

// Registers the job flags of `kind` on `cmd` (optimization-only ones for optimizations only).
void add_job_options(CLI::App* cmd, JobArgs& args, JobKind kind);

// A command-line value as JSON: integers stay integers, other numbers are doubles, the rest text.
nlohmann::json scalar(const std::string& text);

// The flags as a job spec. Backtest: {dataset, strategy, params, cash, commission}, each --param
// NAME=VALUE. Optimization: also space (NAME=START:STOP:STEP or NAME=V1,V2,...; NAME=VALUE is a
// fixed param), objective, top_k, constraint, method, pbo_blocks, stop, walk_forward and
// holdout_bars when given. Types and ranges are checked later by parse_job_spec() (locally) or the
// broker; bad flag syntax is a kBadRequest here.
Result<nlohmann::json> spec_from_args(const JobArgs& args, JobKind kind);

}  // namespace sweep::cli
