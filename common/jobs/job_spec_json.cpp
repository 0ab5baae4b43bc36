// JSON form of the job spec (DESIGN §9): strict parsing with field paths in every error, and the
// canonical writer.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "sweep/base/limits.hpp"
#include "sweep/data/dataset.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/jobs/json_text.hpp"
#include "sweep/optimize/constraint.hpp"

namespace sweep {
namespace {

using json = nlohmann::json;

Status bad(const std::string& field, const std::string& why) {
  return Status::BadRequest(field + ": " + why);
}

// A key or string from the input as it may appear in a message: bounded and printable.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  return s.size() > 64 ? out + "..." : out;
}

// 'shown(s)', built by appending: GCC 12 misreports "'" + std::string(...) under -Wrestrict.
std::string in_quotes(std::string_view s) {
  std::string out = "'";
  out += shown(s);
  out += '\'';
  return out;
}

bool is_param_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxParamNameLength) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0])) && s[0] != '_') return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return s != "and" && s != "or" && s != "not";  // reserved by the constraint language
}

bool is_token(std::string_view s, std::string_view extra) {
  if (s.empty() || s.size() > kMaxStringLength) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && extra.find(c) == std::string_view::npos)
      return false;
  return true;
}

Status check_keys(const json& obj, const std::string& where,
                  std::initializer_list<std::string_view> allowed) {
  for (auto& [key, _] : obj.items()) {
    bool ok = false;
    for (auto a : allowed) ok = ok || key == a;
    if (ok) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return bad(where.empty() ? shown(key) : where + "." + shown(key),
               "unknown key (expected " + list + ")");
  }
  return Status::Ok();
}

Result<ParamValue> parse_value(const json& v, const std::string& field) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return bad(field, "integer out of range");
    return ParamValue(v.get<int64_t>());
  }
  if (v.is_number_integer()) return ParamValue(v.get<int64_t>());
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d)) return bad(field, "not a finite number");
    return ParamValue(d);
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > kMaxStringLength)
      return Status::TooLarge(field + ": longer than " + std::to_string(kMaxStringLength) +
                              " characters");
    return ParamValue(s);
  }
  return bad(field, "expected a number or a string");
}

Result<uint64_t> parse_uint(const json& v, const std::string& field, uint64_t lo, uint64_t hi) {
  const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
  if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<int64_t>() < 0))
    return bad(field, "must be an integer in " + range);
  uint64_t x = v.get<uint64_t>();
  if (x < lo || x > hi) return bad(field, "must be an integer in " + range);
  return x;
}

Result<double> parse_double(const json& v, const std::string& field) {
  if (!v.is_number()) return bad(field, "expected a number");
  double d = v.get<double>();
  if (!std::isfinite(d)) return bad(field, "not a finite number");
  return d;
}

Result<std::string> parse_string(const json& v, const std::string& field, size_t max_len) {
  if (!v.is_string()) return bad(field, "expected a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.empty()) return bad(field, "must not be empty");
  if (s.size() > max_len)
    return Status::TooLarge(field + ": longer than " + std::to_string(max_len) + " characters");
  return s;
}

}  // namespace

