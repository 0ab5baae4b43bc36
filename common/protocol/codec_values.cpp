#include <algorithm>
#include <cmath>

#include "schemas.hpp"

namespace sweep::protocol::codec {
namespace {

// Metric names: sorted for writing (the wire order), and a table for reading in any order.
struct MetricNamesTable {
  std::array<Metric, kMetricCount> sorted{};
  std::array<std::string_view, kMetricCount> names{};
  NameTable<kMetricCount> table{names};

  MetricNamesTable() {
    for (int i = 0; i < kMetricCount; ++i) {
      sorted[static_cast<size_t>(i)] = static_cast<Metric>(i);
      names[static_cast<size_t>(i)] = metric_name(static_cast<Metric>(i));
    }
    std::sort(sorted.begin(), sorted.end(),
              [](Metric a, Metric b) { return metric_name(a) < metric_name(b); });
    table = NameTable<kMetricCount>(names);
  }
};
const MetricNamesTable& metric_names() {
  static const MetricNamesTable t;
  return t;
}

}  // namespace

bool Goal::get(const Obj& o, bool& maximize, const Path& p, Ctx& ctx) {
  std::string s;
  if (!Str<16>::get(o, s, p, ctx)) return false;
  if (s != "maximize" && s != "minimize") return ctx.fail(p, "expected 'maximize' or 'minimize'");
  maximize = s == "maximize";
  return true;
}

void MetricsCodec::put(W& w, const Metrics& m) {
  w.pk.pack_map(kMetricCount);
  for (Metric k : metric_names().sorted) {
    put_str(w, metric_name(k));
    put_f64(w, m[k]);
  }
}

bool MetricsCodec::get(const Obj& o, Metrics& m, const Path& p, Ctx& ctx) {
  if (o.type != mt::MAP) return ctx.fail(p, "expected a map");
  m = Metrics();
  const auto& names = metric_names();
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type != mt::STR) return bad_key(ctx);
    const std::string_view name = str_of(kv.key);
    const int metric = names.table.find(name);
    if (metric < 0 || kv.val.type == mt::NIL) continue;  // a newer peer's metric: ignored
    double d = 0;
    if (!number(kv.val, d)) return ctx.fail(at(p, name), "expected a number or nil");
    m.values[metric] = d;
  }
  return true;
}

void ParamsCodec::put(W& w, const ParamSet& p) {
  // Written in name order; a set is usually in its schema's order, so sort pointers.
  std::array<const std::pair<std::string, ParamValue>*, 16> small;
  std::vector<const std::pair<std::string, ParamValue>*> large;
  const auto& items = p.items();
  auto* first = small.data();
  if (items.size() > small.size()) {
    large.resize(items.size());
    first = large.data();
  }
  for (size_t i = 0; i < items.size(); ++i) first[i] = &items[i];
  std::sort(first, first + items.size(), [](auto* a, auto* b) { return a->first < b->first; });
  w.pk.pack_map(static_cast<uint32_t>(items.size()));
  for (size_t i = 0; i < items.size(); ++i) {
    put_str(w, first[i]->first);
    const ParamValue& v = first[i]->second;
    if (const auto* n = std::get_if<int64_t>(&v))
      w.pk.pack_int64(*n);
    else if (const auto* d = std::get_if<double>(&v))
      put_f64(w, *d);
    else
      put_str(w, std::get<std::string>(v));
  }
}

bool ParamsCodec::get(const Obj& o, ParamSet& out, const Path& p, Ctx& ctx) {
  if (o.type != mt::MAP) return ctx.fail(p, "expected a map");
  std::vector<std::pair<std::string_view, ParamValue>> items;
  items.reserve(o.via.map.size);
  bool sorted = true;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type != mt::STR) return bad_key(ctx);
    const std::string_view name = str_of(kv.key);
    const Obj& v = kv.val;
    if (v.type == mt::POSITIVE_INTEGER || v.type == mt::NEGATIVE_INTEGER) {
      int64_t n = 0;
      if (!I64::get(v, n, at(p, name), ctx)) return false;
      items.emplace_back(name, n);
    } else if (v.type == mt::FLOAT32 || v.type == mt::FLOAT64) {
      // A parameter has a value: NaN or infinity is no parameter (and would not re-encode).
      if (!std::isfinite(v.via.f64)) return ctx.fail(at(p, name), "expected a finite number");
      items.emplace_back(name, v.via.f64);
    } else if (v.type == mt::STR) {
      items.emplace_back(name, std::string(str_of(v)));
    } else {
      return ctx.fail(at(p, name), "expected an integer, a float or a string");
    }
    if (i > 0 && !(items[i - 1].first < name)) sorted = false;
  }
  // A set in name order whatever order the peer wrote (and for a repeated name, its last value).
  if (!sorted)
    std::stable_sort(items.begin(), items.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  out = ParamSet();
  for (auto& [name, v] : items) out.set(std::string(name), std::move(v));
  return true;
}

void EquityCodec::put(W& w, const std::vector<double>& v) {
  w.pk.pack_array(static_cast<uint32_t>(v.size()));
  for (double d : v) put_f64(w, d);
}

bool EquityCodec::get(const Obj& o, std::vector<double>& out, const Path& p, Ctx& ctx) {
  if (o.type != mt::ARRAY) return ctx.fail(p, "expected an array");
  if (o.via.array.size > kMaxEquityPoints)
    return ctx.fail(p, "more than " + std::to_string(kMaxEquityPoints) + " points",
                    Code::kTooLarge);
  out.resize(o.via.array.size);
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    const Obj& e = o.via.array.ptr[i];
    if (e.type == mt::NIL)
      out[i] = std::nan("");
    else if (!number(e, out[i]))
      return ctx.fail(at(p, i), "expected a number");
  }
  return true;
}

void BlocksCodec::put(W& w, const std::vector<BlockSums>& v) {
  w.pk.pack_array(static_cast<uint32_t>(3 * v.size()));
  for (const BlockSums& b : v) {
    w.pk.pack_uint64(b.count);
    put_f64(w, b.sum);
    put_f64(w, b.sum_sq);
  }
}

bool BlocksCodec::get(const Obj& o, std::vector<BlockSums>& out, const Path& p, Ctx& ctx) {
  if (o.type != mt::ARRAY) return ctx.fail(p, "expected an array");
  const uint32_t n = o.via.array.size;
  if (n % 3 != 0) return ctx.fail(p, "expected count, sum, sum of squares per block");
  if (n > 3 * kMaxReturnBlocks)
    return ctx.fail(p, "more than " + std::to_string(kMaxReturnBlocks) + " blocks",
                    Code::kTooLarge);
  out.resize(n / 3);
  for (uint32_t b = 0; b < n / 3; ++b) {
    const Obj* e = o.via.array.ptr + 3 * b;
    if (!U32::get(e[0], out[b].count, at(p, 3 * b), ctx) ||
        !F64::get(e[1], out[b].sum, at(p, 3 * b + 1), ctx) ||
        !F64::get(e[2], out[b].sum_sq, at(p, 3 * b + 2), ctx))
      return false;
  }
  return true;
}

}  // namespace sweep::protocol::codec
