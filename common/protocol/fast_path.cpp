#include "fast_path.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <msgpack.hpp>

#include "msgpack_io.hpp"
#include "sweep/jobs/result_json.hpp"

namespace sweep::protocol::detail {
namespace {

using Obj = msgpack::object;
namespace mt = msgpack::type;

// ---- encoding ----

// Metric names in bytewise order: the order the generic encoder's sorted map writes them.
const std::array<Metric, kMetricCount>& sorted_metrics() {
  static const auto order = [] {
    std::array<Metric, kMetricCount> a{};
    for (int i = 0; i < kMetricCount; ++i) a[static_cast<size_t>(i)] = static_cast<Metric>(i);
    std::sort(a.begin(), a.end(),
              [](Metric x, Metric y) { return metric_name(x) < metric_name(y); });
    return a;
  }();
  return order;
}

void put_opt_str(std::string& out, const std::string& s) {
  if (s.empty()) return put_nil(out);
  put_str(out, s);
}

void put_metrics(std::string& out, const Metrics& m) {
  put_map_header(out, kMetricCount);
  for (Metric k : sorted_metrics()) {
    put_str(out, metric_name(k));
    put_double(out, m[k]);
  }
}

void put_param_value(std::string& out, const ParamValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return put_int(out, *i);
  if (const auto* d = std::get_if<double>(&v)) return put_double(out, *d);
  put_str(out, std::get<std::string>(v));
}

void put_params(std::string& out, const ParamSet& p) {
  std::vector<const std::pair<std::string, ParamValue>*> items;
  for (const auto& kv : p.items()) items.push_back(&kv);
  std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
  put_map_header(out, items.size());
  for (const auto* kv : items) {
    put_str(out, kv->first);
    put_param_value(out, kv->second);
  }
}

void put_envelope_tail(std::string& out, std::string_view type) {
  put_str(out, "type");
  put_str(out, type);
  put_str(out, "v");
  put_uint(out, kProtocolVersion);
}

void put_result(std::string& out, const TrialResult& r) {
  put_map_header(out, 14);
  put_str(out, "attempt");
  put_uint(out, r.attempt);
  put_str(out, "bars");
  put_uint(out, r.bars);
  put_str(out, "duration_us");
  put_uint(out, r.duration_us);
  put_str(out, "equity");
  put_array_header(out, r.equity.size());
  for (double d : r.equity) put_double(out, d);
  put_str(out, "error_message");
  put_opt_str(out, r.error_message);
  put_str(out, "error_stack_trace");
  put_opt_str(out, r.error_stack_trace);
  put_str(out, "finished_at");
  put_int(out, r.finished_at);
  put_str(out, "index");
  put_uint(out, r.index);
  put_str(out, "job");
  put_str(out, r.job);
  put_str(out, "metrics");
  put_metrics(out, r.metrics);
  put_str(out, "started_at");
  put_int(out, r.started_at);
  put_str(out, "status");
  put_str(out, trial_state_name(r.status));
  put_str(out, "trade_list");
  write_msgpack(r.trade_list, out);
  put_str(out, "trades");
  put_uint(out, r.trades);
}

// ---- decoding ----

bool is_str(const Obj& o) {
  return o.type == mt::STR;
}
std::string_view str_of(const Obj& o) {
  return {o.via.str.ptr, o.via.str.size};
}
bool get_u64(const Obj& o, uint64_t& out) {
  if (o.type != mt::POSITIVE_INTEGER) return false;
  out = o.via.u64;
  return true;
}
bool get_u32(const Obj& o, uint32_t& out) {
  uint64_t v = 0;
  if (!get_u64(o, v) || v > std::numeric_limits<uint32_t>::max()) return false;
  out = static_cast<uint32_t>(v);
  return true;
}
bool get_i64(const Obj& o, int64_t& out) {
  if (o.type == mt::NEGATIVE_INTEGER) {
    out = o.via.i64;
    return true;
  }
  if (o.type == mt::POSITIVE_INTEGER &&
      o.via.u64 <= uint64_t(std::numeric_limits<int64_t>::max())) {
    out = static_cast<int64_t>(o.via.u64);
    return true;
  }
  return false;
}
bool get_f64(const Obj& o, double& out) {
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
// A float field as Reader::f64 takes it: a number, and finite.
bool get_finite(const Obj& o, double& out) {
  return get_f64(o, out) && std::isfinite(out);
}
// A required string of at most max_len bytes.
bool get_str(const Obj& o, std::string& out, size_t max_len = SIZE_MAX) {
  if (!is_str(o) || o.via.str.size > max_len) return false;
  out.assign(o.via.str.ptr, o.via.str.size);
  return true;
}
// An optional string: nil -> "".
bool get_opt_str(const Obj& o, std::string& out) {
  if (o.type == mt::NIL) {
    out.clear();
    return true;
  }
  return get_str(o, out);
}

// Calls fn(key, value) for each entry of a map with string keys in strictly increasing order;
// false if `o` is not such a map or fn says no.
template <class F>
bool each_entry(const Obj& o, F fn) {
  if (o.type != mt::MAP) return false;
  std::string_view prev;
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (!is_str(kv.key)) return false;
    const std::string_view key = str_of(kv.key);
    if (i > 0 && !(prev < key)) return false;
    prev = key;
    if (!fn(key, kv.val)) return false;
  }
  return true;
}

// nlohmann::json of a msgpack object (maps with string keys only), for the few pass-through
// fields (a dataset source, a trade list).
bool to_json(const Obj& o, nlohmann::json& out) {
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
    case mt::ARRAY:
      out = nlohmann::json::array();
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        nlohmann::json e;
        if (!to_json(o.via.array.ptr[i], e)) return false;
        out.push_back(std::move(e));
      }
      return true;
    case mt::MAP:
      out = nlohmann::json::object();
      return each_entry(
          o, [&](std::string_view k, const Obj& v) { return to_json(v, out[std::string(k)]); });
    default:
      return false;
  }
}

