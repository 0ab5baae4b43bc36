// sweep: the command line (DESIGN §10).
#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Sweep: trading backtests and parameter optimizations"};
  app.require_subcommand(1);
  int exit_code = sweep::cli::kExitOk;
  sweep::cli::add_backtest_command(app, exit_code);
  sweep::cli::add_optimize_command(app, exit_code);
  sweep::cli::add_strategies_command(app, exit_code);
  sweep::cli::add_submit_command(app, exit_code);
  sweep::cli::add_watch_command(app, exit_code);
  sweep::cli::add_query_commands(app, exit_code);
  sweep::cli::add_up_command(app, exit_code);
  sweep::cli::add_keygen_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // --help is success; every other parse error is bad usage.
    return code == 0 ? 0 : sweep::cli::kExitBadInput;
  }
  return exit_code;
}
