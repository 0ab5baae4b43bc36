#include "sweep/jobs/job_spec.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace sweep {
namespace {

using json = nlohmann::json;

json optimization() {
  return json::parse(R"({
    "dataset": {"path": "GOOG.csv"},
    "strategy": "sma_cross",
    "params": {"mode": "long_short"},
    "space": {"slow": [20, 30, 40], "fast": {"start": 5, "stop": 25, "step": 5}},
    "constraint": "fast < slow",
    "method": {"random": {"n": 200, "seed": 1}},
    "objective": {"metric": "return_pct", "goal": "minimize"},
    "cash": 5000, "commission": 0.002, "top_k": 5, "trial_timeout_s": 30, "max_attempts": 2
  })");
}

json backtest() {
  return json::parse(R"({
    "dataset": {"synthetic": {"bars": 1000, "seed": 7}},
    "strategy": "sma_cross",
    "params": {"fast": 10, "slow": 30, "mode": "long_short", "stop": 0.5}
  })");
}

std::string error(const json& j, JobKind kind = JobKind::kOptimization) {
  Result<JobSpec> r = parse_job_spec(j, kind);
  return r.ok() ? "(parsed)" : r.status().message();
}

// The optimization spec with one key replaced (or removed, for a null value).
json with(std::string key, json value, json base = optimization()) {
  if (value.is_null()) {
    base.erase(key);
  } else {
    base[key] = std::move(value);
  }
  return base;
}

const std::vector<ParamSpec> kSchema = {
    {"fast", ParamType::kInt, int64_t{10}, 1, 1000, {}, ""},
    {"slow", ParamType::kInt, int64_t{30}, 2, 5000, {}, ""},
    {"mode", ParamType::kChoice, std::string("long_only"), 0, 0, {"long_only", "long_short"}, ""},
    {"stop", ParamType::kFloat, 0.5, 0, 1, {}, ""},
};

TEST(JobSpecParse, Optimization) {
  JobSpec s = parse_job_spec(optimization(), JobKind::kOptimization).value();
  EXPECT_EQ(s.kind, JobKind::kOptimization);
  EXPECT_EQ(std::get<DatasetPath>(s.dataset).path, "GOOG.csv");
  EXPECT_EQ(s.strategy, "sma_cross");
  EXPECT_EQ(s.params.ToString(), "mode=long_short");
  EXPECT_EQ(s.space.names(), (std::vector<std::string>{"fast", "slow"}));
  EXPECT_EQ(s.space.grid_size(), 15u);
  EXPECT_EQ(s.constraint, "fast < slow");
  EXPECT_EQ(std::get<RandomSearch>(s.method), (RandomSearch{200, 1}));
  EXPECT_EQ(s.objective, (Objective{Metric::kReturnPct, false}));
  EXPECT_EQ(s.cash, 5000);
  EXPECT_EQ(s.commission, 0.002);
  EXPECT_EQ(s.top_k, 5);
  EXPECT_EQ(s.trial_timeout_s, 30);
  EXPECT_EQ(s.max_attempts, 2);
}

TEST(JobSpecParse, TpeMethodDefaultsAndRoundTrip) {
  Result<JobSpec> s =
      parse_job_spec(with("method", {{"tpe", {{"n", 200}, {"seed", 3}}}}), JobKind::kOptimization);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(std::get<TpeSearch>(s->method), (TpeSearch{200, 3, 10, 8}));
  EXPECT_EQ(to_json(*s)["method"],
            json({{"tpe", {{"n", 200}, {"seed", 3}, {"startup", 10}, {"batch", 8}}}}));
  EXPECT_EQ(parse_job_spec(to_json(*s), JobKind::kOptimization).value(), *s);
}

