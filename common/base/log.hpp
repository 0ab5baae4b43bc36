// Diagnostics of every Sweep process, through spdlog, on stderr:
//   [2026-12-01 20:45:08.123] [warning] sweep-broker: worker w1 gone (missed heartbeats)
// The level comes from each binary's --log-level. What a command prints as its result or its
// usage error (the CLI's tables, "sweep: bad input ...") is output, not a log, and stays plain.
// Call sites use spdlog's own functions (spdlog::info("job {} ...", id)).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "sweep/base/status.hpp"

namespace sweep::log {

inline constexpr std::string_view kDefaultLevel = "info";
// "trace", "debug", "info", "warning", "error", "critical", "off": for --log-level's check.
std::vector<std::string> level_names();

// Makes spdlog's default logger write to stderr as `program` at `level` (one of level_names()).
// Call once, first thing in main; BadRequest naming --log-level for an unknown level.
Status init(std::string_view program, std::string_view level = kDefaultLevel);

}  // namespace sweep::log
