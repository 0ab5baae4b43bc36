// Whole frames (private to common/protocol): msgpack-c's unpack under limits, the envelope of
// docs/PROTOCOL.md §3, and a direction's dispatch from `type` to the message's Schema.
#pragma once

#include "codec_core.hpp"

namespace sweep::protocol::codec {

// ---- frames ----

// Parses one frame with msgpack-c under limits (depth kMaxMessageDepth, no container or string
// longer than the frame itself), referencing the bytes rather than copying strings: `bytes` must
// outlive `out`. Errors: too_large over max_bytes, bad_request for anything but one whole msgpack
// value. Never throws.
Status unpack(std::string_view bytes, size_t max_bytes, msgpack::object_handle& out);

// The envelope of a root map: v == 1 and a string type, in the order docs/PROTOCOL.md §3 gives.
Result<std::string_view> read_envelope(const Obj& root);

// One message type of a direction: its `type` and how to decode its root map into a V.
template <class V>
struct Entry {
  std::string_view type;
  bool (*decode)(const Obj& root, std::string_view type, V& out, Ctx& ctx);
};
template <class V, class S>
bool decode_as(const Obj& root, std::string_view type, V& out, Ctx& ctx) {
  S s{};
  const Path path{nullptr, type};
  if (!get_fields(root, s, path, ctx)) return false;
  out = V(std::move(s));
  return true;
}
template <class V, class S>
constexpr Entry<V> entry() {
  return {Schema<S>::type, &decode_as<V, S>};
}

Status unknown_type(std::string_view type);

// Decodes a frame of direction V with the entries of its message types.
template <class V, size_t N>
Result<V> decode_frame(std::string_view bytes, size_t max_bytes,
                       const std::array<Entry<V>, N>& entries) {
  msgpack::object_handle h;
  if (Status s = unpack(bytes, max_bytes, h); !s.ok()) return s;
  try {
    auto type = read_envelope(h.get());
    if (!type.ok()) return type.status();
    for (const auto& e : entries) {
      if (e.type != *type) continue;
      V out;
      Ctx ctx;
      if (!e.decode(h.get(), *type, out, ctx)) return ctx.status();
      return out;
    }
    return unknown_type(*type);
  } catch (const std::exception& e) {  // bad_alloc, or a bug: never out of the codec
    return Status::BadRequest(std::string("frame could not be decoded: ") + e.what());
  }
}

// One frame: the map of `s` with the envelope.
template <class S>
std::string encode_message(const S& s, std::string_view type = Schema<S>::type) {
  std::string out;
  out.reserve(128);
  W w(out);
  put_struct<S, true>(w, s, type);
  return out;
}

}  // namespace sweep::protocol::codec
