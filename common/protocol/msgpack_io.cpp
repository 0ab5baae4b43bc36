#include "msgpack_io.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "sweep/base/limits.hpp"

namespace sweep::protocol::detail {
namespace {

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_uint_impl(std::string& out, uint64_t v) {
  if (v < 0x80) {
    out.push_back(static_cast<char>(v));
  } else if (v <= 0xff) {
    out.push_back(static_cast<char>(0xcc));
    put_be(out, v, 1);
  } else if (v <= 0xffff) {
    out.push_back(static_cast<char>(0xcd));
    put_be(out, v, 2);
  } else if (v <= 0xffffffffu) {
    out.push_back(static_cast<char>(0xce));
    put_be(out, v, 4);
  } else {
    out.push_back(static_cast<char>(0xcf));
    put_be(out, v, 8);
  }
}

void put_int_impl(std::string& out, int64_t v) {
  if (v >= 0) return put_uint_impl(out, static_cast<uint64_t>(v));
  const auto u = static_cast<uint64_t>(v);
  if (v >= -32) {
    out.push_back(static_cast<char>(v));
  } else if (v >= INT8_MIN) {
    out.push_back(static_cast<char>(0xd0));
    put_be(out, u, 1);
  } else if (v >= INT16_MIN) {
    out.push_back(static_cast<char>(0xd1));
    put_be(out, u, 2);
  } else if (v >= INT32_MIN) {
    out.push_back(static_cast<char>(0xd2));
    put_be(out, u, 4);
  } else {
    out.push_back(static_cast<char>(0xd3));
    put_be(out, u, 8);
  }
}

void put_len(std::string& out, size_t n, uint8_t fix, uint8_t fix_max, int b8, uint8_t b16,
             uint8_t b32) {
  if (n <= fix_max) {
    out.push_back(static_cast<char>(fix | n));
  } else if (b8 >= 0 && n <= 0xff) {
    out.push_back(static_cast<char>(b8));
    put_be(out, n, 1);
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(b16));
    put_be(out, n, 2);
  } else {
    out.push_back(static_cast<char>(b32));
    put_be(out, n, 4);
  }
}

// Bytes a header declares after itself, by first byte: {fixed header bytes, length-field bytes,
// item multiplier (0 = payload bytes, 1 = array items, 2 = map items)}.
struct Head {
  size_t header = 1;   // including the type byte
  size_t payload = 0;  // bytes of payload (scalars, str, bin, ext)
  uint64_t items = 0;  // child values (arrays, maps x2)
  bool container = false;
  bool valid = true;
};

uint64_t get_be(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// Reads the header at p (with `left` bytes available); false when it does not fit.
bool read_head(const unsigned char* p, size_t left, Head& h) {
  const unsigned b = p[0];
  auto sized = [&](int len_bytes, int extra, bool payload, int mult) {
    if (left < static_cast<size_t>(1 + len_bytes + extra)) return false;
    const uint64_t n = get_be(p + 1, len_bytes);
    h.header = 1 + len_bytes + extra;
    if (payload) {
      h.payload = n;
    } else {
      h.items = n * mult;
      h.container = true;
    }
    return true;
  };
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) return true;
  if (b >= 0x80 && b <= 0x8f) return h.items = 2 * (b & 0x0f), h.container = true;
  if (b >= 0x90 && b <= 0x9f) return h.items = b & 0x0f, h.container = true;
  if (b >= 0xa0 && b <= 0xbf) return h.payload = b & 0x1f, true;
  switch (b) {
    case 0xc4:
    case 0xd9:
      return sized(1, 0, true, 0);
    case 0xc5:
    case 0xda:
      return sized(2, 0, true, 0);
    case 0xc6:
    case 0xdb:
      return sized(4, 0, true, 0);
    case 0xc7:
      return sized(1, 1, true, 0);  // ext 8: length, type
    case 0xc8:
      return sized(2, 1, true, 0);
    case 0xc9:
      return sized(4, 1, true, 0);
    case 0xca:
    case 0xce:
    case 0xd2:
      return h.payload = 4, true;
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return h.payload = 8, true;
    case 0xcc:
    case 0xd0:
      return h.payload = 1, true;
    case 0xcd:
    case 0xd1:
      return h.payload = 2, true;
    case 0xd4:
      return h.payload = 2, true;  // fixext: type + data
    case 0xd5:
      return h.payload = 3, true;
    case 0xd6:
      return h.payload = 5, true;
    case 0xd7:
      return h.payload = 9, true;
    case 0xd8:
      return h.payload = 17, true;
    case 0xdc:
      return sized(2, 0, false, 1);
    case 0xdd:
      return sized(4, 0, false, 1);
    case 0xde:
      return sized(2, 0, false, 2);
    case 0xdf:
      return sized(4, 0, false, 2);
    default:
      h.valid = false;
      return true;  // 0xc1: never used
  }
}

Status check_structure_impl(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t pos = 0;
  std::vector<uint64_t> pending;  // children still to read, per open container
  const Status bad = Status::BadRequest("frame is not a valid msgpack value");
  do {
    if (pos >= n) return bad;
    Head h;
    if (!read_head(p + pos, n - pos, h) || !h.valid) return bad;
    pos += h.header;
    if (h.payload > n - pos) return bad;
    pos += h.payload;
    if (!pending.empty()) --pending.back();
    if (h.container && h.items > 0) {
      if (h.items > n - pos) return bad;  // every item takes at least one byte
      if (static_cast<int>(pending.size()) >= kMaxMessageDepth)
        return Status::BadRequest("frame nests maps and arrays deeper than " +
                                  std::to_string(kMaxMessageDepth));
      pending.push_back(h.items);
    }
    while (!pending.empty() && pending.back() == 0) pending.pop_back();
  } while (!pending.empty());
  if (pos != n) return Status::BadRequest("frame has bytes after its msgpack value");
  return Status::Ok();
}

// Builds the JSON value of the msgpack value at p[pos], which check_structure_impl has already
// walked: every header and payload fits, one value, depth bounded; no bounds checks left to do.
// The same values as nlohmann::json::from_msgpack (positive ints unsigned, int8..64 signed,
// float32 widened, bin and ext as binary with ext's subtype, the last of duplicate keys wins),
// but a string is one copy of its bytes: nlohmann's reader appends them one by one, which made a
// 1 MB string cost ~100x the copy (and stalled a sanitized broker for seconds).
bool is_str(unsigned b) {
  return (b >= 0xa0 && b <= 0xbf) || b == 0xd9 || b == 0xda || b == 0xdb;
}

nlohmann::json build_value(const unsigned char* p, size_t& pos) {
  const unsigned b = p[pos];
  Head h;
  read_head(p + pos, ~size_t{0}, h);  // fits: checked
  const unsigned char* body = p + pos + h.header;
  pos += h.header + h.payload;
  auto str = [&] { return std::string(reinterpret_cast<const char*>(body), h.payload); };
  auto be = [&](int bytes) { return get_be(body, bytes); };
  if (b <= 0x7f) return static_cast<uint64_t>(b);
  if (b >= 0xe0) return static_cast<int64_t>(static_cast<int8_t>(b));
  if (is_str(b)) return str();
  if (h.container) {
    const bool map = (b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf;
    if (!map) {
      nlohmann::json a = nlohmann::json::array();
      a.get_ref<nlohmann::json::array_t&>().reserve(h.items);
      for (uint64_t i = 0; i < h.items; ++i) a.push_back(build_value(p, pos));
      return a;
    }
    nlohmann::json o = nlohmann::json::object();
    for (uint64_t i = 0; i < h.items / 2; ++i) {
      if (!is_str(p[pos])) throw std::invalid_argument("map keys must be strings");
      nlohmann::json key = build_value(p, pos);
      o[key.get_ref<const std::string&>()] = build_value(p, pos);
    }
    return o;
  }
  switch (b) {
    case 0xc0:
      return nullptr;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return nlohmann::json::binary(std::vector<uint8_t>(body, body + h.payload));
    case 0xc7:
    case 0xc8:
    case 0xc9:
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: {
      // ext: the type byte is the header's last byte for ext 8/16/32, the payload's first for
      // fixext.
      const unsigned char* data = body;
      size_t len = h.payload;
      uint8_t type;  // the int8 type byte as nlohmann keeps it: its unsigned value
      if (b >= 0xd4) {
        type = data[0];
        ++data;
        --len;
      } else {
        type = data[-1];
      }
      return nlohmann::json::binary(std::vector<uint8_t>(data, data + len), type);
    }
    case 0xca: {
      const auto bits = static_cast<uint32_t>(be(4));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return static_cast<double>(f);
    }
    case 0xcb: {
      const uint64_t bits = be(8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
    case 0xcc:
      return be(1);
    case 0xcd:
      return be(2);
    case 0xce:
      return be(4);
    case 0xcf:
      return be(8);
    case 0xd0:
      return static_cast<int64_t>(static_cast<int8_t>(be(1)));
    case 0xd1:
      return static_cast<int64_t>(static_cast<int16_t>(be(2)));
    case 0xd2:
      return static_cast<int64_t>(static_cast<int32_t>(be(4)));
    case 0xd3:
      return static_cast<int64_t>(be(8));
    default:
      throw std::invalid_argument("unused type byte");  // 0xc1: refused by the check already
  }
}

}  // namespace

void write_msgpack(const nlohmann::json& j, std::string& out) {
  using V = nlohmann::json::value_t;
  switch (j.type()) {
    case V::null:
    case V::discarded:
      out.push_back(static_cast<char>(0xc0));
      return;
    case V::boolean:
      out.push_back(static_cast<char>(j.get<bool>() ? 0xc3 : 0xc2));
      return;
    case V::number_unsigned:
      return put_uint_impl(out, j.get<uint64_t>());
    case V::number_integer:
      return put_int_impl(out, j.get<int64_t>());
    case V::number_float: {
      const double d = j.get<double>();
      if (!std::isfinite(d)) {
        out.push_back(static_cast<char>(0xc0));
        return;
      }
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      out.push_back(static_cast<char>(0xcb));
      return put_be(out, bits, 8);
    }
    case V::string: {
      const auto& s = j.get_ref<const std::string&>();
      put_len(out, s.size(), 0xa0, 31, 0xd9, 0xda, 0xdb);
      out += s;
      return;
    }
    case V::binary: {
      const auto& b = j.get_binary();
      put_len(out, b.size(), 0xc4, 0, 0xc4, 0xc5, 0xc6);
      if (b.empty()) out.push_back(0);  // bin 8 with length 0 (no fix form)
      out.append(reinterpret_cast<const char*>(b.data()), b.size());
      return;
    }
    case V::array:
      put_len(out, j.size(), 0x90, 15, -1, 0xdc, 0xdd);
      for (const auto& e : j) write_msgpack(e, out);
      return;
    case V::object:
      put_len(out, j.size(), 0x80, 15, -1, 0xde, 0xdf);
      for (const auto& [k, v] : j.items()) {
        put_len(out, k.size(), 0xa0, 31, 0xd9, 0xda, 0xdb);
        out += k;
        write_msgpack(v, out);
      }
      return;
  }
}

Status check_structure(std::string_view bytes) {
  return check_structure_impl(bytes);
}
void put_uint(std::string& out, uint64_t v) {
  put_uint_impl(out, v);
}
void put_int(std::string& out, int64_t v) {
  put_int_impl(out, v);
}
void put_double(std::string& out, double d) {
  if (!std::isfinite(d)) return put_nil(out);
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  out.push_back(static_cast<char>(0xcb));
  put_be(out, bits, 8);
}
void put_str(std::string& out, std::string_view s) {
  put_len(out, s.size(), 0xa0, 31, 0xd9, 0xda, 0xdb);
  out += s;
}
void put_map_header(std::string& out, size_t n) {
  put_len(out, n, 0x80, 15, -1, 0xde, 0xdf);
}
void put_array_header(std::string& out, size_t n) {
  put_len(out, n, 0x90, 15, -1, 0xdc, 0xdd);
}

Result<nlohmann::json> read_msgpack(std::string_view bytes, size_t max_bytes) {
  if (bytes.size() > max_bytes)
    return Status::TooLarge("frame of " + std::to_string(bytes.size()) +
                            " bytes is over the limit of " + std::to_string(max_bytes));
  if (Status s = check_structure_impl(bytes); !s.ok()) return s;
  try {
    size_t pos = 0;
    return build_value(reinterpret_cast<const unsigned char*>(bytes.data()), pos);
  } catch (const std::invalid_argument& e) {
    return Status::BadRequest(std::string("frame is not a valid msgpack value (") + e.what() + ")");
  } catch (const std::exception& e) {
    return Status::BadRequest(std::string("frame is not a valid msgpack value: ") + e.what());
  }
}

}  // namespace sweep::protocol::detail
