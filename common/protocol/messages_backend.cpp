// The backend's messages (docs/PROTOCOL.md §5): worker -> broker and broker -> worker, each
// described once by its Schema.
#include "messages.hpp"
#include "schemas.hpp"

namespace sweep::protocol::codec {

// ---- worker -> broker ----

template <>
struct Schema<Hello> {
  static constexpr std::string_view type = "hello";
  static constexpr auto fields = std::tuple{
      req<&Hello::worker, Id>("worker"),
      req<&Hello::pid, I64>("pid"),
      req<&Hello::host, Str<kMaxPathLength>>("host"),
      req<&Hello::slots, U32>("slots"),
      req<&Hello::version, Id>("version"),
      req<&Hello::strategies, List<Str<>>>("strategies"),
  };
};
template <>
struct Schema<Heartbeat> {
  static constexpr std::string_view type = "heartbeat";
  static constexpr std::tuple<> fields{};
};
template <>
struct Schema<Credit> {
  static constexpr std::string_view type = "credit";
  static constexpr auto fields = std::tuple{req<&Credit::credit, U32>("credit")};
};
template <>
struct Schema<TrialResult> {
  static constexpr std::string_view type = "result";
  static constexpr auto fields = std::tuple{
      req<&TrialResult::job, Id>("job"),
      req<&TrialResult::index, U64>("index"),
      req<&TrialResult::attempt, U32>("attempt"),
      req<&TrialResult::status, Enum<EndedTrialStateNames>>("status"),
      req<&TrialResult::metrics, MetricsCodec>("metrics"),
      req<&TrialResult::trades, U64>("trades"),
      req<&TrialResult::equity, EquityCodec>("equity"),
      opt<&TrialResult::error_message, Str<>>("error_message"),
      opt<&TrialResult::error_stack_trace, Str<>>("error_stack_trace"),
      req<&TrialResult::started_at, I64>("started_at"),
      req<&TrialResult::finished_at, I64>("finished_at"),
      req<&TrialResult::bars, U64>("bars"),
      dflt<&TrialResult::duration_us, U64>("duration_us"),
      opt<&TrialResult::trade_list, Opt<List<Struct<TradeRecord>, kMaxTradeListLength, Trades>>>(
          "trade_list"),
      omit<&TrialResult::return_stats, Opt<Struct<ReturnStats>>>("return_stats"),
  };
};
template <>
struct Schema<TrialResults> {
  static constexpr std::string_view type = "results";
  static constexpr auto fields = std::tuple{
      req<&TrialResults::results, List<Struct<TrialResult>, kMaxBatchTrials>>("results"),
      dflt<&TrialResults::credit, U32>("credit"),
  };
};
template <>
struct Schema<DatasetRequest> {
  static constexpr std::string_view type = "dataset_request";
  static constexpr auto fields = std::tuple{req<&DatasetRequest::hash, Id>("hash")};
};
template <>
struct Schema<Bye> {
  static constexpr std::string_view type = "bye";
  static constexpr auto fields = std::tuple{opt<&Bye::reason, Str<>>("reason")};
};
template <>
struct Schema<TrialRef> {
  static constexpr auto fields = std::tuple{
      req<&TrialRef::job, Id>("job"),
      req<&TrialRef::index, U64>("index"),
      req<&TrialRef::attempt, U32>("attempt"),
  };
};
template <>
struct Schema<Crashed> {
  static constexpr std::string_view type = "crashed";
  static constexpr auto fields = std::tuple{
      req<&Crashed::signal, U32>("signal"),
      req<&Crashed::signal_name, Id>("signal_name"),
      req<&Crashed::description, Str<kMaxStringLength>>("description"),
      opt<&Crashed::trial, Opt<Struct<TrialRef>>>("trial"),
  };
};
template <>
struct Schema<Draining> {
  static constexpr std::string_view type = "draining";
  static constexpr auto fields =
      std::tuple{req<&Draining::trials, List<Struct<TrialRef>, kMaxBatchTrials>>("trials")};
};

// ---- broker -> worker ----

template <>
struct Schema<Welcome> {
  static constexpr std::string_view type = "welcome";
  static constexpr auto fields = std::tuple{
      req<&Welcome::events, Str<kMaxPathLength>>("events"),
      req<&Welcome::telemetry, Str<kMaxPathLength>>("telemetry"),
      req<&Welcome::heartbeat_ms, U32>("heartbeat_ms"),
      req<&Welcome::heartbeat_liveness, U32>("heartbeat_liveness"),
  };
};
template <>
struct Schema<DatasetRef> {
  static constexpr auto fields = std::tuple{
      req<&DatasetRef::hash, Id>("hash"),
      req<&DatasetRef::source, JsonMap>("source"),
  };
};
template <>
struct Schema<BarSpan> {
  static constexpr auto fields = std::tuple{
      req<&BarSpan::begin, U64>("begin"),
      req<&BarSpan::end, U64>("end"),
  };
  static bool check(BarSpan& m, uint64_t, const Path& p, Ctx& ctx) {
    if (m.begin >= m.end) return ctx.fail(at(p, "end"), "must be above begin");
    return true;
  }
};
template <>
struct Schema<BatchTrial> {
  static constexpr auto fields = std::tuple{
      req<&BatchTrial::index, U64>("index"),
      req<&BatchTrial::attempt, U32>("attempt"),
      req<&BatchTrial::params, ParamsCodec>("params"),
      omit<&BatchTrial::bars, Opt<Struct<BarSpan>>>("bars"),
  };
};
template <>
struct Schema<TrialsBatch> {
  static constexpr std::string_view type = "batch";
  static constexpr auto fields = std::tuple{
      req<&TrialsBatch::job, Id>("job"),
      req<&TrialsBatch::dataset, Struct<DatasetRef>>("dataset"),
      req<&TrialsBatch::strategy, Str<kMaxStringLength>>("strategy"),
      req<&TrialsBatch::cash, F64>("cash"),
      req<&TrialsBatch::commission, F64>("commission"),
      req<&TrialsBatch::trial_timeout_s, F64>("trial_timeout_s"),
      req<&TrialsBatch::trials, List<Struct<BatchTrial>, kMaxBatchTrials>>("trials"),
      opt<&TrialsBatch::objective, Opt<Struct<Objective>>>("objective"),
      dflt<&TrialsBatch::top_k, U32>("top_k"),
      dflt<&TrialsBatch::trades, Bool>("trades"),
      omit<&TrialsBatch::return_blocks, Count>("return_blocks"),
  };
};
template <>
struct Schema<Dataset> {
  static constexpr std::string_view type = "dataset";
  static constexpr auto fields = std::tuple{
      req<&Dataset::hash, Id>("hash"),
      req<&Dataset::csv, Str<>>("csv"),
  };
};
template <>
struct Schema<CrashAck> {
  static constexpr std::string_view type = "crash_ack";
  static constexpr std::tuple<> fields{};
};

namespace {

using WM = WorkerMessage;
constexpr std::array<Entry<WM>, 9> kWorker = {
    entry<WM, Hello>(),        entry<WM, Heartbeat>(),      entry<WM, Credit>(),
    entry<WM, TrialResult>(),  entry<WM, DatasetRequest>(), entry<WM, Bye>(),
    entry<WM, TrialResults>(), entry<WM, Crashed>(),        entry<WM, Draining>(),
};
using BM = BrokerMessage;
constexpr std::array<Entry<BM>, 5> kBroker = {
    entry<BM, Welcome>(), entry<BM, Heartbeat>(), entry<BM, TrialsBatch>(),
    entry<BM, Dataset>(), entry<BM, CrashAck>(),
};

}  // namespace

std::string encode_backend(const WorkerMessage& m) {
  return std::visit([](const auto& x) { return encode_message(x); }, m);
}
std::string encode_backend(const BrokerMessage& m) {
  return std::visit([](const auto& x) { return encode_message(x); }, m);
}
Result<WorkerMessage> decode_worker(std::string_view bytes) {
  return decode_frame(bytes, kMaxMessageBytes, kWorker);
}
Result<BrokerMessage> decode_broker(std::string_view bytes) {
  return decode_frame(bytes, kMaxMessageBytes, kBroker);
}

}  // namespace sweep::protocol::codec
