// The database guards (broker/db_guard.hpp): the lock file that keeps a second broker off a
// database, and the watch that notices the file deleted or replaced under a running broker.
#include "db_guard.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "sweep/store/store.hpp"

namespace sweep::broker {
namespace {

namespace fs = std::filesystem;

class DbGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sweep_db_guard_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "sweep.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string db_;
};

TEST_F(DbGuardTest, ASecondLockIsRefusedNamingTheHolder) {
  auto first = DbLock::acquire(db_, 1'700'000'000'000);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  first->describe({{"frontend", "tcp://127.0.0.1:5555"}});
  // flock is per open file, so a second open in this process conflicts as another process would.
  auto second = DbLock::acquire(db_, 1'700'000'000'000);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  const std::string expected = "database " + db_ + " is in use by sweep-broker pid " +
                               std::to_string(::getpid()) + " on host ";
  EXPECT_EQ(second.status().message().rfind(expected, 0), 0u) << second.status().message();
  EXPECT_NE(
      second.status().message().find(" since 2023-11-14 22:13:20 UTC (lock " + db_ + ".lock)"),
      std::string::npos)
      << second.status().message();
  std::ifstream in(db_ + ".lock");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("frontend=tcp://127.0.0.1:5555\n"), std::string::npos) << text;
}

TEST_F(DbGuardTest, ALockFileLeftBehindIsNoObstacle) {
  { std::ofstream(db_ + ".lock") << "sweep-broker\npid=999999\nhost=gone\nsince=long ago\n"; }
  {
    auto lock = DbLock::acquire(db_, 0);
    ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  }
  // Released with the object: the next broker locks it.
  auto again = DbLock::acquire(db_, 0);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(DbGuardTest, AnUnopenableLockFileIsAnIoError) {
  auto lock = DbLock::acquire((dir_ / "no_such_dir" / "sweep.db").string(), 0);
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), Code::kIo);
}

std::vector<std::string> files_of(const std::string& db) {
  return {db, db + "-wal", db + ".lock"};
}

TEST_F(DbGuardTest, TheWatchIsQuietWhileTheFilesStayAndOtherConnectionsComeAndGo) {
  auto lock = DbLock::acquire(db_, 0);
  ASSERT_TRUE(lock.ok());
  auto store = Store::open(db_);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(fs::exists(db_ + "-wal"));
  DbFileWatch watch(files_of(db_));
  EXPECT_EQ(watch.check(), std::nullopt);
  // Another connection (the gateway's) opening and closing leaves the -wal alone while the
  // broker's is open: SQLite deletes it only with the last connection.
  { auto other = Store::open(db_); }
  EXPECT_TRUE(store->list_jobs().ok());
  EXPECT_EQ(watch.check(), std::nullopt);
}

TEST_F(DbGuardTest, TheWatchNamesADeletedDatabase) {
  auto store = Store::open(db_);
  ASSERT_TRUE(store.ok());
  DbFileWatch watch(files_of(db_));
  fs::remove(db_);
  EXPECT_EQ(watch.check(), "database file " + db_ + " was deleted while the broker ran");
}

TEST_F(DbGuardTest, TheWatchNamesAReplacedDatabase) {
  auto store = Store::open(db_);
  ASSERT_TRUE(store.ok());
  DbFileWatch watch(files_of(db_));
  const std::string other = (dir_ / "other.db").string();
  { std::ofstream(other) << "x"; }
  fs::rename(other, db_);
  EXPECT_EQ(watch.check(),
            "database file " + db_ + " was replaced by another file while the broker ran");
}

TEST_F(DbGuardTest, TheWatchNamesADeletedWalAndLockFile) {
  auto lock = DbLock::acquire(db_, 0);
  ASSERT_TRUE(lock.ok());
  auto store = Store::open(db_);
  ASSERT_TRUE(store.ok());
  DbFileWatch watch(files_of(db_));
  fs::remove(db_ + "-wal");
  EXPECT_EQ(watch.check(), "database file " + db_ + "-wal was deleted while the broker ran");
  DbFileWatch lock_watch({db_ + ".lock"});
  fs::remove(db_ + ".lock");
  EXPECT_EQ(lock_watch.check(), "lock file " + db_ +
                                    ".lock was deleted while the broker ran (another broker "
                                    "could open the database)");
}

TEST_F(DbGuardTest, APathMissingAtStartIsNotWatched) {
  DbFileWatch watch({db_});  // not created yet
  { std::ofstream(db_) << ""; }
  EXPECT_EQ(watch.check(), std::nullopt);
}

}  // namespace
}  // namespace sweep::broker