TEST(JobSpecParse, StopOnTargetValue) {
  JobSpec none = parse_job_spec(optimization(), JobKind::kOptimization).value();
  EXPECT_FALSE(none.stop_value);
  EXPECT_FALSE(to_json(none).contains("stop"));
  JobSpec s = parse_job_spec(with("stop", {{"value", 1.25}}), JobKind::kOptimization).value();
  ASSERT_TRUE(s.stop_value);
  EXPECT_EQ(*s.stop_value, 1.25);
  EXPECT_EQ(to_json(s)["stop"], json({{"value", 1.25}}));
  EXPECT_EQ(parse_job_spec(to_json(s), JobKind::kOptimization).value(), s);
  EXPECT_EQ(error(with("stop", 1.25)), "stop: expected {\"value\": X}");
  EXPECT_EQ(error(with("stop", json::object())), "stop.value: required");
  EXPECT_EQ(error(with("stop", {{"value", "high"}})), "stop.value: expected a number");
  EXPECT_EQ(error(with("stop", {{"value", 1}, {"trials", 5}})),
            "stop.trials: unknown key (expected value)");
  json bt = backtest();
  bt["stop"] = {{"value", 1}};
  EXPECT_EQ(error(bt, JobKind::kBacktest), "stop: only for optimization jobs");
}

TEST(JobSpecParse, WalkForwardAndHoldout) {
  JobSpec none = parse_job_spec(optimization(), JobKind::kOptimization).value();
  EXPECT_FALSE(none.walk_forward);
  EXPECT_FALSE(none.holdout_bars);
  EXPECT_FALSE(to_json(none).contains("walk_forward"));
  EXPECT_FALSE(to_json(none).contains("holdout_bars"));

  JobSpec s = parse_job_spec(with("walk_forward", {{"train_bars", 500}, {"test_bars", 250}}),
                             JobKind::kOptimization)
                  .value();
  ASSERT_TRUE(s.walk_forward);
  EXPECT_EQ(*s.walk_forward, (WalkForward{500, 250, false}));
  EXPECT_EQ(to_json(s)["walk_forward"],
            json({{"train_bars", 500}, {"test_bars", 250}, {"anchored", false}}));
  EXPECT_EQ(parse_job_spec(to_json(s), JobKind::kOptimization).value(), s);
  s = parse_job_spec(
          with("walk_forward", {{"train_bars", 5}, {"test_bars", 2}, {"anchored", true}}),
          JobKind::kOptimization)
          .value();
  EXPECT_EQ(*s.walk_forward, (WalkForward{5, 2, true}));
  EXPECT_EQ(parse_job_spec(to_json(s), JobKind::kOptimization).value(), s);

  JobSpec h = parse_job_spec(with("holdout_bars", 300), JobKind::kOptimization).value();
  EXPECT_EQ(h.holdout_bars, 300u);
  EXPECT_EQ(to_json(h)["holdout_bars"], 300);
  EXPECT_EQ(parse_job_spec(to_json(h), JobKind::kOptimization).value(), h);

  auto wf = [](json v) { return error(with("walk_forward", std::move(v))); };
  EXPECT_EQ(wf(500),
            "walk_forward: expected {\"train_bars\": N, \"test_bars\": M, \"anchored\": false}");
  EXPECT_EQ(wf({{"test_bars", 2}}), "walk_forward.train_bars: required");
  EXPECT_EQ(wf({{"train_bars", 2}}), "walk_forward.test_bars: required");
  EXPECT_EQ(wf({{"train_bars", 0}, {"test_bars", 2}}),
            "walk_forward.train_bars: must be an integer in 1..5000000");
  EXPECT_EQ(wf({{"train_bars", 2}, {"test_bars", 2.5}}),
            "walk_forward.test_bars: must be an integer in 1..5000000");
  EXPECT_EQ(wf({{"train_bars", 2}, {"test_bars", 5000001}}),
            "walk_forward.test_bars: must be an integer in 1..5000000");
  EXPECT_EQ(wf({{"train_bars", 2}, {"test_bars", 2}, {"anchored", 1}}),
            "walk_forward.anchored: expected true or false");
  EXPECT_EQ(wf({{"train_bars", 2}, {"test_bars", 2}, {"step", 1}}),
            "walk_forward.step: unknown key (expected train_bars, test_bars, anchored)");
  EXPECT_EQ(error(with("holdout_bars", 0)), "holdout_bars: must be an integer in 1..5000000");
  EXPECT_EQ(error(with("holdout_bars", "300")), "holdout_bars: must be an integer in 1..5000000");
  EXPECT_EQ(
      error(with("holdout_bars", 300, with("walk_forward", {{"train_bars", 5}, {"test_bars", 2}}))),
      "holdout_bars: not with walk_forward (give one of the two)");
  json bt = backtest();
  bt["walk_forward"] = {{"train_bars", 5}, {"test_bars", 2}};
  EXPECT_EQ(error(bt, JobKind::kBacktest), "walk_forward: only for optimization jobs");
  bt = backtest();
  bt["holdout_bars"] = 5;
  EXPECT_EQ(error(bt, JobKind::kBacktest), "holdout_bars: only for optimization jobs");
}

