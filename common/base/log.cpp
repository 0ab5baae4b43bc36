#include "sweep/base/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace sweep::log {

std::vector<std::string> level_names() {
  std::vector<std::string> names;
  for (int l = spdlog::level::trace; l < spdlog::level::n_levels; ++l) {
    const auto name = spdlog::level::to_string_view(static_cast<spdlog::level::level_enum>(l));
    names.emplace_back(name.data(), name.size());
  }
  return names;
}

Status init(std::string_view program, std::string_view level) {
  const std::string name(level);
  const auto l = spdlog::level::from_str(name);
  // from_str answers "off" for any name it does not know.
  if (l == spdlog::level::off && name != "off")
    return Status::BadRequest("--log-level: '" + name + "' is not one of trace, debug, info, " +
                              "warning, error, critical, off");
  // Unbuffered stderr, written under a mutex: lines of several threads never interleave.
  auto logger = std::make_shared<spdlog::logger>(std::string(program),
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %n: %v");
  logger->set_level(l);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

}  // namespace sweep::log
