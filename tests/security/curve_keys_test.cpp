// Key files, allow-lists and the ZAP decision (no sockets): what is read, what is refused, and
// that every error names the file (and line) and the reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sweep/curve/curve_keys.hpp"
#include "zap_handler.hpp"

namespace sweep {
namespace {

class KeyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sweep-keyfiles-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto a = curve::generate(), b = curve::generate();
    ASSERT_TRUE(a.ok() && b.ok());
    a_ = *a;
    b_ = *b;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  static void expect_error(const Status& s, const std::string& what) {
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(what), std::string::npos) << s.ToString();
  }

  std::string dir_;
  curve::KeyPair a_, b_;
};

TEST_F(KeyFiles, TheSecretFileRoundTripsAndItsPublicKeyIsRead) {
  const std::string key = write("a.key", curve::secret_file_text(a_));
  const std::string pub = write("a.pub", curve::public_file_text(a_.public_key));
  auto pair = curve::load_key_pair(key);
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->public_key, a_.public_key);
  EXPECT_EQ(pair->secret_key, a_.secret_key);
  EXPECT_EQ(*curve::load_public_key(pub), a_.public_key);
  EXPECT_EQ(*curve::load_public_key(key), a_.public_key);
}

TEST_F(KeyFiles, BadKeyFilesNameTheFileAndTheReason) {
  expect_error(curve::load_key_pair(dir_ + "/none.key").status(), dir_ + "/none.key: cannot read");
  const std::string pub = write("a.pub", curve::public_file_text(a_.public_key));
  expect_error(curve::load_key_pair(pub).status(), "a.pub: no secret-key line");
  const std::string mixed =
      write("mixed.key", "curve\n    public-key = \"" + a_.public_key + "\"\n    secret-key = \"" +
                             b_.secret_key + "\"\n");
  expect_error(curve::load_key_pair(mixed).status(), "mixed.key: public-key does not belong");
  const std::string short_key = write("short.key", "    secret-key = \"abc\"\n");
  expect_error(curve::load_key_pair(short_key).status(),
               "short.key:1: secret-key: a CURVE key is 40 Z85 characters, got 3");
  const std::string bad_z85 =
      write("bad.pub", "public-key = \"" + std::string(40, '~') + "\"\n");  // '~' is not Z85
  expect_error(curve::load_public_key(bad_z85).status(), "bad.pub:1: public-key: not valid Z85");
  expect_error(curve::load_public_key(write("empty.pub", "# nothing\n")).status(),
               "empty.pub: no public-key line");
}

TEST_F(KeyFiles, AllowListsTakeBareKeysKeyLinesAndComments) {
  // Z85 has '#' and '=': a key holding them is still a key, not a comment or an assignment.
  auto holding = [](char c) {
    for (int i = 0; i < 1000; ++i) {
      auto k = curve::generate();
      if (k.ok() && k->public_key.find(c) != std::string::npos) return k->public_key;
    }
    return std::string();
  };
  const std::string hash_key = holding('#'), eq_key = holding('=');
  ASSERT_FALSE(hash_key.empty() || eq_key.empty());
  const std::string path =
      write("ok.allow", "# workers of the lab\n\n" + a_.public_key + "   # worker-1\n" + hash_key +
                            "\n" + eq_key + "\n    public-key = \"" + b_.public_key + "\"\n#\n");
  auto keys = curve::load_allow_list(path);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(*keys, (std::vector<std::string>{a_.public_key, hash_key, eq_key, b_.public_key}));
}

TEST_F(KeyFiles, BadAllowListsNameTheFileLineAndReason) {
  expect_error(curve::load_allow_list(write("e.allow", "# only comments\n")).status(),
               "e.allow: no public keys");
  expect_error(curve::load_allow_list(write("s.allow", a_.public_key + "\nshort\n")).status(),
               "s.allow:2: a CURVE key is 40 Z85 characters, got 5");
  expect_error(
      curve::load_allow_list(write("x.allow", "secret-key = \"" + a_.secret_key + "\"\n")).status(),
      "x.allow:1: expected a public key");
}

TEST_F(KeyFiles, ClientKeysAreBothFilesOrNeither) {
  const std::string key = write("a.key", curve::secret_file_text(a_));
  const std::string pub = write("b.pub", curve::public_file_text(b_.public_key));
  auto none = curve::load_client_keys("", "");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto both = curve::load_client_keys(pub, key);
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ((*both)->server_public_key, b_.public_key);
  EXPECT_EQ((*both)->own.secret_key, a_.secret_key);
  expect_error(curve::load_client_keys("", key).status(), "--curve-server-key");
  expect_error(curve::load_client_keys(pub, "").status(), "--curve-key");
}

TEST(ZapDecision, EachSocketChecksItsOwnList) {
  broker::AllowLists lists;
  lists.clients = std::set<std::string>{"C"};
  lists.workers = std::set<std::string>{"W"};
  EXPECT_TRUE(broker::zap_allows(lists, "frontend", "C"));
  EXPECT_FALSE(broker::zap_allows(lists, "frontend", "W"));
  EXPECT_TRUE(broker::zap_allows(lists, "backend", "W"));
  EXPECT_FALSE(broker::zap_allows(lists, "backend", "C"));
  EXPECT_TRUE(broker::zap_allows(lists, "telemetry", "W"));
  EXPECT_FALSE(broker::zap_allows(lists, "telemetry", "C"));
  EXPECT_TRUE(broker::zap_allows(lists, "events", "C"));
  EXPECT_TRUE(broker::zap_allows(lists, "events", "W"));
  EXPECT_FALSE(broker::zap_allows(lists, "events", "X"));
  EXPECT_FALSE(broker::zap_allows(lists, "elsewhere", "C"));
}

TEST(ZapDecision, AMissingListAllowsAnyKey) {
  broker::AllowLists lists;
  lists.workers = std::set<std::string>{"W"};
  EXPECT_TRUE(broker::zap_allows(lists, "frontend", "anyone"));
  EXPECT_TRUE(broker::zap_allows(lists, "events", "anyone"));
  EXPECT_FALSE(broker::zap_allows(lists, "backend", "anyone"));
}

}  // namespace
}  // namespace sweep
