// Turning CURVE on for a ZeroMQ socket (docs/SECURITY.md). The broker binds every socket and is
// the CURVE server on all of them, whatever the message direction (its telemetry SUB included);
// workers and clients connect and are CURVE clients. Options must be set before bind/connect.
#pragma once

#include <string_view>

#include <zmq.hpp>

#include "sweep/curve/curve_keys.hpp"

namespace sweep::curve {

// CURVE server with the broker's pair; `zap_domain` names the socket to the ZAP handler
// (broker/zap_handler.hpp), which picks the allow-list by it. Throws zmq::error_t.
void make_server(zmq::socket_t& socket, const KeyPair& pair, std::string_view zap_domain);
// CURVE client of the server whose public key `keys` holds. Throws zmq::error_t.
void make_client(zmq::socket_t& socket, const ClientKeys& keys);

}  // namespace sweep::curve
