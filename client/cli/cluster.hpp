// What the cluster commands (submit, status, watch, cancel, list, show, trials, health) share:
// the --broker/--timeout options, the client they make, and the way they show replies.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "sweep/client.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::cli {

struct BrokerArgs {
  std::string broker;     // --broker, else $SWEEP_BROKER, else the default frontend
  int timeout_ms = 3000;  // per attempt
  bool json = false;
  std::string curve_server_key;  // --curve-server-key, else $SWEEP_CURVE_SERVER_KEY
  std::string curve_key;         // --curve-key, else $SWEEP_CURVE_KEY
};

// Registers --broker, --timeout, the CURVE key files and (when `json_flag`) --json.
void add_broker_options(CLI::App* cmd, BrokerArgs& args, bool json_flag = true);
// Fails (bad input) when a CURVE key file cannot be read or only one of the two is given.
Result<std::unique_ptr<client::Client>> make_client(const BrokerArgs& args);

// Prints the error (one line on stderr) and returns its exit status. A broker that never answered
// may be one that refuses this client's keys: the message says so.
int fail(const Status& s);

// "2026-11-26 11:05:03Z", "-" when absent.
std::string format_ts(const std::optional<int64_t>& ms);
// "sharpe=1.23 (fast=10 slow=30)"; "" when the objective is unknown.
std::string format_best(const protocol::TrialRecord& t, const std::string& objective_metric);
// The objective metric of a stored spec ("" when it has none).
std::string objective_metric(const nlohmann::json& spec);

// Follows job `id` on its events until it is terminal, with a progress bar on stderr; Ctrl-C asks
// whether to cancel the job. Returns 0 when the job completed, 1 when it failed or was cancelled.
int watch_job(client::Client& c, const std::string& id, bool json);

}  // namespace sweep::cli