Result<DatasetSource> parse_dataset_source(const nlohmann::json& v) {
  if (!v.is_object() || v.size() != 1) return bad("dataset", "exactly one of path, id, synthetic");
  if (Status s = check_keys(v, "dataset", {"path", "id", "synthetic"}); !s.ok()) return s;
  if (v.contains("path")) {
    Result<std::string> p = parse_string(v["path"], "dataset.path", kMaxPathLength);
    if (!p.ok()) return p.status();
    if (p->find('\0') != std::string::npos) return bad("dataset.path", "contains a NUL byte");
    return DatasetSource(DatasetPath{*p});
  }
  if (v.contains("id")) {
    Result<std::string> id = parse_string(v["id"], "dataset.id", kMaxStringLength);
    if (!id.ok()) return id.status();
    if (!is_token(*id, "-_.:"))
      return bad("dataset.id", "expected a content hash (letters, digits, '-', '_', '.', ':')");
    return DatasetSource(DatasetId{*id});
  }
  const json& syn = v["synthetic"];
  if (!syn.is_object()) return bad("dataset.synthetic", "expected {\"bars\": N, \"seed\": S}");
  if (Status s = check_keys(syn, "dataset.synthetic", {"bars", "seed"}); !s.ok()) return s;
  if (!syn.contains("bars")) return bad("dataset.synthetic.bars", "required");
  Result<uint64_t> bars = parse_uint(syn["bars"], "dataset.synthetic.bars", 1, kMaxDatasetBars);
  if (!bars.ok()) return bars.status();
  SyntheticDataset out{*bars, 0};
  if (syn.contains("seed")) {
    Result<uint64_t> seed =
        parse_uint(syn["seed"], "dataset.synthetic.seed", 0, std::numeric_limits<uint64_t>::max());
    if (!seed.ok()) return seed.status();
    out.seed = *seed;
  }
  return DatasetSource(out);
}

namespace {

Status check_param_name(const std::string& where, const std::string& key) {
  if (is_param_name(key)) return Status::Ok();
  return bad(where, in_quotes(key) + " is not a parameter name (a letter or _, then letters, " +
                        "digits or _; at most " + std::to_string(kMaxParamNameLength) + ")");
}

Result<ParamSet> parse_params(const json& v) {
  if (!v.is_object()) return bad("params", "expected an object of parameter values");
  if (v.size() > kMaxParams)
    return Status::TooLarge("params: more than " + std::to_string(kMaxParams) + " parameters");
  ParamSet out;
  for (auto& [key, value] : v.items()) {
    if (Status s = check_param_name("params", key); !s.ok()) return s;
    Result<ParamValue> pv = parse_value(value, "params." + key);
    if (!pv.ok()) return pv.status();
    out.set(key, std::move(pv).value());
  }
  return out;
}

Result<Axis> parse_axis(const json& v, const std::string& where) {
  if (v.is_array()) {
    if (v.size() > kMaxAxisValues)
      return Status::TooLarge(where + ": more than " + std::to_string(kMaxAxisValues) + " values");
    std::vector<ParamValue> values;
    values.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      Result<ParamValue> pv = parse_value(v[i], where + "[" + std::to_string(i) + "]");
      if (!pv.ok()) return pv.status();
      values.push_back(std::move(pv).value());
    }
    return Axis::list(std::move(values), where);
  }
  if (!v.is_object())
    return bad(where, "expected a list of values or a range {\"start\", \"stop\", \"step\"}");
  if (Status s = check_keys(v, where, {"start", "stop", "step"}); !s.ok()) return s;
  ParamValue bounds[3];
  const char* keys[3] = {"start", "stop", "step"};
  for (int i = 0; i < 3; ++i) {
    const std::string field = where + "." + keys[i];
    if (!v.contains(keys[i])) return bad(field, "required");
    if (!v[keys[i]].is_number()) return bad(field, "expected a number");
    Result<ParamValue> pv = parse_value(v[keys[i]], field);
    if (!pv.ok()) return pv.status();
    bounds[i] = std::move(pv).value();
  }
  return Axis::range(bounds[0], bounds[1], bounds[2], where);
}

Result<ParamSpace> parse_space(const json& v, const ParamSet& fixed) {
  if (!v.is_object()) return bad("space", "expected an object of parameter axes");
  if (v.empty()) return bad("space", "must name at least one parameter");
  if (v.size() + fixed.size() > kMaxParams)
    return Status::TooLarge("space: more than " + std::to_string(kMaxParams) +
                            " parameters (with params)");
  ParamSpace out;
  for (auto& [key, value] : v.items()) {
    if (Status s = check_param_name("space", key); !s.ok()) return s;
    Result<Axis> axis = parse_axis(value, "space." + key);
    if (!axis.ok()) return axis.status();
    if (Status s = out.add(key, std::move(axis).value()); !s.ok()) return s;
  }
  for (auto& [name, _] : fixed.items())
    if (out.find(name)) return bad("params." + name, "also given in space");
  return out;
}

