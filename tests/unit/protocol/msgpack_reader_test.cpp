// Sweep's msgpack reader (common/protocol/msgpack_io.cpp), which builds the JSON value of a
// frame itself: the same values as nlohmann::json::from_msgpack for every msgpack type, a string
// copied whole, and malformed frames refused.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "../../support/json_same.hpp"
#include "sweep/protocol/msgpack_io.hpp"

namespace sweep::protocol::detail {
namespace {

using nlohmann::json;

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

json nlohmann_reads(const std::string& frame) {
  return json::from_msgpack(frame.begin(), frame.end(), /*strict=*/true,
                            /*allow_exceptions=*/false);
}

TEST(MsgpackReader, EveryTypeReadsAsNlohmannReadsIt) {
  const std::vector<std::string> frames = {
      bytes({0x00}),
      bytes({0x7f}),
      bytes({0xe0}),
      bytes({0xff}),  // fixints
      bytes({0xc0}),
      bytes({0xc2}),
      bytes({0xc3}),  // nil, bools
      bytes({0xcc, 0xff}),
      bytes({0xcd, 0x12, 0x34}),                                      // uint8/16
      bytes({0xce, 0xde, 0xad, 0xbe, 0xef}),                          // uint32
      bytes({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),  // uint64 max
      bytes({0xd0, 0x80}),
      bytes({0xd0, 0x05}),
      bytes({0xd1, 0x80, 0x00}),                                      // int8/16
      bytes({0xd2, 0xff, 0xff, 0xff, 0xfe}),                          // int32 -2
      bytes({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}),                       // int64 min
      bytes({0xca, 0x3f, 0xc0, 0x00, 0x00}),                          // float32 1.5
      bytes({0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18}),  // float64 pi
      bytes({0xa3, 'a', 'b', 'c'}),
      bytes({0xa0}),
      bytes({0xd9, 2, 'h', 'i'}),
      bytes({0xda, 0, 1, 'x'}),
      bytes({0xdb, 0, 0, 0, 1, 'y'}),  // str 8/16/32
      bytes({0xc4, 2, 1, 2}),
      bytes({0xc5, 0, 1, 9}),
      bytes({0xc6, 0, 0, 0, 0}),  // bin
      bytes({0xd4, 0xff, 7}),
      bytes({0xd5, 3, 1, 2}),  // fixext 1/2
      bytes({0xd6, 0x80, 1, 2, 3, 4}),
      bytes({0xc7, 2, 0x7f, 5, 6}),  // fixext 4, ext 8
      bytes({0xc8, 0, 1, 1, 9}),
      bytes({0xc9, 0, 0, 0, 0, 0xfe}),  // ext 16/32
      bytes({0x90}),
      bytes({0x80}),
      bytes({0x92, 0x01, 0xa1, 'z'}),  // arrays, maps
      bytes({0xdc, 0, 2, 0xc0, 0xc3}),
      bytes({0xdd, 0, 0, 0, 1, 0x90}),
      bytes({0x82, 0xa1, 'k', 0x01, 0xa1, 'k', 0x02}),                              // duplicate key
      bytes({0xde, 0, 1, 0xa1, 'm', 0x81, 0xa1, 'n', 0x91, 0xc2}),                  // nested
      bytes({0xdf, 0, 0, 0, 1, 0xd9, 1, 'q', 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}),  // NaN
  };
  for (const auto& f : frames) {
    auto ours = read_msgpack(f, 1 << 20);
    const json theirs = nlohmann_reads(f);
    ASSERT_FALSE(theirs.is_discarded()) << ::testing::PrintToString(f);
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    EXPECT_TRUE(::sweep::testing::same_json(*ours, theirs))
        << ours->dump() << " vs " << theirs.dump() << " for " << ::testing::PrintToString(f);
  }
}

TEST(MsgpackReader, RandomDocumentsReadBackAsNlohmannWroteThem) {
  std::mt19937_64 rng(42);
  std::function<json(int)> make = [&](int depth) -> json {
    switch (rng() % (depth > 3 ? 6 : 8)) {
      case 0:
        return static_cast<uint64_t>(rng() >> (rng() % 64));
      case 1:
        return -static_cast<int64_t>(rng() >> (1 + rng() % 63));
      case 2:
        return std::ldexp(static_cast<double>(rng() % 100000), static_cast<int>(rng() % 40) - 20);
      case 3:
        return std::string(rng() % 300, static_cast<char>('a' + rng() % 26));
      case 4:
        return rng() % 2 == 0;
      case 5:
        return nullptr;
      case 6: {
        json a = json::array();
        for (size_t i = rng() % 5; i > 0; --i) a.push_back(make(depth + 1));
        return a;
      }
      default: {
        json o = json::object();
        for (size_t i = rng() % 5; i > 0; --i)
          o["k" + std::to_string(rng() % 10)] = make(depth + 1);
        return o;
      }
    }
  };
  for (int i = 0; i < 500; ++i) {
    const json doc = make(0);
    const auto v = json::to_msgpack(doc);
    const std::string f(v.begin(), v.end());
    auto ours = read_msgpack(f, 1 << 20);
    ASSERT_TRUE(ours.ok()) << ours.status().ToString();
    EXPECT_TRUE(::sweep::testing::same_json(*ours, nlohmann_reads(f))) << doc.dump();
  }
}

TEST(MsgpackReader, AMegabyteStringIsReadWhole) {
  std::string f = bytes({0x81, 0xa1, 's', 0xdb, 0x00, 0x0f, 0x42, 0x40});  // str 32 of 1,000,000
  f += std::string(1'000'000, 'x');
  auto ours = read_msgpack(f, 2'000'000);
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  EXPECT_EQ((*ours)["s"].get_ref<const std::string&>(), std::string(1'000'000, 'x'));
}

TEST(MsgpackReader, MalformedFramesAreRefused) {
  struct Bad {
    std::string frame, why;
  };
  const std::vector<Bad> bad = {
      {"", "not a valid msgpack value"},
      {bytes({0xc1}), "not a valid msgpack value"},
      {bytes({0xa3, 'a'}), "not a valid msgpack value"},   // string cut short
      {bytes({0x92, 0x01}), "not a valid msgpack value"},  // array cut short
      {bytes({0x01, 0x02}), "bytes after its msgpack value"},
      {bytes({0x81, 0x01, 0x02}), "map keys must be strings"},
      {bytes({0x81, 0xc4, 1, 'k', 0x02}), "map keys must be strings"},  // bin key
  };
  for (const auto& b : bad) {
    auto r = read_msgpack(b.frame, 1 << 20);
    ASSERT_FALSE(r.ok()) << ::testing::PrintToString(b.frame);
    EXPECT_EQ(r.status().code(), Code::kBadRequest);
    EXPECT_NE(r.status().message().find(b.why), std::string::npos) << r.status().ToString();
    EXPECT_TRUE(nlohmann_reads(b.frame).is_discarded()) << ::testing::PrintToString(b.frame);
  }
  auto big = read_msgpack(bytes({0xa3, 'a', 'b', 'c'}), 3);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), Code::kTooLarge);
}

}  // namespace
}  // namespace sweep::protocol::detail
