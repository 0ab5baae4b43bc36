// Default endpoints (DESIGN §1): all loopback; every one can be configured.
#pragma once

#include <string_view>

namespace sweep {

inline constexpr std::string_view kDefaultFrontend = "tcp://127.0.0.1:5555";   // ROUTER, clients
inline constexpr std::string_view kDefaultBackend = "tcp://127.0.0.1:5556";    // ROUTER, workers
inline constexpr std::string_view kDefaultEvents = "tcp://127.0.0.1:5557";     // PUB
inline constexpr std::string_view kDefaultTelemetry = "tcp://127.0.0.1:5558";  // SUB (bound)
inline constexpr std::string_view kDefaultHttp = "127.0.0.1:8080";             // sweep-gateway

}  // namespace sweep