TEST(JobSpecParse, DefaultsAndValueTypes) {
  json j = {
      {"dataset", {{"id", "ab12cd"}}},
      {"strategy", "sma_cross"},
      {"space", {{"stop", {0.1, 0.2}}, {"fast", {5, 10}}, {"mode", json::array({"long_only"})}}}};
  JobSpec s = parse_job_spec(j, JobKind::kOptimization).value();
  EXPECT_EQ(std::get<DatasetId>(s.dataset).id, "ab12cd");
  EXPECT_TRUE(std::holds_alternative<GridSearch>(s.method));
  EXPECT_EQ(s.objective, Objective{});
  EXPECT_EQ(s.cash, 10000);
  EXPECT_EQ(s.commission, 0);
  EXPECT_EQ(s.top_k, 10);
  EXPECT_EQ(s.trial_timeout_s, 600);
  EXPECT_EQ(s.max_attempts, 3);
  EXPECT_EQ(s.space.find("fast")->values()[0], ParamValue(int64_t{5}));
  EXPECT_EQ(s.space.find("stop")->values()[0], ParamValue(0.1));
  EXPECT_EQ(s.space.find("mode")->values()[0], ParamValue(std::string("long_only")));

  JobSpec b = parse_job_spec(backtest(), JobKind::kBacktest).value();
  EXPECT_EQ(std::get<SyntheticDataset>(b.dataset), (SyntheticDataset{1000, 7}));
  EXPECT_EQ(*b.params.find("fast"), ParamValue(int64_t{10}));
  EXPECT_EQ(*b.params.find("stop"), ParamValue(0.5));
}

TEST(JobSpecParse, ErrorsNameTheField) {
  EXPECT_EQ(error(json::array()), "spec: expected a JSON object");
  EXPECT_EQ(error(with("colour", "red")),
            "colour: unknown key (expected one of dataset, strategy, params, cash, commission, "
            "trial_timeout_s, max_attempts, space, constraint, method, objective, top_k, "
            "pbo_blocks, stop, walk_forward, holdout_bars)");
  EXPECT_EQ(error(with("space", json::object(), backtest()), JobKind::kBacktest),
            "space: only for optimization jobs");
  EXPECT_EQ(error(with("dataset", nullptr)), "dataset: required");
  EXPECT_EQ(error(with("dataset", {{"path", "a.csv"}, {"id", "x"}})),
            "dataset: exactly one of path, id, synthetic");
  EXPECT_EQ(error(with("dataset", json::object())), "dataset: exactly one of path, id, synthetic");
  EXPECT_EQ(error(with("dataset", {{"file", "a.csv"}})),
            "dataset.file: unknown key (expected path, id, synthetic)");
  EXPECT_EQ(error(with("dataset", {{"path", ""}})), "dataset.path: must not be empty");
  EXPECT_EQ(error(with("dataset", {{"id", "../x"}})),
            "dataset.id: expected a content hash (letters, digits, '-', '_', '.', ':')");
  EXPECT_EQ(error(with("dataset", {{"synthetic", {{"bars", 0}}}})),
            "dataset.synthetic.bars: must be an integer in 1..5000000");
  EXPECT_EQ(error(with("dataset", {{"synthetic", {{"seed", 1}}}})),
            "dataset.synthetic.bars: required");
  EXPECT_EQ(error(with("strategy", 3)), "strategy: expected a string");
  EXPECT_EQ(error(with("strategy", "sma cross")),
            "strategy: expected a strategy name (letters, digits, '-', '_', '.')");
  EXPECT_EQ(error(with("params", {{"fast", true}})), "params.fast: expected a number or a string");
  EXPECT_EQ(error(with("params", {{"fast", 3}})), "params.fast: also given in space");
  EXPECT_EQ(error(with("params", {{"9lives", 3}})),
            "params: '9lives' is not a parameter name (a letter or _, then letters, digits or _; "
            "at most 64)");
  EXPECT_EQ(error(with("params", {{"big", 18446744073709551615ull}})),
            "params.big: integer out of range");
}