Result<uint64_t> parse_method_uint(const json& m, const std::string& where, const char* key,
                                   uint64_t lo, uint64_t hi, uint64_t fallback) {
  if (!m.contains(key)) return fallback;
  return parse_uint(m[key], where + "." + key, lo, hi);
}

Result<SearchMethod> parse_tpe(const json& t) {
  const std::string expected = "expected {\"n\": N, \"seed\": S, \"startup\": K, \"batch\": B}";
  if (!t.is_object()) return bad("method.tpe", expected);
  if (Status s = check_keys(t, "method.tpe", {"n", "seed", "startup", "batch"}); !s.ok()) return s;
  if (!t.contains("n")) return bad("method.tpe.n", "required");
  const uint64_t u64max = std::numeric_limits<uint64_t>::max();
  Result<uint64_t> n = parse_uint(t["n"], "method.tpe.n", 1, kMaxTpeTrials);
  if (!n.ok()) return n.status();
  Result<uint64_t> seed = parse_method_uint(t, "method.tpe", "seed", 0, u64max, 0);
  if (!seed.ok()) return seed.status();
  Result<uint64_t> startup = parse_method_uint(t, "method.tpe", "startup", 1, kMaxTpeTrials, 10);
  if (!startup.ok()) return startup.status();
  Result<uint64_t> batch = parse_method_uint(t, "method.tpe", "batch", 1, kMaxTpeBatch, 8);
  if (!batch.ok()) return batch.status();
  return SearchMethod(TpeSearch{*n, *seed, *startup, *batch});
}

Result<SearchMethod> parse_method(const json& v) {
  const std::string expected =
      "expected \"grid\", {\"random\": {\"n\": N, \"seed\": S}} or {\"tpe\": {\"n\": N, ...}}";
  if (v.is_string()) {
    if (v.get_ref<const std::string&>() == "grid") return SearchMethod(GridSearch{});
    return bad("method", expected);
  }
  if (!v.is_object() || v.size() != 1) return bad("method", expected);
  if (v.contains("tpe")) return parse_tpe(v["tpe"]);
  if (!v.contains("random")) return bad("method", expected);
  const json& r = v["random"];
  if (!r.is_object()) return bad("method.random", "expected {\"n\": N, \"seed\": S}");
  if (Status s = check_keys(r, "method.random", {"n", "seed"}); !s.ok()) return s;
  if (!r.contains("n")) return bad("method.random.n", "required");
  Result<uint64_t> n = parse_uint(r["n"], "method.random.n", 1, kMaxTrials);
  if (!n.ok()) return n.status();
  RandomSearch out{*n, 0};
  if (r.contains("seed")) {
    Result<uint64_t> seed =
        parse_uint(r["seed"], "method.random.seed", 0, std::numeric_limits<uint64_t>::max());
    if (!seed.ok()) return seed.status();
    out.seed = *seed;
  }
  return SearchMethod(out);
}

Result<Objective> parse_objective(const json& v) {
  if (!v.is_object()) return bad("objective", "expected {\"metric\": NAME, \"goal\": GOAL}");
  if (Status s = check_keys(v, "objective", {"metric", "goal"}); !s.ok()) return s;
  Objective out;
  if (v.contains("metric")) {
    const json& m = v["metric"];
    std::optional<Metric> metric =
        m.is_string() ? metric_from_name(m.get_ref<const std::string&>()) : std::nullopt;
    if (!metric) {
      std::string names;
      for (int i = 0; i < kMetricCount; ++i)
        names += (i ? ", " : "") + std::string(metric_name(static_cast<Metric>(i)));
      std::string got = m.is_string() ? in_quotes(m.get_ref<const std::string&>())
                                      : std::string("of type ") + m.type_name();
      return bad("objective.metric", "unknown metric " + got + " (expected one of " + names + ")");
    }
    out.metric = *metric;
  }
  if (v.contains("goal")) {
    const json& g = v["goal"];
    if (g == "maximize") {
      out.maximize = true;
    } else if (g == "minimize") {
      out.maximize = false;
    } else {
      return bad("objective.goal", "expected \"maximize\" or \"minimize\"");
    }
  }
  return out;
}

