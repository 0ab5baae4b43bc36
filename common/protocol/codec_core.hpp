// The machinery of the table-driven codec (private to common/protocol). A message or nested map
// is described once, by a Schema<S> specialization listing its fields as {name, &S::member,
// presence} with a codec type per field; from it come the encoder (msgpack::packer, keys sorted
// bytewise as docs/PROTOCOL.md's reference encoder writes them) and the decoder (one pass over a
// msgpack::object map into slots, then each field in table order, which is the order in which
// errors are reported: "<type>.<field>: expected a string").
//
// A codec type C has `put(W&, const T&)` and `get(const Obj&, T&, const Path&, Ctx&) -> bool`
// (false: Ctx holds the error), and may have `empty(const T&)` (written as nil when the field is
// optional), `clear(T&)` (the value of a nil optional) and kEmptyStrIsNil (an empty string reads
// as nil: the field keeps its default).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include "sweep/base/limits.hpp"
#include "sweep/base/status.hpp"

namespace sweep::protocol::codec {

using Obj = msgpack::object;
namespace mt = msgpack::type;

// ---- output ----

// The packer's stream: appends to a string.
struct Sink {
  std::string* out;
  void write(const char* p, size_t n) { out->append(p, n); }
};
struct W {
  explicit W(std::string& s) : sink{&s}, pk(sink) {}
  Sink sink;
  msgpack::packer<Sink> pk;
};

inline void put_str(W& w, std::string_view s) {
  w.pk.pack_str(static_cast<uint32_t>(s.size()));
  w.pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}
// Float 64 always, NaN and infinity as nil. Not packer::pack_double: msgpack-c 4 writes a double
// with an integral value as an integer, which would change the wire bytes (the protocol writes
// every float as float 64, `0xcb`).
inline void put_f64(W& w, double d) {
  if (!std::isfinite(d)) {
    w.pk.pack_nil();
    return;
  }
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  char b[9];
  b[0] = static_cast<char>(0xcb);
  for (int i = 0; i < 8; ++i) b[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
  w.sink.write(b, sizeof b);
}

// ---- decoding state ----

// Where a value is, for error messages: "batch.trials[0].params.fast". Lives on the stack; the
// string is made only when an error is reported.
struct Path {
  const Path* parent = nullptr;
  std::string_view key;
  size_t index = SIZE_MAX;  // an array element when set
  std::string str() const;
};
inline Path at(const Path& p, std::string_view key) {
  return Path{&p, key};
}
inline Path at(const Path& p, size_t i) {
  return Path{&p, {}, i};
}

class Ctx {
 public:
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // Always false, for `return ctx.fail(...)`.
  bool fail(const Path& p, std::string_view what, Code code = Code::kBadRequest);
  bool fail(Status s) {
    if (ok()) status_ = std::move(s);
    return false;
  }

 private:
  Status status_;
};

inline std::string_view str_of(const Obj& o) {
  return {o.via.str.ptr, o.via.str.size};
}
bool bad_key(Ctx& ctx);  // a map key that is not a string

// ---- names -> field index, independent of the order keys arrive in ----

// Open addressing over a hash of (length, first, last byte); every probe compares the whole name.
template <size_t N>
struct NameTable {
  static constexpr size_t kSlots = 64;
  static_assert(N < kSlots / 2, "too many names for one table");
  std::array<std::string_view, N> names{};
  std::array<uint8_t, kSlots> slot{};  // index + 1; 0 = empty

  static constexpr size_t hash(std::string_view k) {
    if (k.empty()) return 0;
    return k.size() * 7 + static_cast<uint8_t>(k[0]) * 3 + static_cast<uint8_t>(k.back());
  }
  constexpr explicit NameTable(const std::array<std::string_view, N>& n) : names(n) {
    for (size_t i = 0; i < N; ++i) {
      size_t h = hash(n[i]) % kSlots;
      while (slot[h] != 0) h = (h + 1) % kSlots;
      slot[h] = static_cast<uint8_t>(i + 1);
    }
  }
  // The index of `k`, or -1.
  constexpr int find(std::string_view k) const {
    for (size_t h = hash(k) % kSlots;; h = (h + 1) % kSlots) {
      if (slot[h] == 0) return -1;
      if (names[slot[h] - 1] == k) return slot[h] - 1;
    }
  }
};

// ---- scalar codecs ----

template <size_t Max = SIZE_MAX>
struct Str {
  static void put(W& w, const std::string& s) { put_str(w, s); }
  static bool get(const Obj& o, std::string& out, const Path& p, Ctx& ctx) {
    if (o.type != mt::STR) return ctx.fail(p, "expected a string");
    if (o.via.str.size > Max)
      return ctx.fail(p, "longer than " + std::to_string(Max) + " bytes", Code::kTooLarge);
    out.assign(o.via.str.ptr, o.via.str.size);
    return true;
  }
  static bool empty(const std::string& s) { return s.empty(); }
  static void clear(std::string& s) { s.clear(); }
};
using Id = Str<kMaxIdLength>;

inline bool get_u64(const Obj& o, uint64_t& out, const Path& p, Ctx& ctx) {
  // msgpack-c reads every non-negative integer, whatever its format, as POSITIVE_INTEGER.
  if (o.type != mt::POSITIVE_INTEGER) return ctx.fail(p, "expected an unsigned integer");
  out = o.via.u64;
  return true;
}
struct U64 {
  static void put(W& w, uint64_t v) { w.pk.pack_uint64(v); }
  static bool get(const Obj& o, uint64_t& out, const Path& p, Ctx& ctx) {
    return get_u64(o, out, p, ctx);
  }
};
struct U32 {
  static void put(W& w, uint32_t v) { w.pk.pack_uint64(v); }
  static bool get(const Obj& o, uint32_t& out, const Path& p, Ctx& ctx) {
    uint64_t v = 0;
    if (!get_u64(o, v, p, ctx)) return false;
    if (v > std::numeric_limits<uint32_t>::max())
      return ctx.fail(p, "expected a 32-bit unsigned integer");
    out = static_cast<uint32_t>(v);
    return true;
  }
};
struct I64 {
  static void put(W& w, int64_t v) { w.pk.pack_int64(v); }  // >= 0: the unsigned formats
  static bool get(const Obj& o, int64_t& out, const Path& p, Ctx& ctx) {
    if (o.type == mt::NEGATIVE_INTEGER) {
      out = o.via.i64;
      return true;
    }
    if (o.type != mt::POSITIVE_INTEGER) return ctx.fail(p, "expected an integer");
    if (o.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return ctx.fail(p, "integer out of the int64 range");
    out = static_cast<int64_t>(o.via.u64);
    return true;
  }
};
// Any number as a double; false (no error recorded) for anything else.
inline bool number(const Obj& o, double& out) {
  switch (o.type) {
    case mt::FLOAT32:
    case mt::FLOAT64:
      out = o.via.f64;
      return true;
    case mt::POSITIVE_INTEGER:
      out = static_cast<double>(o.via.u64);
      return true;
    case mt::NEGATIVE_INTEGER:
      out = static_cast<double>(o.via.i64);
      return true;
    default:
      return false;
  }
}
// A float field: any number, finite (senders write nil for an undefined value; a NaN accepted
// would re-encode as nil and no longer decode).
struct F64 {
  static void put(W& w, double d) { put_f64(w, d); }
  static bool get(const Obj& o, double& out, const Path& p, Ctx& ctx) {
    if (!number(o, out)) return ctx.fail(p, "expected a number");
    if (!std::isfinite(out)) return ctx.fail(p, "expected a finite number");
    return true;
  }
};
struct Bool {
  static void put(W& w, bool b) { b ? w.pk.pack_true() : w.pk.pack_false(); }
  static bool get(const Obj& o, bool& out, const Path& p, Ctx& ctx) {
    if (o.type != mt::BOOLEAN) return ctx.fail(p, "expected true or false");
    out = o.via.boolean;
    return true;
  }
};
// A bool whose false is "empty": for omit<> fields, so that false leaves no key on the wire.
struct Flag : Bool {
  static bool empty(bool b) { return !b; }
  static void clear(bool& b) { b = false; }
};

// A count whose 0 is "empty": for omit<> fields, so that 0 leaves no key on the wire.
struct Count : U32 {
  static bool empty(uint32_t v) { return v == 0; }
  static void clear(uint32_t& v) { v = 0; }
};

// An enum written as its name. D: {T, what, from(string_view) -> optional<T>, name(T)}.
template <class D>
struct Enum {
  using T = typename D::T;
  static constexpr bool kEmptyStrIsNil = D::kEmptyStrIsNil;
  static void put(W& w, T v) { put_str(w, D::name(v)); }
  static bool get(const Obj& o, T& out, const Path& p, Ctx& ctx) {
    std::string s;
    if (!Str<64>::get(o, s, p, ctx)) return false;
    auto v = D::from(s);
    if (!v) return ctx.fail(p, "unknown " + std::string(D::what) + " '" + s + "'");
    out = *v;
    return true;
  }
};

// std::optional<T> with T's codec C: nullopt <-> nil.
template <class C>
struct Opt {
  template <class T>
  static void put(W& w, const std::optional<T>& v) {
    C::put(w, *v);  // the field writes nil for nullopt (empty())
  }
  template <class T>
  static bool get(const Obj& o, std::optional<T>& out, const Path& p, Ctx& ctx) {
    T v{};
    if (!C::get(o, v, p, ctx)) return false;
    out = std::move(v);
    return true;
  }
  template <class T>
  static bool empty(const std::optional<T>& v) {
    return !v;
  }
  template <class T>
  static void clear(std::optional<T>& v) {
    v.reset();
  }
  static constexpr bool kEmptyStrIsNil = [] {
    if constexpr (requires { C::kEmptyStrIsNil; }) return C::kEmptyStrIsNil;
    return false;
  }();
};

// ---- fields and schemas ----

enum class Presence {
  kRequired,   // nil or absent: "required field missing"
  kOptional,   // nil or absent reads as empty; empty is written as nil
  kDefaulted,  // nil or absent keeps the struct's default; always written
  // Read as kOptional; empty is not written at all (no key): for a field added to a message
  // after its frames were pinned (golden_frames.txt), which then re-encode byte for byte.
  kOmitted,
};

template <auto Member, class C, Presence P>
struct Field {
  std::string_view name;
  static constexpr auto member = Member;
  static constexpr Presence presence = P;
  using codec = C;
};
template <auto M, class C>
constexpr Field<M, C, Presence::kRequired> req(std::string_view name) {
  return {name};
}
template <auto M, class C>
constexpr Field<M, C, Presence::kOptional> opt(std::string_view name) {
  return {name};
}
template <auto M, class C>
constexpr Field<M, C, Presence::kDefaulted> dflt(std::string_view name) {
  return {name};
}
template <auto M, class C>
constexpr Field<M, C, Presence::kOmitted> omit(std::string_view name) {
  return {name};
}

// Specialized per struct: `static constexpr auto fields = std::tuple{req<...>("name"), ...};` in
// the order errors are reported; top-level messages also `static constexpr std::string_view type`;
// optionally `static bool check(S&, uint64_t present, const Path&, Ctx&)` after the fields.
template <class S>
struct Schema;

template <class S>
constexpr size_t kFieldCount = std::tuple_size_v<std::decay_t<decltype(Schema<S>::fields)>>;

template <class S>
constexpr auto field_names() {
  return std::apply(
      [](const auto&... f) { return std::array<std::string_view, sizeof...(f)>{f.name...}; },
      Schema<S>::fields);
}
// The bit of field `name` in the `present` mask check() gets.
template <class S>
constexpr uint64_t bit(std::string_view name) {
  constexpr auto names = field_names<S>();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return uint64_t{1} << i;
  throw "no such field";  // a compile error in a constant expression
}

template <class S>
struct SchemaInfo {
  static constexpr size_t N = kFieldCount<S>;
  static_assert(N <= 64);
  static constexpr NameTable<N> table{field_names<S>()};
  // Encoding order: field indexes sorted by name; with the envelope, N = "type", N + 1 = "v".
  template <bool Envelope>
  static constexpr auto order() {
    constexpr size_t M = N + (Envelope ? 2 : 0);
    std::array<std::string_view, M> names{};
    std::array<size_t, M> idx{};
    const auto fields = field_names<S>();
    for (size_t i = 0; i < N; ++i) names[i] = fields[i], idx[i] = i;
    if constexpr (Envelope) names[N] = "type", idx[N] = N, names[N + 1] = "v", idx[N + 1] = N + 1;
    for (size_t i = 1; i < M; ++i)  // insertion sort: constexpr, and M is small
      for (size_t j = i; j > 0 && names[j] < names[j - 1]; --j) {
        std::swap(names[j], names[j - 1]);
        std::swap(idx[j], idx[j - 1]);
      }
    for (size_t i = 1; i < M; ++i)
      if (names[i] == names[i - 1]) throw "duplicate field name";
    return idx;
  }
  template <bool Envelope>
  static constexpr auto kOrder = order<Envelope>();
};

template <class S, size_t I, bool Envelope>
void put_entry(W& w, const S& s, std::string_view type) {
  constexpr size_t N = kFieldCount<S>;
  if constexpr (Envelope && I == N) {
    put_str(w, "type");
    put_str(w, type);
  } else if constexpr (Envelope && I == N + 1) {
    put_str(w, "v");
    w.pk.pack_uint64(kProtocolVersion);
  } else {
    constexpr auto f = std::get<I>(Schema<S>::fields);
    using F = std::decay_t<decltype(f)>;
    using C = typename F::codec;
    const auto& v = s.*F::member;
    if constexpr (F::presence == Presence::kOmitted) {
      if (C::empty(v)) return;  // not counted in the map's size either (omitted_count)
    }
    put_str(w, f.name);
    if constexpr (F::presence == Presence::kOptional) {
      if (C::empty(v)) {
        w.pk.pack_nil();
        return;
      }
    }
    C::put(w, v);
  }
}

// Whether field I of `s` is kOmitted and empty, and so not written.
template <class S, size_t I>
constexpr size_t omitted_one(const S& s) {
  using F = std::decay_t<decltype(std::get<I>(Schema<S>::fields))>;
  if constexpr (F::presence == Presence::kOmitted) {
    return F::codec::empty(s.*F::member) ? 1 : 0;
  } else {
    (void)s;
    return 0;
  }
}
template <class S>
size_t omitted_count(const S& s) {
  return [&]<size_t... I>(std::index_sequence<I...>) {
    return (size_t{0} + ... + omitted_one<S, I>(s));
  }
  (std::make_index_sequence<kFieldCount<S>>{});
}

// The map of `s`; with the envelope, `type` and `v` among its keys.
template <class S, bool Envelope = false>
void put_struct(W& w, const S& s, std::string_view type = {}) {
  using Info = SchemaInfo<S>;
  constexpr auto& order = Info::template kOrder<Envelope>;
  w.pk.pack_map(static_cast<uint32_t>(order.size() - omitted_count(s)));
  [&]<size_t... K>(std::index_sequence<K...>) {
    (put_entry<S, order[K], Envelope>(w, s, type), ...);
  }
  (std::make_index_sequence<order.size()>{});
}

template <class C>
constexpr bool empty_str_is_nil() {
  if constexpr (requires { C::kEmptyStrIsNil; })
    return C::kEmptyStrIsNil;
  else
    return false;
}

template <class S, size_t I>
bool get_field(const Obj* const* slots, S& s, const Path& path, Ctx& ctx, uint64_t& present) {
  constexpr auto f = std::get<I>(Schema<S>::fields);
  using F = std::decay_t<decltype(f)>;
  using C = typename F::codec;
  const Obj* v = slots[I];
  bool nil = v == nullptr || v->type == mt::NIL;
  if constexpr (empty_str_is_nil<C>()) nil = nil || (v->type == mt::STR && v->via.str.size == 0);
  if (nil) {
    if constexpr (F::presence == Presence::kRequired)
      return ctx.fail(at(path, f.name), "required field missing");
    if constexpr (F::presence == Presence::kOptional || F::presence == Presence::kOmitted)
      C::clear(s.*F::member);
    return true;
  }
  present |= uint64_t{1} << I;
  return C::get(*v, s.*F::member, at(path, f.name), ctx);
}

// Fills `s` from map `o` (whose map-ness the caller checked), `path` naming it.
template <class S>
bool get_fields(const Obj& o, S& s, const Path& path, Ctx& ctx) {
  using Info = SchemaInfo<S>;
  std::array<const Obj*, Info::N + 1> slots{};  // (+1: no zero-length array for empty messages)
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type != mt::STR) return bad_key(ctx);
    const int f = Info::table.find(str_of(kv.key));
    if (f >= 0) slots[static_cast<size_t>(f)] = &kv.val;  // a duplicate key: the last one wins
  }
  uint64_t present = 0;
  const bool ok = [&]<size_t... I>(std::index_sequence<I...>) {
    return (get_field<S, I>(slots.data(), s, path, ctx, present) && ...);
  }
  (std::make_index_sequence<Info::N>{});
  if (!ok) return false;
  if constexpr (requires { Schema<S>::check(s, present, path, ctx); })
    return Schema<S>::check(s, present, path, ctx);
  return true;
}

// A nested map described by Schema<S>.
template <class S>
struct Struct {
  static void put(W& w, const S& s) { put_struct(w, s); }
  static bool get(const Obj& o, S& s, const Path& p, Ctx& ctx) {
    if (o.type != mt::MAP) return ctx.fail(p, "expected a map");
    return get_fields(o, s, p, ctx);
  }
};

// ---- lists ----

struct Elements {
  static constexpr std::string_view unit = "elements";
};
// An array of values of codec C, at most Max of them (too_large: "more than Max <unit>").
template <class C, size_t Max = SIZE_MAX, class Unit = Elements>
struct List {
  template <class T>
  static void put(W& w, const std::vector<T>& v) {
    w.pk.pack_array(static_cast<uint32_t>(v.size()));
    for (const T& e : v) C::put(w, e);
  }
  // For omit<>: an empty list is no key, and no key (or nil) reads as an empty list.
  template <class T>
  static bool empty(const std::vector<T>& v) {
    return v.empty();
  }
  template <class T>
  static void clear(std::vector<T>& v) {
    v.clear();
  }
  template <class T>
  static bool get(const Obj& o, std::vector<T>& out, const Path& p, Ctx& ctx) {
    if (o.type != mt::ARRAY) return ctx.fail(p, "expected an array");
    if (o.via.array.size > Max)
      return ctx.fail(p, "more than " + std::to_string(Max) + " " + std::string(Unit::unit),
                      Code::kTooLarge);
    out.clear();
    out.resize(o.via.array.size);
    for (uint32_t i = 0; i < o.via.array.size; ++i)
      if (!C::get(o.via.array.ptr[i], out[i], at(p, i), ctx)) return false;
    return true;
  }
};

// ---- JSON content (a spec, a result): msgpack <-> nlohmann::json directly ----

// Positive integers unsigned, negatives signed, floats float 64 (non-finite: nil), maps with
// sorted keys; nested deeper than kMaxMessageDepth: nil (no decoder would accept it).
void put_json(W& w, const nlohmann::json& j);
// Any msgpack value but bin and ext; map keys must be strings. Depth is bounded by unpack().
bool get_json(const Obj& o, nlohmann::json& out, const Path& p, Ctx& ctx);

// A map of JSON content; as an optional field, null is nil.
struct JsonMap {
  static void put(W& w, const nlohmann::json& j) { put_json(w, j); }
  static bool get(const Obj& o, nlohmann::json& out, const Path& p, Ctx& ctx) {
    if (o.type != mt::MAP) return ctx.fail(p, "expected a map");
    return get_json(o, out, p, ctx);
  }
  static bool empty(const nlohmann::json& j) { return j.is_null(); }
  static void clear(nlohmann::json& j) { j = nullptr; }
};

// An array of JSON content (a catalog's entries).
struct JsonArray {
  static void put(W& w, const nlohmann::json& j) { put_json(w, j); }
  static bool get(const Obj& o, nlohmann::json& out, const Path& p, Ctx& ctx) {
    if (o.type != mt::ARRAY) return ctx.fail(p, "expected an array");
    return get_json(o, out, p, ctx);
  }
  static bool empty(const nlohmann::json& j) { return j.is_null(); }
  static void clear(nlohmann::json& j) { j = nlohmann::json::array(); }
};

}  // namespace sweep::protocol::codec
