// Fast paths of the codec for the messages that carry trials, sent hundreds of times per second
// with hundreds of trials each: `batch` (broker -> worker) and `results` (worker -> broker).
// The generic codec builds an nlohmann::json tree per message, which costs more than a short
// trial; these read msgpack-c objects and write bytes directly.
//
// Contract, checked by tests/unit/protocol/protocol_fast_path_test.cpp: an encoder writes exactly
// the bytes of the generic encoder; a decoder returns exactly what the generic decoder returns, or
// nullopt whenever the input is anything but well formed and canonical (keys of every map it
// reads in strictly increasing bytewise order, as the reference encoder writes them; every
// limit respected). On nullopt the caller runs the generic decoder, which is the reference and
// words every error.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sweep/protocol/protocol.hpp"

namespace sweep::protocol::detail {

std::string fast_encode(const TrialResults& m);
std::string fast_encode(const TrialsBatch& m);
std::optional<TrialResults> fast_decode_results(std::string_view bytes);
std::optional<TrialsBatch> fast_decode_batch(std::string_view bytes);

}  // namespace sweep::protocol::detail
