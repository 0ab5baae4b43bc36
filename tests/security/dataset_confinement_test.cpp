// Dataset paths are confined to the broker's data folders (DESIGN §8, broker/dataset_resolver):
// "..", absolute paths and symlinks leading out are refused; symlinks that stay inside, and a data
// folder that is itself a symlink, are fine. Real files and symlinks in a temporary tree:
//
//   root/data/ok.csv             root/data/sub/deep.csv
//   root/data/out -> ../secret.csv         root/data/in -> sub/deep.csv
//   root/data/outdir -> ..                 root/secret.csv (outside)
//   root/linked -> data                    root/data2/ (a second folder, "data" is a prefix)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "dataset_resolver.hpp"

namespace sweep {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCsv =
    ",Open,High,Low,Close,Volume\n"
    "2024-01-02,10,11,9,10.5,100\n"
    "2024-01-03,10.5,12,10,11.5,120\n";

class DatasetConfinement : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sweep-confine-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fs::create_directories(root_ / "data" / "sub");
    fs::create_directories(root_ / "data2");
    for (const fs::path& p : {root_ / "data" / "ok.csv", root_ / "data" / "sub" / "deep.csv",
                              root_ / "secret.csv", root_ / "data2" / "other.csv"}) {
      std::ofstream(p) << kCsv;
    }
    fs::create_symlink("../secret.csv", root_ / "data" / "out");
    fs::create_symlink("sub/deep.csv", root_ / "data" / "in");
    fs::create_directory_symlink("..", root_ / "data" / "outdir");
    fs::create_directory_symlink("data", root_ / "linked");
    auto store = Store::open((root_ / "s.db").string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::make_unique<Store>(std::move(store).value());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  Result<TimeSeries> resolve(const std::string& path, std::vector<std::string> dirs = {}) {
    if (dirs.empty()) dirs = {(root_ / "data").string()};
    return broker::resolve_dataset(DatasetPath{path}, dirs, *store_);
  }
  static void expect_refused(const Result<TimeSeries>& r, Code code, const std::string& what) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_NE(r.status().message().find("spec.dataset.path: "), std::string::npos)
        << r.status().ToString();
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().ToString();
  }

  fs::path root_;
  std::unique_ptr<Store> store_;
};

TEST_F(DatasetConfinement, ARelativePathInsideIsRead) {
  auto r = resolve("ok.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 2u);
  EXPECT_TRUE(resolve("sub/deep.csv").ok());
}

TEST_F(DatasetConfinement, DotDotIsRefused) {
  expect_refused(resolve("../secret.csv"), Code::kBadRequest, "must not contain '..'");
  expect_refused(resolve("sub/../../secret.csv"), Code::kBadRequest, "must not contain '..'");
  // Even when it would come back inside.
  expect_refused(resolve("sub/../ok.csv"), Code::kBadRequest, "must not contain '..'");
}

TEST_F(DatasetConfinement, AbsolutePathsAreRefusedInsideOrOut) {
  expect_refused(resolve((root_ / "secret.csv").string()), Code::kBadRequest,
                 "must be relative to a data folder");
  // Inside a data folder too: a spec names files relative to the folders, never by host path.
  expect_refused(resolve((root_ / "data" / "ok.csv").string()), Code::kBadRequest,
                 "must be relative to a data folder");
}

TEST_F(DatasetConfinement, SymlinksLeadingOutAreRefused) {
  expect_refused(resolve("out"), Code::kBadRequest, "'out' leads out of the data folder");
  expect_refused(resolve("outdir/secret.csv"), Code::kBadRequest, "leads out of the data folder");
}

TEST_F(DatasetConfinement, SymlinksStayingInsideAndALinkedDataFolderAreFine) {
  auto in = resolve("in");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(in->size(), 2u);
  auto linked = resolve("ok.csv", {(root_ / "linked").string()});
  ASSERT_TRUE(linked.ok()) << linked.status().ToString();
  auto linked_in = resolve("in", {(root_ / "linked").string()});
  EXPECT_TRUE(linked_in.ok()) << linked_in.status().ToString();
  // Still refused through the linked folder.
  expect_refused(resolve("out", {(root_ / "linked").string()}), Code::kBadRequest,
                 "leads out of the data folder");
}

TEST_F(DatasetConfinement, AFolderWhoseNameExtendsADataFolderIsOutside) {
  // "data2/other.csv" starts with the text "data" but is not under "data/".
  expect_refused(resolve("other.csv"), Code::kNotFound, "no file 'other.csv'");
  EXPECT_TRUE(resolve("other.csv", {(root_ / "data").string(), (root_ / "data2").string()}).ok());
}

TEST_F(DatasetConfinement, MissingFilesAndFoldersAreNotFoundNamingThePath) {
  expect_refused(resolve("nope.csv"), Code::kNotFound, "no file 'nope.csv' in the data folders");
  expect_refused(resolve(""), Code::kBadRequest, "empty");
  expect_refused(resolve("sub"), Code::kBadRequest, "'sub' is not a file");
  auto none = broker::resolve_dataset(DatasetPath{"ok.csv"}, {}, *store_);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  EXPECT_NE(none.status().message().find("no data folder"), std::string::npos);
}

}  // namespace
}  // namespace sweep
