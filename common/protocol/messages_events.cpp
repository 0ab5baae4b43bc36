// The events the broker publishes and the workers' telemetry (docs/PROTOCOL.md §6, §7), each
// described once by its Schema.
#include "messages.hpp"
#include "schemas.hpp"

namespace sweep::protocol::codec {

template <>
struct Schema<ProgressEvent> {
  static constexpr std::string_view type = "progress";
  static constexpr auto fields = std::tuple{
      req<&ProgressEvent::job, Id>("job"),
      req<&ProgressEvent::status, Enum<JobStateNames>>("status"),
      req<&ProgressEvent::total, U64>("total"),
      req<&ProgressEvent::completed, U64>("completed"),
      req<&ProgressEvent::failed, U64>("failed"),
      req<&ProgressEvent::running, U64>("running"),
      req<&ProgressEvent::queued, U64>("queued"),
      req<&ProgressEvent::progress, F64>("progress"),
      req<&ProgressEvent::elapsed_s, F64>("elapsed_s"),
      opt<&ProgressEvent::eta_s, Opt<F64>>("eta_s"),
  };
};
template <>
struct Schema<TrialEvent> {
  static constexpr std::string_view type = "trial_event";
  static constexpr auto fields = std::tuple{
      req<&TrialEvent::job, Id>("job"),
      req<&TrialEvent::trial, Struct<TrialRecord>>("trial"),
  };
};
template <>
struct Schema<StateEvent> {
  static constexpr std::string_view type = "state";
  static constexpr auto fields = std::tuple{
      req<&StateEvent::job, Id>("job"),
      req<&StateEvent::status, Enum<JobStateNames>>("status"),
      opt<&StateEvent::error_message, Str<>>("error_message"),
  };
};
template <>
struct Schema<CancelEvent> {
  static constexpr std::string_view type = "cancel";
  static constexpr auto fields = std::tuple{req<&CancelEvent::job, Id>("job")};
};
template <>
struct Schema<Tick> {
  static constexpr std::string_view type = "tick";
  static constexpr auto fields = std::tuple{
      req<&Tick::job, Id>("job"),
      req<&Tick::trial, U64>("trial"),
      req<&Tick::attempt, U32>("attempt"),
      req<&Tick::bars_done, U64>("bars_done"),
      req<&Tick::bars_total, U64>("bars_total"),
  };
};

namespace {

constexpr std::array<Entry<Event>, 4> kEvents = {
    entry<Event, ProgressEvent>(),
    entry<Event, TrialEvent>(),
    entry<Event, StateEvent>(),
    entry<Event, CancelEvent>(),
};
constexpr std::array<Entry<Tick>, 1> kTicks = {entry<Tick, Tick>()};

}  // namespace

std::string encode_events(const Event& m) {
  return std::visit([](const auto& x) { return encode_message(x); }, m);
}
std::string encode_events(const Tick& m) {
  return encode_message(m);
}
Result<Event> decode_events(std::string_view bytes) {
  return decode_frame(bytes, kMaxMessageBytes, kEvents);
}
Result<Tick> decode_ticks(std::string_view bytes) {
  return decode_frame(bytes, kMaxMessageBytes, kTicks);
}

}  // namespace sweep::protocol::codec