TEST(JobSpecParse, SpaceErrors) {
  auto space = [](json s) { return error(with("space", std::move(s))); };
  EXPECT_EQ(error(with("space", nullptr)), "space: required for an optimization");
  EXPECT_EQ(space(json::object()), "space: must name at least one parameter");
  EXPECT_EQ(space({{"slow", {20, 30, 30}}}), "space.slow[2]: duplicate value 30");
  EXPECT_EQ(space({{"slow", {20, 30, json::array({1})}}}),
            "space.slow[2]: expected a number or a string");
  EXPECT_EQ(space({{"slow", json::array()}}), "space.slow: empty list");
  EXPECT_EQ(space({{"slow", 5}}),
            "space.slow: expected a list of values or a range {\"start\", \"stop\", \"step\"}");
  EXPECT_EQ(space({{"fast", {{"start", 5}, {"stop", 25}, {"step", 0}}}}),
            "space.fast.step: must be > 0");
  EXPECT_EQ(space({{"fast", {{"start", 5}, {"stop", 1}, {"step", 1}}}}),
            "space.fast.stop: must be >= start");
  EXPECT_EQ(space({{"fast", {{"start", 5}, {"stop", 25}}}}), "space.fast.step: required");
  EXPECT_EQ(space({{"fast", {{"start", "5"}, {"stop", 25}, {"step", 1}}}}),
            "space.fast.start: expected a number");
  EXPECT_EQ(space({{"fast", {{"start", 5}, {"stop", 25}, {"step", 1}, {"by", 2}}}}),
            "space.fast.by: unknown key (expected start, stop, step)");
  json huge = json::object();
  for (const char* n : {"a", "b", "c", "d"}) huge[n] = {{"start", 0}, {"stop", 99999}, {"step", 1}};
  EXPECT_EQ(space(huge), "space.d: the grid has more than 2^64-1 points");
  EXPECT_EQ(error(with("space", {{"slow", std::vector<int>(100001, 1)}})),
            "space.slow: more than 100000 values");
}