bool read_metrics(const Obj& o, Metrics& out) {
  out = Metrics();
  int position = 0;
  return each_entry(o, [&](std::string_view k, const Obj& v) {
    // Senders write the metrics in their canonical order: try the name at this position before
    // searching them all.
    const int at = position++;
    auto metric = at < kMetricCount && metric_name(static_cast<Metric>(at)) == k
                      ? std::optional<Metric>(static_cast<Metric>(at))
                      : metric_from_name(k);
    if (!metric || v.type == mt::NIL) return true;
    double d = 0;
    if (!get_f64(v, d)) return false;
    out[*metric] = d;
    return true;
  });
}

bool read_params(const Obj& o, ParamSet& out) {
  out = ParamSet();
  return each_entry(o, [&](std::string_view k, const Obj& v) {
    if (v.type == mt::POSITIVE_INTEGER || v.type == mt::NEGATIVE_INTEGER) {
      int64_t i = 0;
      if (!get_i64(v, i)) return false;
      out.set(std::string(k), i);
    } else if (v.type == mt::FLOAT32 || v.type == mt::FLOAT64) {
      out.set(std::string(k), v.via.f64);
    } else if (is_str(v)) {
      out.set(std::string(k), std::string(str_of(v)));
    } else {
      return false;
    }
    return true;
  });
}

// The root map: `v` must be 1 and `type` the expected one; `body` sees the other entries.
template <class F>
bool read_root(const Obj& root, std::string_view type, F body) {
  bool v_ok = false, type_ok = false;
  const bool ok = each_entry(root, [&](std::string_view k, const Obj& v) {
    if (k == "v") return v_ok = (v.type == mt::POSITIVE_INTEGER && v.via.u64 == kProtocolVersion);
    if (k == "type") return type_ok = (is_str(v) && str_of(v) == type);
    return body(k, v);
  });
  return ok && v_ok && type_ok;
}

