// The value codecs of the protocol's own types (enums by name, metrics, params, equity) and the
// schemas of the maps more than one direction carries (trial records, trades). Private to
// common/protocol; the messages' schemas are in messages_*.cpp.
#pragma once

#include "codec_frames.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::protocol::codec {

// ---- enums by name ----

struct JobStateNames {
  using T = JobState;
  static constexpr std::string_view what = "job state";
  static constexpr bool kEmptyStrIsNil = false;
  static auto from(std::string_view s) { return job_state_from_name(s); }
  static auto name(T v) { return job_state_name(v); }
};
struct JobKindNames {
  using T = JobKind;
  static constexpr std::string_view what = "job kind";
  static constexpr bool kEmptyStrIsNil = false;
  static auto from(std::string_view s) { return job_kind_from_name(s); }
  static auto name(T v) { return job_kind_name(v); }
};
struct TrialStateNames {  // a recorded trial: any state
  using T = TrialState;
  static constexpr std::string_view what = "trial state";
  static constexpr bool kEmptyStrIsNil = false;
  static auto from(std::string_view s) { return trial_state_from_name(s); }
  static auto name(T v) { return trial_state_name(v); }
};
struct EndedTrialStateNames {  // a worker's result: completed, failed or cancelled
  using T = TrialState;
  static constexpr std::string_view what = "trial status";
  static constexpr bool kEmptyStrIsNil = false;
  static auto from(std::string_view s) { return ended_trial_state_from_name(s); }
  static auto name(T v) { return trial_state_name(v); }
};
struct MetricNames {
  using T = Metric;
  static constexpr std::string_view what = "metric";
  static constexpr bool kEmptyStrIsNil = false;
  static auto from(std::string_view s) { return metric_from_name(s); }
  static auto name(T v) { return metric_name(v); }
};
// A filter of `list`: an empty string is no filter, like nil.
template <class D>
struct FilterNames : D {
  static constexpr bool kEmptyStrIsNil = true;
};

// `goal`: "maximize" | "minimize" as Objective::maximize.
struct Goal {
  static void put(W& w, bool maximize) { put_str(w, goal_name(maximize)); }
  static bool get(const Obj& o, bool& maximize, const Path& p, Ctx& ctx);
};

// ---- maps and arrays of the protocol's values ----

// `metrics`: all 24 names, sorted, float 64 or nil (NaN); unknown names are ignored.
struct MetricsCodec {
  static void put(W& w, const Metrics& m);
  static bool get(const Obj& o, Metrics& m, const Path& p, Ctx& ctx);
};
// `params`: name -> int | float | string, decoded in name order whatever the wire order.
struct ParamsCodec {
  static void put(W& w, const ParamSet& p);
  static bool get(const Obj& o, ParamSet& p, const Path& p_, Ctx& ctx);
};
// An equity curve: numbers, nil = NaN; at most kMaxEquityPoints.
struct EquityCodec {
  static void put(W& w, const std::vector<double>& v);
  static bool get(const Obj& o, std::vector<double>& v, const Path& p, Ctx& ctx);
};
struct Trades {
  static constexpr std::string_view unit = "trades";
};

// ---- maps of more than one message ----

template <>
struct Schema<TrialRecord> {
  static constexpr auto fields = std::tuple{
      req<&TrialRecord::index, U64>("index"),
      req<&TrialRecord::attempt, U32>("attempt"),
      req<&TrialRecord::status, Enum<TrialStateNames>>("status"),
      req<&TrialRecord::params, ParamsCodec>("params"),
      req<&TrialRecord::metrics, MetricsCodec>("metrics"),
      req<&TrialRecord::trades, U64>("trades"),
      opt<&TrialRecord::error_message, Str<>>("error_message"),
      opt<&TrialRecord::error_stack_trace, Str<>>("error_stack_trace"),
      opt<&TrialRecord::worker, Id>("worker"),
      opt<&TrialRecord::started_at, Opt<I64>>("started_at"),
      opt<&TrialRecord::finished_at, Opt<I64>>("finished_at"),
  };
};

// A trade as `sweep backtest --json` prints it (jobs/result_json.hpp), every number finite.
template <>
struct Schema<TradeRecord> {
  static constexpr auto fields = std::tuple{
      req<&TradeRecord::size, I64>("size"),
      req<&TradeRecord::entry_bar, U32>("entry_bar"),
      req<&TradeRecord::exit_bar, U32>("exit_bar"),
      req<&TradeRecord::entry_time, Id>("entry_time"),
      req<&TradeRecord::exit_time, Id>("exit_time"),
      req<&TradeRecord::entry_price, F64>("entry_price"),
      req<&TradeRecord::exit_price, F64>("exit_price"),
      req<&TradeRecord::pnl, F64>("pnl"),
      req<&TradeRecord::return_pct, F64>("return_pct"),
      req<&TradeRecord::commissions, F64>("commissions"),
  };
};

// A trial's daily-return statistics: the blocks as one flat array [count, sum, sum_sq, ...], a
// third of the bytes of a map per block.
struct BlocksCodec {
  static void put(W& w, const std::vector<BlockSums>& v);
  static bool get(const Obj& o, std::vector<BlockSums>& v, const Path& p, Ctx& ctx);
};
template <>
struct Schema<ReturnStats> {
  static constexpr auto fields = std::tuple{
      req<&ReturnStats::days, U32>("days"), req<&ReturnStats::mean, F64>("mean"),
      req<&ReturnStats::m2, F64>("m2"),     req<&ReturnStats::m3, F64>("m3"),
      req<&ReturnStats::m4, F64>("m4"),     req<&ReturnStats::blocks, BlocksCodec>("blocks"),
  };
};

template <>
struct Schema<Objective> {
  static constexpr auto fields = std::tuple{
      req<&Objective::metric, Enum<MetricNames>>("metric"),
      req<&Objective::maximize, Goal>("goal"),
  };
};

}  // namespace sweep::protocol::codec
