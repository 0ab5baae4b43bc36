// The sweep subcommands. Each add_* registers its options on the app; when it runs, the command
// stores its exit status (DESIGN §10: 0 ok, 1 the job or request failed, 2 bad usage or input).
#pragma once

#include <CLI/CLI.hpp>

namespace sweep::cli {

enum ExitCode { kExitOk = 0, kExitFailed = 1, kExitBadInput = 2 };

void add_backtest_command(CLI::App& app, int& exit_code);
void add_optimize_command(CLI::App& app, int& exit_code);
void add_strategies_command(CLI::App& app, int& exit_code);

}  // namespace sweep::cli
