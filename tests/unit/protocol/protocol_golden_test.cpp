// Byte identity of the codec across rewrites: golden_frames.txt holds a wide sample of every
// message (optionals present and absent, every string, array and map header size up to 16 bits,
// negative and 64-bit integers, NaN metrics, trade lists) as the codec before issue 12 encoded
// them, one "<direction> <name> <hex>" per line. Each must decode, and encode back to exactly
// the same bytes: the wire did not change.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "sweep/protocol/protocol.hpp"

namespace sweep::protocol {
namespace {

struct Golden {
  std::string direction, name, bytes;
};

std::string unhex(const std::string& h) {
  std::string out;
  out.reserve(h.size() / 2);
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<Golden> golden_frames() {
  std::ifstream in(std::string(SWEEP_DATA_DIR) + "/../tests/unit/protocol/golden_frames.txt");
  std::vector<Golden> out;
  Golden g;
  std::string h;
  while (in >> g.direction >> g.name >> h) {
    g.bytes = unhex(h);
    out.push_back(g);
  }
  return out;
}

// Decodes with the decoder of `direction` and encodes the result again ("" when it failed).
std::string reencode(const Golden& g, std::string& error) {
  auto again = [&](auto decoded) -> std::string {
    if (!decoded.ok()) {
      error = decoded.status().ToString();
      return {};
    }
    return encode(*decoded);
  };
  if (g.direction == "req") return again(decode_frontend_request(g.bytes));
  if (g.direction == "rep") return again(decode_frontend_reply(g.bytes));
  if (g.direction == "wrk") return again(decode_worker_message(g.bytes));
  if (g.direction == "brk") return again(decode_broker_message(g.bytes));
  if (g.direction == "evt") return again(decode_event(g.bytes));
  if (g.direction == "tick") return again(decode_tick(g.bytes));
  error = "unknown direction " + g.direction;
  return {};
}

TEST(ProtocolGolden, EveryFrameDecodesAndEncodesToTheSameBytes) {
  const auto frames = golden_frames();
  ASSERT_GE(frames.size(), 60u) << "golden_frames.txt not found or short";
  for (const auto& g : frames) {
    std::string error;
    const std::string out = reencode(g, error);
    EXPECT_EQ(error, "") << g.name;
    EXPECT_TRUE(out == g.bytes) << g.name << ": " << out.size() << " bytes instead of "
                                << g.bytes.size();
  }
}

}  // namespace
}  // namespace sweep::protocol
