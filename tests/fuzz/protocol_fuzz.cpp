// Fuzz target for one decoder of the wire protocol (docs/PROTOCOL.md), chosen at compile time by
// SWEEP_FUZZ_DECODER (see CMakeLists.txt). Properties, beyond "no crash, no leak, no UB, no
// exception": a failed decode is a client error (bad_request, unsupported_version, too_large),
// never internal; a decoded message re-encodes to bytes that decode again and re-encode to the
// same bytes (the encoding is a fixed point); Sweep's own msgpack reader gives the same verdict
// and the same JSON value as nlohmann::json::from_msgpack on any bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../support/json_same.hpp"
#include "fuzz_check.hpp"
#include "sweep/protocol/msgpack_io.hpp"
#include "sweep/protocol/protocol.hpp"

namespace {

using namespace sweep;
using namespace sweep::protocol;

void check_failure(const Status& s) {
  FUZZ_CHECK(s.code() == Code::kBadRequest || s.code() == Code::kUnsupportedVersion ||
                 s.code() == Code::kTooLarge,
             s.ToString().c_str());
}

template <class Decode>
void check(std::string_view bytes, Decode decode) {
  auto first = decode(bytes);
  if (!first.ok()) {
    check_failure(first.status());
    return;
  }
  const std::string once = encode(*first);
  auto second = decode(once);
  FUZZ_CHECK(second.ok(), second.status().ToString().c_str());
  FUZZ_CHECK(encode(*second) == once, "re-encoding a decoded message changes its bytes");
}

void check_reader(std::string_view bytes) {
  auto ours = protocol::detail::read_msgpack(bytes, ~size_t{0});
  nlohmann::json theirs;
  try {
    theirs = nlohmann::json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true,
                                          /*allow_exceptions=*/false);
  } catch (const std::exception&) {
    theirs = nlohmann::json(nlohmann::json::value_t::discarded);
  }
  if (ours.ok()) {
    FUZZ_CHECK(!theirs.is_discarded(), "Sweep's reader accepts what nlohmann's refuses");
    FUZZ_CHECK(sweep::testing::same_json(*ours, theirs),
               "Sweep's reader and nlohmann's read different values");
  } else if (ours.status().message().find("deeper than") == std::string::npos) {
    // (nlohmann has no depth limit; Sweep refuses frames nested over kMaxMessageDepth.)
    FUZZ_CHECK(theirs.is_discarded(), "Sweep's reader refuses what nlohmann's reads");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_reader(bytes);  // every decoder reads its frame with it first
#if SWEEP_FUZZ_DECODER == 1
  check(bytes, [](std::string_view b) { return decode_frontend_request(b); });
  (void)recover_req(bytes);
#elif SWEEP_FUZZ_DECODER == 2
  check(bytes, [](std::string_view b) { return decode_frontend_reply(b); });
#elif SWEEP_FUZZ_DECODER == 3
  check(bytes, [](std::string_view b) { return decode_worker_message(b); });
#elif SWEEP_FUZZ_DECODER == 4
  check(bytes, [](std::string_view b) { return decode_broker_message(b); });
#elif SWEEP_FUZZ_DECODER == 5
  check(bytes, [](std::string_view b) { return decode_event(b); });
#elif SWEEP_FUZZ_DECODER == 6
  check(bytes, [](std::string_view b) { return decode_tick(b); });
#else
#error "SWEEP_FUZZ_DECODER must be 1..6"
#endif
  return 0;
}