bool read_result(const Obj& o, TrialResult& r) {
  // Required: every field but duration_us, trade_list and the two error strings.
  enum : uint32_t {
    kJob = 1,
    kIndex = 2,
    kAttempt = 4,
    kStatus = 8,
    kMetrics = 16,
    kTrades = 32,
    kEquity = 64,
    kStarted = 128,
    kFinished = 256,
    kBars = 512,
    kAll = 1023
  };
  uint32_t seen = 0;
  const bool ok = each_entry(o, [&](std::string_view k, const Obj& v) {
    if (k == "job") return seen |= kJob, get_str(v, r.job, kMaxIdLength);
    if (k == "index") return seen |= kIndex, get_u64(v, r.index);
    if (k == "attempt") return seen |= kAttempt, get_u32(v, r.attempt);
    if (k == "status") {
      seen |= kStatus;
      if (!is_str(v)) return false;
      auto st = ended_trial_state_from_name(str_of(v));
      if (!st) return false;
      r.status = *st;
      return true;
    }
    if (k == "metrics") return seen |= kMetrics, read_metrics(v, r.metrics);
    if (k == "trades") return seen |= kTrades, get_u64(v, r.trades);
    if (k == "equity") {
      seen |= kEquity;
      if (v.type != mt::ARRAY || v.via.array.size > kMaxEquityPoints) return false;
      r.equity.resize(v.via.array.size);
      for (uint32_t i = 0; i < v.via.array.size; ++i) {
        const Obj& e = v.via.array.ptr[i];
        if (e.type == mt::NIL) {
          r.equity[i] = std::nan("");
        } else if (!get_f64(e, r.equity[i])) {
          return false;
        }
      }
      return true;
    }
    if (k == "error_message") return get_opt_str(v, r.error_message);
    if (k == "error_stack_trace") return get_opt_str(v, r.error_stack_trace);
    if (k == "started_at") return seen |= kStarted, get_i64(v, r.started_at);
    if (k == "finished_at") return seen |= kFinished, get_i64(v, r.finished_at);
    if (k == "bars") return seen |= kBars, get_u64(v, r.bars);
    if (k == "duration_us") {
      if (v.type == mt::NIL) return true;
      return get_u64(v, r.duration_us);
    }
    if (k == "trade_list") {
      if (v.type == mt::NIL) return true;
      if (v.type != mt::ARRAY || v.via.array.size > kMaxTradeListLength) return false;
      return to_json(v, r.trade_list);
    }
    return true;  // unknown keys are ignored
  });
  return ok && seen == kAll;
}

