// Fuzz target for one decoder of the wire protocol (docs/PROTOCOL.md), chosen at compile time by
// SWEEP_FUZZ_DECODER (see CMakeLists.txt). Properties, beyond "no crash, no leak, no UB, no
// exception": a failed decode is a client error (bad_request, unsupported_version, too_large),
// never internal; a decoded message re-encodes to bytes that decode again and re-encode to the
// same bytes: decode(encode(decode(x))) encodes as decode(x) does (compared by encoding: a NaN
// metric is never equal to itself, and NaN inside JSON content is written as nil).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
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
