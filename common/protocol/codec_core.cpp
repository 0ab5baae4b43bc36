#include "codec_frames.hpp"

namespace sweep::protocol::codec {

std::string Path::str() const {
  if (!parent) return std::string(key);
  std::string s = parent->str();
  if (index != SIZE_MAX) return s + "[" + std::to_string(index) + "]";
  s += '.';
  s += key;
  return s;
}

bool Ctx::fail(const Path& p, std::string_view what, Code code) {
  if (ok()) status_ = Status(code, p.str() + ": " + std::string(what));
  return false;
}

bool bad_key(Ctx& ctx) {
  return ctx.fail(
      Status::BadRequest("frame is not a valid msgpack value (map keys must be strings)"));
}

namespace {

void put_json_at(W& w, const nlohmann::json& j, int depth) {
  using V = nlohmann::json::value_t;
  if (depth > kMaxMessageDepth) {
    w.pk.pack_nil();
    return;
  }
  switch (j.type()) {
    case V::null:
    case V::discarded:
      w.pk.pack_nil();
      return;
    case V::boolean:
      j.get<bool>() ? w.pk.pack_true() : w.pk.pack_false();
      return;
    case V::number_unsigned:
      w.pk.pack_uint64(j.get<uint64_t>());
      return;
    case V::number_integer:
      w.pk.pack_int64(j.get<int64_t>());
      return;
    case V::number_float:
      put_f64(w, j.get<double>());
      return;
    case V::string:
      put_str(w, j.get_ref<const std::string&>());
      return;
    case V::binary: {
      const auto& b = j.get_binary();
      w.pk.pack_bin(static_cast<uint32_t>(b.size()));
      w.pk.pack_bin_body(reinterpret_cast<const char*>(b.data()), static_cast<uint32_t>(b.size()));
      return;
    }
    case V::array:
      w.pk.pack_array(static_cast<uint32_t>(j.size()));
      for (const auto& e : j) put_json_at(w, e, depth + 1);
      return;
    case V::object:
      w.pk.pack_map(static_cast<uint32_t>(j.size()));
      for (const auto& [k, v] : j.items()) {  // std::map: keys sorted bytewise
        put_str(w, k);
        put_json_at(w, v, depth + 1);
      }
      return;
  }
}

}  // namespace

void put_json(W& w, const nlohmann::json& j) {
  put_json_at(w, j, 0);
}

bool get_json(const Obj& o, nlohmann::json& out, const Path& p, Ctx& ctx) {
  switch (o.type) {
    case mt::NIL:
      out = nullptr;
      return true;
    case mt::BOOLEAN:
      out = o.via.boolean;
      return true;
    case mt::POSITIVE_INTEGER:
      out = o.via.u64;
      return true;
    case mt::NEGATIVE_INTEGER:
      out = o.via.i64;
      return true;
    case mt::FLOAT32:
    case mt::FLOAT64:
      out = o.via.f64;
      return true;
    case mt::STR:
      out = std::string(str_of(o));
      return true;
    case mt::ARRAY: {
      out = nlohmann::json::array();
      auto& a = out.get_ref<nlohmann::json::array_t&>();
      a.resize(o.via.array.size);
      for (uint32_t i = 0; i < o.via.array.size; ++i)
        if (!get_json(o.via.array.ptr[i], a[i], at(p, i), ctx)) return false;
      return true;
    }
    case mt::MAP: {
      out = nlohmann::json::object();
      auto& m = out.get_ref<nlohmann::json::object_t&>();
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        if (kv.key.type != mt::STR) return bad_key(ctx);
        const std::string_view k = str_of(kv.key);
        // Sorted keys (as the reference encoder writes them) go in at the end without a search;
        // a repeated key keeps its last value, as before.
        auto it = !m.empty() && !(m.rbegin()->first < k) ? m.find(k) : m.end();
        if (it == m.end()) it = m.emplace_hint(m.end(), std::string(k), nullptr);
        if (!get_json(kv.val, it->second, at(p, k), ctx)) return false;
      }
      return true;
    }
    default:  // bin, ext: JSON has no such values
      return ctx.fail(p, "expected JSON content (a map, array, string, number, bool or nil)");
  }
}

Status unpack(std::string_view bytes, size_t max_bytes, msgpack::object_handle& out) {
  if (bytes.size() > max_bytes)
    return Status::TooLarge("frame of " + std::to_string(bytes.size()) +
                            " bytes is over the limit of " + std::to_string(max_bytes));
  // No container can hold more items than the frame has bytes: a header declaring more is
  // refused before msgpack-c allocates for it.
  const size_t n = bytes.size();
  const msgpack::unpack_limit limit(n, n / 2, n, n, n, kMaxMessageDepth);
  const auto reference = [](mt::object_type, size_t, void*) { return true; };
  size_t off = 0;
  try {
    bool referenced = false;
    out = msgpack::unpack(bytes.data(), n, off, referenced, reference, nullptr, limit);
  } catch (const msgpack::depth_size_overflow&) {
    return Status::BadRequest("frame nests maps and arrays deeper than " +
                              std::to_string(kMaxMessageDepth));
  } catch (const std::exception& e) {
    return Status::BadRequest(std::string("frame is not a valid msgpack value (") + e.what() + ")");
  }
  if (off != n) return Status::BadRequest("frame has bytes after its msgpack value");
  return Status::Ok();
}

Result<std::string_view> read_envelope(const Obj& root) {
  if (root.type != mt::MAP) return Status::BadRequest("frame is not a msgpack map");
  const Obj* v = nullptr;
  const Obj* type = nullptr;
  for (uint32_t i = 0; i < root.via.map.size; ++i) {
    const auto& kv = root.via.map.ptr[i];
    if (kv.key.type != mt::STR)
      return Status::BadRequest("frame is not a valid msgpack value (map keys must be strings)");
    const std::string_view k = str_of(kv.key);
    if (k == "v") v = &kv.val;
    if (k == "type") type = &kv.val;
  }
  if (!v || v->type == mt::NIL) return Status::BadRequest("v: required field missing");
  if (v->type != mt::POSITIVE_INTEGER && v->type != mt::NEGATIVE_INTEGER)
    return Status::BadRequest("v: expected an unsigned integer");
  if (v->type == mt::NEGATIVE_INTEGER || v->via.u64 != static_cast<uint64_t>(kProtocolVersion)) {
    const std::string shown =
        v->type == mt::NEGATIVE_INTEGER ? std::to_string(v->via.i64) : std::to_string(v->via.u64);
    return Status(Code::kUnsupportedVersion, "v: protocol version " + shown +
                                                 " is not supported (this peer speaks " +
                                                 std::to_string(kProtocolVersion) + ")");
  }
  if (!type || type->type == mt::NIL) return Status::BadRequest("type: required field missing");
  if (type->type != mt::STR) return Status::BadRequest("type: expected a string");
  return str_of(*type);
}

Status unknown_type(std::string_view type) {
  std::string shown(type.substr(0, 64));
  if (type.size() > 64) shown += "...";
  return Status::BadRequest("unknown message type '" + shown + "'");
}

}  // namespace sweep::protocol::codec
