// msgpack <-> nlohmann::json for the protocol codec. Private to common/protocol.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sweep/base/status.hpp"

namespace sweep::protocol::detail {

// Appends the msgpack encoding of `j`. Unlike nlohmann::json::to_msgpack, every float is written
// as float 64 (0xcb) so that the bytes do not depend on whether a value fits a float 32, and a
// NaN or infinite float is written as nil. Maps are written in the json's (sorted) key order.
void write_msgpack(const nlohmann::json& j, std::string& out);

// Parses one complete msgpack value. Checks first, without recursion, that the bytes are well
// formed, end where the value ends, declare no length beyond the input and nest no deeper than
// kMaxMessageDepth; so the recursive parser behind it is safe on hostile input. Never throws.
Result<nlohmann::json> read_msgpack(std::string_view bytes, size_t max_bytes);

// The check read_msgpack makes before parsing (well formed, one value, depth).
Status check_structure(std::string_view bytes);

// Writers of single msgpack items, in the encodings write_msgpack uses.
void put_uint(std::string& out, uint64_t v);
void put_int(std::string& out, int64_t v);
void put_double(std::string& out, double d);  // float 64; NaN or infinite -> nil
void put_str(std::string& out, std::string_view s);
void put_map_header(std::string& out, size_t n);
void put_array_header(std::string& out, size_t n);
inline void put_nil(std::string& out) {
  out.push_back(static_cast<char>(0xc0));
}
inline void put_bool(std::string& out, bool b) {
  out.push_back(static_cast<char>(b ? 0xc3 : 0xc2));
}

}  // namespace sweep::protocol::detail
