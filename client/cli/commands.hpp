// The sweep subcommands. Each add_* registers its options on the app; when it runs, the command
// stores its exit status (DESIGN §10: 0 ok, 1 the job or request failed, 2 bad usage or input).
#pragma once

#include <CLI/CLI.hpp>

namespace sweep::cli {

enum ExitCode { kExitOk = 0, kExitFailed = 1, kExitBadInput = 2 };

void add_backtest_command(CLI::App& app, int& exit_code);
void add_optimize_command(CLI::App& app, int& exit_code);
void add_strategies_command(CLI::App& app, int& exit_code);
// Cluster commands (DESIGN §10): submit, watch (submit_command.cpp); status, cancel, show,
// trials, list, health (query_commands.cpp); up (up_command.cpp).
void add_submit_command(CLI::App& app, int& exit_code);
void add_watch_command(CLI::App& app, int& exit_code);
void add_query_commands(CLI::App& app, int& exit_code);
void add_up_command(CLI::App& app, int& exit_code);
void add_keygen_command(CLI::App& app, int& exit_code);

}  // namespace sweep::cli
