// The frontend's messages (docs/PROTOCOL.md §4): client requests and the broker's replies, each
// described once by its Schema.
#include "messages.hpp"
#include "schemas.hpp"

namespace sweep::protocol::codec {

// ---- requests ----

template <>
struct Schema<SubmitRequest> {  // type: submit_backtest | submit_optimization, from kind
  static constexpr auto fields = std::tuple{
      req<&SubmitRequest::req, Id>("req"),
      req<&SubmitRequest::spec, JsonMap>("spec"),
      opt<&SubmitRequest::idempotency_key, Id>("idempotency_key"),
  };
};
template <class S>
struct IdRequestSchema {
  static constexpr auto fields = std::tuple{
      req<&S::req, Id>("req"),
      req<&S::id, Id>("id"),
  };
};
template <>
struct Schema<StatusRequest> : IdRequestSchema<StatusRequest> {
  static constexpr std::string_view type = "status";
};
template <>
struct Schema<CancelRequest> : IdRequestSchema<CancelRequest> {
  static constexpr std::string_view type = "cancel";
};
template <>
struct Schema<GetRequest> : IdRequestSchema<GetRequest> {
  static constexpr std::string_view type = "get";
};

// `sort`: "index" or a metric name; empty = "index".
struct SortKey {
  static constexpr bool kEmptyStrIsNil = true;
  static void put(W& w, const std::string& s) { put_str(w, s); }
  static bool get(const Obj& o, std::string& out, const Path& p, Ctx& ctx) {
    if (!Str<64>::get(o, out, p, ctx)) return false;
    if (out != "index" && !metric_from_name(out))
      return ctx.fail(p, "unknown sort key '" + out + "' (expected index or a metric name)");
    return true;
  }
};
struct OrderCodec {
  static constexpr bool kEmptyStrIsNil = true;
  static void put(W& w, SortOrder o) { put_str(w, o == SortOrder::kAsc ? "asc" : "desc"); }
  static bool get(const Obj& o, SortOrder& out, const Path& p, Ctx& ctx) {
    std::string s;
    if (!Str<8>::get(o, s, p, ctx)) return false;
    if (s != "asc" && s != "desc") return ctx.fail(p, "expected 'asc' or 'desc'");
    out = s == "asc" ? SortOrder::kAsc : SortOrder::kDesc;
    return true;
  }
};
static bool check_limit(uint64_t limit, const Path& p, Ctx& ctx) {
  if (limit == 0 || limit > kMaxPageLimit)
    return ctx.fail(at(p, "limit"), "must be between 1 and " + std::to_string(kMaxPageLimit));
  return true;
}

template <>
struct Schema<TrialsRequest> {
  static constexpr std::string_view type = "trials";
  static constexpr auto fields = std::tuple{
      req<&TrialsRequest::req, Id>("req"),         req<&TrialsRequest::id, Id>("id"),
      dflt<&TrialsRequest::sort, SortKey>("sort"), dflt<&TrialsRequest::order, OrderCodec>("order"),
      dflt<&TrialsRequest::limit, U64>("limit"),   dflt<&TrialsRequest::offset, U64>("offset"),
  };
  static bool check(TrialsRequest& m, uint64_t present, const Path& p, Ctx& ctx) {
    // Without an order: ascending by index, best first by a metric.
    if (!(present & bit<TrialsRequest>("order")))
      m.order = m.sort == "index" ? SortOrder::kAsc : SortOrder::kDesc;
    return check_limit(m.limit, p, ctx);
  }
};
template <>
struct Schema<ListRequest> {
  static constexpr std::string_view type = "list";
  static constexpr auto fields = std::tuple{
      req<&ListRequest::req, Id>("req"),
      opt<&ListRequest::kind, Opt<Enum<FilterNames<JobKindNames>>>>("kind"),
      opt<&ListRequest::status, Opt<Enum<FilterNames<JobStateNames>>>>("status"),
      dflt<&ListRequest::limit, U64>("limit"),
      dflt<&ListRequest::offset, U64>("offset"),
  };
  static bool check(ListRequest& m, uint64_t, const Path& p, Ctx& ctx) {
    return check_limit(m.limit, p, ctx);
  }
};
template <>
struct Schema<StrategiesRequest> {
  static constexpr std::string_view type = "strategies";
  static constexpr auto fields = std::tuple{req<&StrategiesRequest::req, Id>("req")};
};
template <>
struct Schema<DatasetsRequest> {
  static constexpr std::string_view type = "datasets";
  static constexpr auto fields = std::tuple{req<&DatasetsRequest::req, Id>("req")};
};
template <>
struct Schema<HealthRequest> {
  static constexpr std::string_view type = "health";
  static constexpr auto fields = std::tuple{req<&HealthRequest::req, Id>("req")};
};

// ---- replies ----

template <>
struct Schema<AcceptedReply> {
  static constexpr std::string_view type = "accepted";
  static constexpr auto fields = std::tuple{
      req<&AcceptedReply::req, Id>("req"),
      req<&AcceptedReply::id, Id>("id"),
      req<&AcceptedReply::total, U64>("total"),
      req<&AcceptedReply::status, Enum<JobStateNames>>("status"),
  };
};
template <>
struct Schema<StatusReply> {
  static constexpr std::string_view type = "status";
  static constexpr auto fields = std::tuple{
      req<&StatusReply::req, Id>("req"),
      req<&StatusReply::id, Id>("id"),
      req<&StatusReply::kind, Enum<JobKindNames>>("kind"),
      req<&StatusReply::status, Enum<JobStateNames>>("status"),
      req<&StatusReply::total, U64>("total"),
      req<&StatusReply::completed, U64>("completed"),
      req<&StatusReply::failed, U64>("failed"),
      req<&StatusReply::progress, F64>("progress"),
      req<&StatusReply::running, U64>("running"),
      req<&StatusReply::queued, U64>("queued"),
      req<&StatusReply::elapsed_s, F64>("elapsed_s"),
      opt<&StatusReply::eta_s, Opt<F64>>("eta_s"),
      opt<&StatusReply::best, Opt<Struct<TrialRecord>>>("best"),
      opt<&StatusReply::result, JsonMap>("result"),
      omit<&StatusReply::waiting_for, Str<>>("waiting_for"),
  };
};
template <>
struct Schema<JobRecord> {
  static constexpr auto fields = std::tuple{
      req<&JobRecord::id, Id>("id"),
      req<&JobRecord::kind, Enum<JobKindNames>>("kind"),
      req<&JobRecord::status, Enum<JobStateNames>>("status"),
      req<&JobRecord::spec, JsonMap>("spec"),
      req<&JobRecord::total, U64>("total"),
      req<&JobRecord::completed, U64>("completed"),
      req<&JobRecord::failed, U64>("failed"),
      opt<&JobRecord::created_at, Opt<I64>>("created_at"),
      opt<&JobRecord::started_at, Opt<I64>>("started_at"),
      opt<&JobRecord::finished_at, Opt<I64>>("finished_at"),
      opt<&JobRecord::error_message, Str<>>("error_message"),
      opt<&JobRecord::best, Opt<Struct<TrialRecord>>>("best"),
      opt<&JobRecord::result, JsonMap>("result"),
  };
};
template <>
struct Schema<JobReply> {
  static constexpr std::string_view type = "job";
  static constexpr auto fields = std::tuple{
      req<&JobReply::req, Id>("req"),
      req<&JobReply::job, Struct<JobRecord>>("job"),
  };
};
template <>
struct Schema<TrialsPage> {
  static constexpr std::string_view type = "trials_page";
  static constexpr auto fields = std::tuple{
      req<&TrialsPage::req, Id>("req"),
      req<&TrialsPage::id, Id>("id"),
      req<&TrialsPage::total, U64>("total"),
      req<&TrialsPage::offset, U64>("offset"),
      req<&TrialsPage::trials, List<Struct<TrialRecord>>>("trials"),
  };
};
template <>
struct Schema<JobSummary> {
  static constexpr auto fields = std::tuple{
      req<&JobSummary::id, Id>("id"),
      req<&JobSummary::kind, Enum<JobKindNames>>("kind"),
      req<&JobSummary::status, Enum<JobStateNames>>("status"),
      req<&JobSummary::total, U64>("total"),
      req<&JobSummary::completed, U64>("completed"),
      req<&JobSummary::failed, U64>("failed"),
      opt<&JobSummary::created_at, Opt<I64>>("created_at"),
      opt<&JobSummary::finished_at, Opt<I64>>("finished_at"),
  };
};
template <>
struct Schema<JobsPage> {
  static constexpr std::string_view type = "jobs_page";
  static constexpr auto fields = std::tuple{
      req<&JobsPage::req, Id>("req"),
      req<&JobsPage::total, U64>("total"),
      req<&JobsPage::offset, U64>("offset"),
      req<&JobsPage::jobs, List<Struct<JobSummary>>>("jobs"),
  };
};
template <>
struct Schema<Endpoints> {
  static constexpr auto fields = std::tuple{
      req<&Endpoints::frontend, Str<>>("frontend"),
      req<&Endpoints::backend, Str<>>("backend"),
      req<&Endpoints::events, Str<>>("events"),
      req<&Endpoints::telemetry, Str<>>("telemetry"),
  };
};
template <>
struct Schema<WorkerInfo> {
  static constexpr auto fields = std::tuple{
      req<&WorkerInfo::id, Id>("id"),        req<&WorkerInfo::pid, I64>("pid"),
      req<&WorkerInfo::host, Str<>>("host"), req<&WorkerInfo::slots, U32>("slots"),
      req<&WorkerInfo::busy, U32>("busy"),   omit<&WorkerInfo::draining, Flag>("draining"),
  };
};
template <>
struct Schema<LiveJobInfo> {
  static constexpr auto fields = std::tuple{
      req<&LiveJobInfo::id, Id>("id"),
      req<&LiveJobInfo::queued, U64>("queued"),
      req<&LiveJobInfo::running, U64>("running"),
      req<&LiveJobInfo::completed, U64>("completed"),
      req<&LiveJobInfo::failed, U64>("failed"),
      req<&LiveJobInfo::trials_per_s, F64>("trials_per_s"),
  };
};
template <>
struct Schema<WaitingJob> {
  static constexpr auto fields = std::tuple{
      req<&WaitingJob::job, Id>("job"),
      req<&WaitingJob::reason, Str<>>("reason"),
  };
};
template <>
struct Schema<StrategiesReply> {
  static constexpr std::string_view type = "strategies";
  static constexpr auto fields = std::tuple{
      req<&StrategiesReply::req, Id>("req"),
      req<&StrategiesReply::strategies, JsonArray>("strategies"),
      req<&StrategiesReply::metrics, JsonArray>("metrics"),
  };
};
template <>
struct Schema<DatasetsReply> {
  static constexpr std::string_view type = "datasets";
  static constexpr auto fields = std::tuple{
      req<&DatasetsReply::req, Id>("req"),
      req<&DatasetsReply::files, JsonArray>("files"),
      req<&DatasetsReply::stored, JsonArray>("stored"),
  };
};
template <>
struct Schema<HealthReply> {
  static constexpr std::string_view type = "health";
  static constexpr auto fields = std::tuple{
      req<&HealthReply::req, Id>("req"),
      req<&HealthReply::version, Str<>>("version"),
      req<&HealthReply::endpoints, Struct<Endpoints>>("endpoints"),
      req<&HealthReply::workers, List<Struct<WorkerInfo>>>("workers"),
      req<&HealthReply::queue, U64>("queue"),
      req<&HealthReply::jobs, U64>("jobs"),
      omit<&HealthReply::store_error, Str<>>("store_error"),
      omit<&HealthReply::waiting, List<Struct<WaitingJob>>>("waiting"),
      omit<&HealthReply::running, Opt<U64>>("running"),
      omit<&HealthReply::trials_per_s, Opt<F64>>("trials_per_s"),
      omit<&HealthReply::live_jobs, List<Struct<LiveJobInfo>>>("live_jobs"),
  };
};

// `code`: a code this peer does not know (a newer broker's) reads as internal.
struct CodeCodec {
  static void put(W& w, Code c) { put_str(w, code_name(c)); }
  static bool get(const Obj& o, Code& out, const Path& p, Ctx& ctx) {
    std::string s;
    if (!Str<64>::get(o, s, p, ctx)) return false;
    out = Code::kInternal;
    for (int c = static_cast<int>(Code::kOk); c <= static_cast<int>(Code::kInternal); ++c)
      if (code_name(static_cast<Code>(c)) == s) out = static_cast<Code>(c);
    return true;
  }
};
template <>
struct Schema<ErrorReply> {
  static constexpr std::string_view type = "error";
  static constexpr auto fields = std::tuple{
      // `req` may be nil: the request it answers had none readable (written as given, "" too).
      dflt<&ErrorReply::req, Id>("req"),
      req<&ErrorReply::code, CodeCodec>("code"),
      req<&ErrorReply::message, Str<>>("message"),
      opt<&ErrorReply::field, Str<>>("field"),
  };
};

namespace {

template <class V, class S>
bool decode_submit(const Obj& root, std::string_view type, V& out, Ctx& ctx) {
  if (!decode_as<V, S>(root, type, out, ctx)) return false;
  std::get<SubmitRequest>(out).kind =
      type == "submit_backtest" ? JobKind::kBacktest : JobKind::kOptimization;
  return true;
}

using FR = FrontendRequest;
constexpr std::array<Entry<FR>, 10> kRequests = {
    Entry<FR>{"submit_backtest", &decode_submit<FR, SubmitRequest>},
    Entry<FR>{"submit_optimization", &decode_submit<FR, SubmitRequest>},
    entry<FR, StatusRequest>(),
    entry<FR, CancelRequest>(),
    entry<FR, GetRequest>(),
    entry<FR, TrialsRequest>(),
    entry<FR, ListRequest>(),
    entry<FR, HealthRequest>(),
    entry<FR, StrategiesRequest>(),
    entry<FR, DatasetsRequest>(),
};
using FP = FrontendReply;
constexpr std::array<Entry<FP>, 9> kReplies = {
    entry<FP, AcceptedReply>(), entry<FP, StatusReply>(),     entry<FP, JobReply>(),
    entry<FP, TrialsPage>(),    entry<FP, JobsPage>(),        entry<FP, HealthReply>(),
    entry<FP, ErrorReply>(),    entry<FP, StrategiesReply>(), entry<FP, DatasetsReply>(),
};

}  // namespace

std::string encode_frontend(const FrontendRequest& m) {
  return std::visit([&](const auto& x) { return encode_message(x, type_name(m)); }, m);
}
std::string encode_frontend(const FrontendReply& m) {
  return std::visit([](const auto& x) { return encode_message(x); }, m);
}
Result<FrontendRequest> decode_requests(std::string_view bytes, size_t max_bytes) {
  return decode_frame(bytes, max_bytes, kRequests);
}
Result<FrontendReply> decode_replies(std::string_view bytes) {
  return decode_frame(bytes, kMaxMessageBytes, kReplies);
}

}  // namespace sweep::protocol::codec