TEST(JobSpecParse, OptimizationFieldErrors) {
  EXPECT_EQ(error(with("constraint", "fsat < slow")),
            "constraint: unknown parameter 'fsat' at column 1");
  EXPECT_EQ(error(with("constraint", "mode == 'long_only' and fast <")),
            "constraint: unexpected end of expression at column 31");
  EXPECT_EQ(error(with("constraint", 1)), "constraint: expected a string");
  EXPECT_EQ(error(with("method", "grdi")),
            "method: expected \"grid\", {\"random\": {\"n\": N, \"seed\": S}} or {\"tpe\": "
            "{\"n\": N, ...}}");
  EXPECT_EQ(error(with("method", {{"tpe", {{"seed", 1}}}})), "method.tpe.n: required");
  EXPECT_EQ(error(with("method", {{"tpe", {{"n", 20001}}}})),
            "method.tpe.n: must be an integer in 1..20000");
  EXPECT_EQ(error(with("method", {{"tpe", {{"n", 50}, {"batch", 0}}}})),
            "method.tpe.batch: must be an integer in 1..10000");
  EXPECT_EQ(error(with("method", {{"tpe", {{"n", 50}, {"startup", 0}}}})),
            "method.tpe.startup: must be an integer in 1..20000");
  EXPECT_EQ(error(with("method", {{"tpe", {{"n", 50}, {"gamma", 1}}}})),
            "method.tpe.gamma: unknown key (expected n, seed, startup, batch)");
  EXPECT_EQ(error(with("method", {{"random", {{"n", 0}}}})),
            "method.random.n: must be an integer in 1..10000000");
  EXPECT_EQ(error(with("method", {{"random", {{"seed", 1}}}})), "method.random.n: required");
  EXPECT_EQ(error(with("method", {{"random", {{"n", 5}, {"seed", -1}}}})),
            "method.random.seed: must be an integer in 0..18446744073709551615");
  EXPECT_EQ(error(with("objective", {{"metric", "sharp"}})),
            "objective.metric: unknown metric 'sharp' (expected one of trades, final_equity, "
            "peak_equity, return_pct, buy_hold_return_pct, exposure_pct, max_drawdown_pct, "
            "avg_drawdown_pct, max_drawdown_days, avg_drawdown_days, win_rate_pct, "
            "best_trade_pct, worst_trade_pct, avg_trade_pct, max_trade_days, avg_trade_days, "
            "profit_factor, expectancy_pct, sqn, return_ann_pct, volatility_ann_pct, sharpe, "
            "sortino, calmar)");
  EXPECT_EQ(error(with("objective", {{"goal", "max"}})),
            "objective.goal: expected \"maximize\" or \"minimize\"");
  EXPECT_EQ(error(with("objective", {{"metric", "sharpe"}, {"direction", "max"}})),
            "objective.direction: unknown key (expected metric, goal)");
  EXPECT_EQ(error(with("top_k", 0)), "top_k: must be an integer in 1..1000");
  EXPECT_EQ(error(with("top_k", 2.5)), "top_k: must be an integer in 1..1000");
  EXPECT_EQ(error(with("cash", 0)), "cash: must be > 0");
  EXPECT_EQ(error(with("cash", "lots")), "cash: expected a number");
  EXPECT_EQ(error(with("commission", 1)), "commission: must be >= 0 and < 1");
  EXPECT_EQ(error(with("commission", -0.1)), "commission: must be >= 0 and < 1");
  EXPECT_EQ(error(with("trial_timeout_s", 0)), "trial_timeout_s: must be > 0 and <= 604800");
  EXPECT_EQ(error(with("max_attempts", 101)), "max_attempts: must be an integer in 1..100");
}

TEST(JobSpecParse, PboBlocksIsAnEvenCountWithinItsLimits) {
  EXPECT_EQ(parse_job_spec(optimization(), JobKind::kOptimization).value().pbo_blocks,
            kDefaultReturnBlocks);
  for (int s : {kMinReturnBlocks, kMinReturnBlocks + 2, kMaxReturnBlocks})
    EXPECT_EQ(parse_job_spec(with("pbo_blocks", s), JobKind::kOptimization).value().pbo_blocks, s);
  const std::string why = "pbo_blocks: must be even and within [4, 24]";
  for (json bad : {json(kMinReturnBlocks - 2), json(kMaxReturnBlocks + 2), json(15), json(-16),
                   json(16.0), json("16"), json(18446744073709551615ull)})
    EXPECT_EQ(error(with("pbo_blocks", bad)), why) << bad.dump();
  EXPECT_EQ(error(with("pbo_blocks", 8, backtest()), JobKind::kBacktest),
            "pbo_blocks: only for optimization jobs");
}

TEST(JobSpecJson, PboBlocksIsWrittenOnlyWhenNotTheDefault) {
  // The default is left out so that the canonical text of every spec without the key (stored
  // jobs, golden texts) is what it was before the key existed.
  const JobSpec plain = parse_job_spec(optimization(), JobKind::kOptimization).value();
  EXPECT_FALSE(to_json(plain).contains("pbo_blocks"));
  const JobSpec explicit_default =
      parse_job_spec(with("pbo_blocks", kDefaultReturnBlocks), JobKind::kOptimization).value();
  EXPECT_EQ(explicit_default, plain);
  const JobSpec eight = parse_job_spec(with("pbo_blocks", 8), JobKind::kOptimization).value();
  EXPECT_EQ(to_json(eight)["pbo_blocks"], 8);
  EXPECT_EQ(parse_job_spec(to_json(eight), JobKind::kOptimization).value(), eight);
  EXPECT_NE(eight, plain);
}