// Fills the options both kinds share.
Status parse_options(const json& j, JobSpec& spec) {
  if (j.contains("cash")) {
    Result<double> d = parse_double(j["cash"], "cash");
    if (!d.ok()) return d.status();
    if (!(*d > 0)) return bad("cash", "must be > 0");
    spec.cash = *d;
  }
  if (j.contains("commission")) {
    Result<double> d = parse_double(j["commission"], "commission");
    if (!d.ok()) return d.status();
    if (!(*d >= 0 && *d < 1)) return bad("commission", "must be >= 0 and < 1");
    spec.commission = *d;
  }
  if (j.contains("trial_timeout_s")) {
    Result<double> d = parse_double(j["trial_timeout_s"], "trial_timeout_s");
    if (!d.ok()) return d.status();
    if (!(*d > 0 && *d <= kMaxTrialTimeoutS))
      return bad("trial_timeout_s",
                 "must be > 0 and <= " + to_string(ParamValue(kMaxTrialTimeoutS)));
    spec.trial_timeout_s = *d;
  }
  if (j.contains("max_attempts")) {
    Result<uint64_t> n = parse_uint(j["max_attempts"], "max_attempts", 1, kMaxAttempts);
    if (!n.ok()) return n.status();
    spec.max_attempts = static_cast<int>(*n);
  }
  return Status::Ok();
}

// walk_forward and holdout_bars (docs/WALK_FORWARD.md). Whether a window fits needs the dataset's
// bars: check_windows_fit(), where they are known.
Status parse_windows(const json& j, JobSpec& spec) {
  if (j.contains("walk_forward")) {
    const json& w = j["walk_forward"];
    if (!w.is_object())
      return bad("walk_forward",
                 "expected {\"train_bars\": N, \"test_bars\": M, \"anchored\": false}");
    if (Status s = check_keys(w, "walk_forward", {"train_bars", "test_bars", "anchored"}); !s.ok())
      return s;
    WalkForward wf;
    const std::pair<const char*, uint64_t*> sizes[] = {{"train_bars", &wf.train_bars},
                                                       {"test_bars", &wf.test_bars}};
    for (auto [key, out] : sizes) {
      const std::string field = std::string("walk_forward.") + key;
      if (!w.contains(key)) return bad(field, "required");
      Result<uint64_t> n = parse_uint(w[key], field, 1, kMaxDatasetBars);
      if (!n.ok()) return n.status();
      *out = *n;
    }
    if (w.contains("anchored")) {
      if (!w["anchored"].is_boolean())
        return bad("walk_forward.anchored", "expected true or false");
      wf.anchored = w["anchored"].get<bool>();
    }
    spec.walk_forward = wf;
  }
  if (j.contains("holdout_bars")) {
    if (spec.walk_forward)
      return bad("holdout_bars", "not with walk_forward (give one of the two)");
    Result<uint64_t> n = parse_uint(j["holdout_bars"], "holdout_bars", 1, kMaxDatasetBars);
    if (!n.ok()) return n.status();
    spec.holdout_bars = *n;
  }
  return Status::Ok();
}

