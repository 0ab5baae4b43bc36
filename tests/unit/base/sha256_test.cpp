#include "sweep/base/sha256.hpp"

#include <gtest/gtest.h>

namespace sweep {
namespace {

// FIPS 180-4 / NIST CAVP examples.
TEST(DatasetSha256, StandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(
      sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklm"
                 "nopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(DatasetSha256, MillionAsInUnevenPieces) {
  const std::string a(1'000'000, 'a');
  for (size_t piece : {size_t{1}, size_t{55}, size_t{64}, size_t{1000}, a.size()}) {
    Sha256 h;
    for (size_t at = 0; at < a.size(); at += piece) h.update(std::string_view(a).substr(at, piece));
    EXPECT_EQ(to_hex(h.finish()),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        << piece;
  }
}

TEST(DatasetSha256, PaddingBoundaries) {
  // Lengths around the 56-byte padding limit take one or two final blocks.
  const char* expected[] = {
      "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",  // 55
      "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",  // 56
      "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",  // 64
  };
  size_t lengths[] = {55, 56, 64};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sha256_hex(std::string(lengths[i], 'a')), expected[i]);
}

}  // namespace
}  // namespace sweep