TEST(JobSpecParse, Text) {
  EXPECT_TRUE(parse_job_spec_text(optimization().dump(), JobKind::kOptimization).ok());
  Result<JobSpec> bad = parse_job_spec_text("{\"dataset\": ", JobKind::kOptimization);
  EXPECT_EQ(bad.status().message().rfind("spec: not valid JSON: parse error at line 1", 0), 0u)
      << bad.status().message();
  Result<JobSpec> big =
      parse_job_spec_text(std::string(kMaxSpecBytes + 1, ' '), JobKind::kBacktest);
  EXPECT_EQ(big.status().code(), Code::kTooLarge);
}

TEST(JobSpecJson, RoundTrips) {
  for (auto [j, kind] : {std::pair{optimization(), JobKind::kOptimization},
                         std::pair{backtest(), JobKind::kBacktest}}) {
    JobSpec s = parse_job_spec(j, kind).value();
    json out = to_json(s);
    JobSpec again = parse_job_spec(out, kind).value();
    EXPECT_EQ(again, s) << out.dump();
    EXPECT_EQ(to_json(again), out);
  }
  json out = to_json(parse_job_spec(optimization(), JobKind::kOptimization).value());
  EXPECT_EQ(out["space"]["fast"], json::parse(R"({"start": 5, "stop": 25, "step": 5})"));
  EXPECT_EQ(out["objective"], json::parse(R"({"metric": "return_pct", "goal": "minimize"})"));
  EXPECT_FALSE(to_json(parse_job_spec(backtest(), JobKind::kBacktest).value()).contains("space"));
  // A float written as 10.0 stays a float.
  JobSpec f = parse_job_spec(with("params", {{"stop", 1.0}}), JobKind::kOptimization).value();
  EXPECT_EQ(parse_job_spec(to_json(f), JobKind::kOptimization).value(), f);
}

TEST(JobSpecSchema, ChecksNamesTypesBoundsAndChoices) {
  JobSpec s = parse_job_spec(optimization(), JobKind::kOptimization).value();
  EXPECT_TRUE(check_against_schema(s, kSchema).ok());
  json bare = optimization();  // without params and constraint, so any space parses
  bare.erase("params");
  bare.erase("constraint");
  auto check = [](json j, JobKind kind = JobKind::kOptimization) {
    Result<JobSpec> spec = parse_job_spec(j, kind);
    if (!spec.ok()) return "(parse) " + spec.status().message();
    Status st = check_against_schema(*spec, kSchema);
    return st.ok() ? "(ok)" : st.message();
  };
  EXPECT_EQ(check(with("params", {{"fast", 0}, {"slow", 30}}, backtest()), JobKind::kBacktest),
            "params.fast: 0 is outside [1, 1000]");
  EXPECT_EQ(check(with("params", {{"fats", 1}}, backtest()), JobKind::kBacktest),
            "params.fats: unknown parameter (expected fast, slow, mode, stop)");
  EXPECT_EQ(check(with("params", {{"mode", "both"}}, backtest()), JobKind::kBacktest),
            "params.mode: 'both' is not one of long_only|long_short");
  EXPECT_EQ(check(with("params", {{"fast", 2.5}}, backtest()), JobKind::kBacktest),
            "params.fast: expected an integer, got 2.5");
  EXPECT_EQ(check(with("params", {{"stop", "x"}}, backtest()), JobKind::kBacktest),
            "params.stop: expected a number, got x");
  EXPECT_EQ(check(with("params", {{"mode", "both"}})),  // fixed params of an optimization
            "params.mode: 'both' is not one of long_only|long_short");
  EXPECT_EQ(check(with("space", {{"slow", {20, 30, 9000}}}, bare)),
            "space.slow[2]: 9000 is outside [2, 5000]");
  EXPECT_EQ(check(with("space", {{"fast", {{"start", 0}, {"stop", 25}, {"step", 5}}}}, bare)),
            "space.fast.start: 0 is outside [1, 1000]");
  EXPECT_EQ(check(with("space", {{"fast", {{"start", 5}, {"stop", 2000}, {"step", 5}}}}, bare)),
            "space.fast.stop: 2000 is outside [1, 1000]");
  EXPECT_EQ(check(with("space", {{"fast", {{"start", 5}, {"stop", 25}, {"step", 0.5}}}}, bare)),
            "space.fast.step: expected an integer, got 0.5");
  EXPECT_EQ(check(with("space", {{"mode", {{"start", 5}, {"stop", 25}, {"step", 5}}}}, bare)),
            "space.mode: a range needs a numeric parameter; 'mode' is a choice");
  EXPECT_EQ(check(with("space", {{"speed", {1, 2}}}, bare)),
            "space.speed: unknown parameter (expected fast, slow, mode, stop)");
}

