// msgpack <-> nlohmann::json for the protocol codec. Private to common/src/protocol.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sweep/status.hpp"

namespace sweep::protocol::detail {

// Appends the msgpack encoding of `j`. Unlike nlohmann::json::to_msgpack, every float is written
// as float 64 (0xcb) so that the bytes do not depend on whether a value fits a float 32, and a
// NaN or infinite float is written as nil. Maps are written in the json's (sorted) key order.
void write_msgpack(const nlohmann::json& j, std::string& out);

// Parses one complete msgpack value. Checks first, without recursion, that the bytes are well
// formed, end where the value ends, declare no length beyond the input and nest no deeper than
// kMaxMessageDepth; so the recursive parser behind it is safe on hostile input. Never throws.
Result<nlohmann::json> read_msgpack(std::string_view bytes, size_t max_bytes);

}  // namespace sweep::protocol::detail