std::optional<msgpack::object_handle> unpack(std::string_view bytes) {
  if (!check_structure(bytes).ok()) return std::nullopt;
  try {
    return msgpack::unpack(bytes.data(), bytes.size());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string fast_encode(const TrialResults& m) {
  std::string out;
  out.reserve(256 + m.results.size() * 900);
  put_map_header(out, 4);
  put_str(out, "credit");
  put_uint(out, m.credit);
  put_str(out, "results");
  put_array_header(out, m.results.size());
  for (const TrialResult& r : m.results) put_result(out, r);
  put_envelope_tail(out, "results");
  return out;
}

std::string fast_encode(const TrialsBatch& m) {
  std::string out;
  out.reserve(512 + m.trials.size() * 64);
  put_map_header(out, 12);
  put_str(out, "cash");
  put_double(out, m.cash);
  put_str(out, "commission");
  put_double(out, m.commission);
  put_str(out, "dataset");
  put_map_header(out, 2);
  put_str(out, "hash");
  put_str(out, m.dataset.hash);
  put_str(out, "source");
  write_msgpack(m.dataset.source, out);
  put_str(out, "job");
  put_str(out, m.job);
  put_str(out, "objective");
  if (m.objective) {
    put_map_header(out, 2);
    put_str(out, "goal");
    put_str(out, goal_name(m.objective->maximize));
    put_str(out, "metric");
    put_str(out, metric_name(m.objective->metric));
  } else {
    put_nil(out);
  }
  put_str(out, "strategy");
  put_str(out, m.strategy);
  put_str(out, "top_k");
  put_uint(out, m.top_k);
  put_str(out, "trades");
  put_bool(out, m.trades);
  put_str(out, "trial_timeout_s");
  put_double(out, m.trial_timeout_s);
  put_str(out, "trials");
  put_array_header(out, m.trials.size());
  for (const BatchTrial& t : m.trials) {
    put_map_header(out, 3);
    put_str(out, "attempt");
    put_uint(out, t.attempt);
    put_str(out, "index");
    put_uint(out, t.index);
    put_str(out, "params");
    put_params(out, t.params);
  }
  put_envelope_tail(out, "batch");
  return out;
}

std::optional<TrialResults> fast_decode_results(std::string_view bytes) {
  auto handle = unpack(bytes);
  if (!handle) return std::nullopt;
  TrialResults m;
  bool have_results = false;
  const bool ok = read_root(handle->get(), "results", [&](std::string_view k, const Obj& v) {
    if (k == "credit") {
      if (v.type == mt::NIL) return true;
      return get_u32(v, m.credit);
    }
    if (k == "results") {
      have_results = true;
      if (v.type != mt::ARRAY || v.via.array.size > kMaxBatchTrials) return false;
      m.results.resize(v.via.array.size);
      for (uint32_t i = 0; i < v.via.array.size; ++i) {
        if (!read_result(v.via.array.ptr[i], m.results[i])) return false;
      }
      return true;
    }
    return true;
  });
  if (!ok || !have_results) return std::nullopt;
  return m;
}

std::optional<TrialsBatch> fast_decode_batch(std::string_view bytes) {
  auto handle = unpack(bytes);
  if (!handle) return std::nullopt;
  TrialsBatch m;
  uint32_t seen = 0;  // job, dataset, strategy, cash, commission, trial_timeout_s, trials
  const bool ok = read_root(handle->get(), "batch", [&](std::string_view k, const Obj& v) {
    if (k == "job") return seen |= 1, get_str(v, m.job, kMaxIdLength);
    if (k == "dataset") {
      seen |= 2;
      bool have_hash = false, have_source = false;
      m.dataset.source = nlohmann::json::object();
      const bool d_ok = each_entry(v, [&](std::string_view dk, const Obj& dv) {
        if (dk == "hash") return have_hash = get_str(dv, m.dataset.hash, kMaxIdLength);
        if (dk == "source")
          return have_source = dv.type == mt::MAP && to_json(dv, m.dataset.source);
        return true;
      });
      return d_ok && have_hash && have_source;
    }
    if (k == "strategy") return seen |= 4, get_str(v, m.strategy, kMaxStringLength);
    if (k == "cash") return seen |= 8, get_finite(v, m.cash);
    if (k == "commission") return seen |= 16, get_finite(v, m.commission);
    if (k == "trial_timeout_s") return seen |= 32, get_finite(v, m.trial_timeout_s);
    if (k == "trials") {
      seen |= 64;
      if (v.type != mt::ARRAY || v.via.array.size > kMaxBatchTrials) return false;
      m.trials.resize(v.via.array.size);
      for (uint32_t i = 0; i < v.via.array.size; ++i) {
        BatchTrial& t = m.trials[i];
        uint32_t tseen = 0;
        const bool t_ok = each_entry(v.via.array.ptr[i], [&](std::string_view tk, const Obj& tv) {
          if (tk == "index") return tseen |= 1, get_u64(tv, t.index);
          if (tk == "attempt") return tseen |= 2, get_u32(tv, t.attempt);
          if (tk == "params") return tseen |= 4, read_params(tv, t.params);
          return true;
        });
        if (!t_ok || tseen != 7) return false;
      }
      return true;
    }
    if (k == "objective") {
      if (v.type == mt::NIL) return true;
      Objective obj;
      bool have_metric = false, have_goal = false;
      const bool o_ok = each_entry(v, [&](std::string_view ok_, const Obj& ov) {
        if (ok_ == "metric") {
          if (!is_str(ov)) return false;
          auto metric = metric_from_name(str_of(ov));
          if (!metric) return false;
          obj.metric = *metric;
          return have_metric = true;
        }
        if (ok_ == "goal") {
          if (!is_str(ov)) return false;
          const auto g = str_of(ov);
          if (g != "maximize" && g != "minimize") return false;
          obj.maximize = g == "maximize";
          return have_goal = true;
        }
        return true;
      });
      if (!o_ok || !have_metric || !have_goal) return false;
      m.objective = obj;
      return true;
    }
    if (k == "top_k") {
      if (v.type == mt::NIL) return true;
      return get_u32(v, m.top_k);
    }
    if (k == "trades") {
      if (v.type == mt::NIL) return true;
      if (v.type != mt::BOOLEAN) return false;
      m.trades = v.via.boolean;
      return true;
    }
    return true;
  });
  if (!ok || seen != 127) return std::nullopt;
  return m;
}

}  // namespace sweep::protocol::detail