TEST(JobSpecSchema, ConformGivesSchemaTypes) {
  json j = with("space", {{"stop", {{"start", 0}, {"stop", 1}, {"step", 1}}},
                          {"fast", {{"start", 5.0}, {"stop", 26.5}, {"step", 5.0}}},
                          {"slow", {30.0, 40}}});
  JobSpec s = conform_to_schema(parse_job_spec(j, JobKind::kOptimization).value(), kSchema).value();
  const Axis& stop = *s.space.find("stop");
  EXPECT_EQ(stop.at(1), ParamValue(1.0));
  const Axis& fast = *s.space.find("fast");
  EXPECT_EQ(fast.size(), 5u);
  EXPECT_EQ(fast.at(4), ParamValue(int64_t{25}));
  EXPECT_EQ(s.space.find("slow")->values(), (std::vector<ParamValue>{int64_t{30}, int64_t{40}}));
}

// Found by tests/fuzz (fuzz_job_spec): nlohmann throws out_of_range, not parse_error, for a number
// beyond double; it escaped parse_job_spec_text.
TEST(JobSpecParse, TextWithAnOverflowingNumberIsBadRequest) {
  Result<JobSpec> r =
      parse_job_spec_text(R"([1, {"dataset": null}, "\u0000", 1e999])", JobKind::kOptimization);
  EXPECT_EQ(r.status().code(), Code::kBadRequest);
  EXPECT_EQ(r.status().message(), "spec: not valid JSON: number overflow parsing '1e999'");
  r = parse_job_spec_text(R"({"dataset": {"path": "a.csv"}, "strategy": "s", "cash": -1e400})",
                          JobKind::kBacktest);
  EXPECT_EQ(r.status().code(), Code::kBadRequest);
}

TEST(JobSpecPlan, SameSpecSameTrials) {
  json j = optimization();
  j["method"] = "grid";
  json reordered = json::parse(R"({
    "max_attempts": 2, "trial_timeout_s": 30, "top_k": 5, "commission": 0.002, "cash": 5000,
    "objective": {"goal": "minimize", "metric": "return_pct"}, "method": "grid",
    "constraint": "fast < slow",
    "space": {"fast": {"step": 5, "stop": 25, "start": 5}, "slow": [20, 30, 40]},
    "params": {"mode": "long_short"}, "strategy": "sma_cross", "dataset": {"path": "GOOG.csv"}
  })");
  TrialPlan a = make_trial_plan(parse_job_spec(j, JobKind::kOptimization).value()).value();
  TrialPlan b = make_trial_plan(parse_job_spec(reordered, JobKind::kOptimization).value()).value();
  // fast 5..25 x slow {20,30,40} with fast < slow: 3 + 3 + 3 + 2 + 2 = 13.
  ASSERT_EQ(a.total(), 13u);
  ASSERT_EQ(b.total(), 13u);
  TrialCursor ca = a.cursor(), cb = b.cursor();
  for (uint64_t i = 0; i < 13; ++i) EXPECT_EQ(ca.next(), cb.next());
  EXPECT_FALSE(ca.next().has_value());
  EXPECT_EQ(a.trial_at(0)->params.ToString(), "fast=5 mode=long_short slow=20");
  EXPECT_EQ(a.trial_at(12)->params.ToString(), "fast=25 mode=long_short slow=40");
  // The constraint may use fixed params.
  j["constraint"] = "fast < slow and mode == 'long_only'";
  EXPECT_EQ(make_trial_plan(parse_job_spec(j, JobKind::kOptimization).value()).status().message(),
            "constraint: excludes every point of the space");
}

}  // namespace
}  // namespace sweep