Status parse_optimization(const json& j, JobSpec& spec) {
  if (!j.contains("space")) return bad("space", "required for an optimization");
  Result<ParamSpace> space = parse_space(j["space"], spec.params);
  if (!space.ok()) return space.status();
  spec.space = std::move(space).value();
  if (j.contains("constraint")) {
    const json& c = j["constraint"];
    if (!c.is_string()) return bad("constraint", "expected a string");
    spec.constraint = c.get<std::string>();
    if (!spec.constraint.empty()) {
      std::vector<std::string> names = spec.space.names();
      for (auto& [name, _] : spec.params.items()) names.push_back(name);
      Result<Constraint> parsed = Constraint::parse(spec.constraint, names);
      if (!parsed.ok()) return parsed.status();
    }
  }
  if (j.contains("method")) {
    Result<SearchMethod> m = parse_method(j["method"]);
    if (!m.ok()) return m.status();
    spec.method = *m;
  }
  if (j.contains("objective")) {
    Result<Objective> o = parse_objective(j["objective"]);
    if (!o.ok()) return o.status();
    spec.objective = *o;
  }
  if (j.contains("top_k")) {
    Result<uint64_t> k = parse_uint(j["top_k"], "top_k", 1, kMaxTopK);
    if (!k.ok()) return k.status();
    spec.top_k = static_cast<int>(*k);
  }
  if (j.contains("pbo_blocks")) {
    const json& v = j["pbo_blocks"];
    const bool ok = v.is_number_integer() && v.get<int64_t>() >= kMinReturnBlocks &&
                    v.get<int64_t>() <= kMaxReturnBlocks && v.get<int64_t>() % 2 == 0;
    if (!ok)
      return bad("pbo_blocks", "must be even and within [" + std::to_string(kMinReturnBlocks) +
                                   ", " + std::to_string(kMaxReturnBlocks) + "]");
    spec.pbo_blocks = static_cast<int>(v.get<int64_t>());
  }
  if (j.contains("stop")) {
    const json& st = j["stop"];
    if (!st.is_object()) return bad("stop", "expected {\"value\": X}");
    if (Status s = check_keys(st, "stop", {"value"}); !s.ok()) return s;
    if (!st.contains("value")) return bad("stop.value", "required");
    Result<double> v = parse_double(st["value"], "stop.value");
    if (!v.ok()) return v.status();
    spec.stop_value = *v;
  }
  return parse_windows(j, spec);
}

constexpr std::string_view kCommonKeys[] = {"dataset",    "strategy",        "params",      "cash",
                                            "commission", "trial_timeout_s", "max_attempts"};
constexpr std::string_view kOptimizationKeys[] = {"space",     "constraint",   "method",
                                                  "objective", "top_k",        "pbo_blocks",
                                                  "stop",      "walk_forward", "holdout_bars"};

json value_json(const ParamValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return *d;
  return std::get<std::string>(v);
}

json axis_json(const Axis& a) {
  if (a.is_range())
    return {{"start", value_json(a.start())},
            {"stop", value_json(a.stop())},
            {"step", value_json(a.step())}};
  json out = json::array();
  for (auto& v : a.values()) out.push_back(value_json(v));
  return out;
}

json dataset_json(const DatasetSource& d) {
  if (auto* p = std::get_if<DatasetPath>(&d)) return {{"path", p->path}};
  if (auto* i = std::get_if<DatasetId>(&d)) return {{"id", i->id}};
  auto& s = std::get<SyntheticDataset>(d);
  return {{"synthetic", {{"bars", s.bars}, {"seed", s.seed}}}};
}

}  // namespace

std::string_view job_kind_name(JobKind k) {
  return k == JobKind::kBacktest ? "backtest" : "optimization";
}

Result<JobSpec> parse_job_spec(const json& j, JobKind kind) {
  if (!j.is_object()) return bad("spec", "expected a JSON object");
  const bool opt = kind == JobKind::kOptimization;
  for (const auto& item : j.items()) {
    const std::string& key = item.key();  // not a structured binding: clang 14 cannot capture one
    auto in = [&](const auto& keys) {
      return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
    };
    if (in(kCommonKeys)) continue;
    if (in(kOptimizationKeys)) {
      if (opt) continue;
      return bad(key, "only for optimization jobs");
    }
    std::string list;
    for (auto k : kCommonKeys) list += (list.empty() ? "" : ", ") + std::string(k);
    if (opt)
      for (auto k : kOptimizationKeys) list += ", " + std::string(k);
    return bad(shown(key), "unknown key (expected one of " + list + ")");
  }
  JobSpec spec;
  spec.kind = kind;
  if (!j.contains("dataset")) return bad("dataset", "required");
  Result<DatasetSource> ds = parse_dataset_source(j["dataset"]);
  if (!ds.ok()) return ds.status();
  spec.dataset = *ds;

  if (!j.contains("strategy")) return bad("strategy", "required");
  Result<std::string> strategy = parse_string(j["strategy"], "strategy", kMaxStringLength);
  if (!strategy.ok()) return strategy.status();
  if (!is_token(*strategy, "-_."))
    return bad("strategy", "expected a strategy name (letters, digits, '-', '_', '.')");
  spec.strategy = *strategy;

  if (j.contains("params")) {
    Result<ParamSet> params = parse_params(j["params"]);
    if (!params.ok()) return params.status();
    spec.params = std::move(params).value();
  }
  if (opt) {
    if (Status s = parse_optimization(j, spec); !s.ok()) return s;
  }
  if (Status s = parse_options(j, spec); !s.ok()) return s;
  return spec;
}

Result<JobSpec> parse_job_spec_text(std::string_view text, JobKind kind) {
  if (text.size() > kMaxSpecBytes)
    return Status::TooLarge("spec: larger than " + std::to_string(kMaxSpecBytes) + " bytes");
  Result<json> j = parse_json_text(text, "spec");
  if (!j.ok()) return j.status();
  return parse_job_spec(*j, kind);
}

json to_json(const JobSpec& spec) {
  json j = json::object();
  j["dataset"] = dataset_json(spec.dataset);
  j["strategy"] = spec.strategy;
  json params = json::object();
  for (auto& [name, v] : spec.params.items()) params[name] = value_json(v);
  if (spec.kind == JobKind::kBacktest || !params.empty()) j["params"] = std::move(params);
  if (spec.kind == JobKind::kOptimization) {
    json space = json::object();
    for (auto& [name, axis] : spec.space.axes()) space[name] = axis_json(axis);
    j["space"] = std::move(space);
    if (!spec.constraint.empty()) j["constraint"] = spec.constraint;
    if (auto* r = std::get_if<RandomSearch>(&spec.method))
      j["method"] = {{"random", {{"n", r->n}, {"seed", r->seed}}}};
    else if (auto* t = std::get_if<TpeSearch>(&spec.method))
      j["method"] = {
          {"tpe", {{"n", t->n}, {"seed", t->seed}, {"startup", t->startup}, {"batch", t->batch}}}};
    else
      j["method"] = "grid";
    j["objective"] = {{"metric", std::string(metric_name(spec.objective.metric))},
                      {"goal", std::string(goal_name(spec.objective.maximize))}};
    j["top_k"] = spec.top_k;
    // Only when not the default: specs written before the key existed (stored jobs, golden
    // texts in tests) keep their canonical form.
    if (spec.pbo_blocks != kDefaultReturnBlocks) j["pbo_blocks"] = spec.pbo_blocks;
    if (spec.stop_value) j["stop"] = {{"value", *spec.stop_value}};
    if (spec.walk_forward)
      j["walk_forward"] = {{"train_bars", spec.walk_forward->train_bars},
                           {"test_bars", spec.walk_forward->test_bars},
                           {"anchored", spec.walk_forward->anchored}};
    if (spec.holdout_bars) j["holdout_bars"] = *spec.holdout_bars;
  }
  j["cash"] = spec.cash;
  j["commission"] = spec.commission;
  j["trial_timeout_s"] = spec.trial_timeout_s;
  j["max_attempts"] = spec.max_attempts;
  return j;
}

}  // namespace sweep
