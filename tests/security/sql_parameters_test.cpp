// SQL only through bound parameters (DESIGN §8): text that would change a statement if it were
// pasted into the SQL (quotes, comments, a second statement) is stored and matched as plain data,
// and the one identifier a request chooses (the trials sort column) comes from a fixed list.
#include <gtest/gtest.h>

#include <filesystem>

#include "sweep/store/store.hpp"

namespace sweep {
namespace {

const std::vector<std::string> kHostile = {"x' OR '1'='1", "x\"; DROP TABLE jobs; --",
                                           "x'); DELETE FROM jobs; --", "x%' --", "?1"};

class SqlParameters : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sweep-sql-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = Store::open(dir_ + "/s.db");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::make_unique<Store>(std::move(s).value());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static JobRow job(std::string id, std::string key) {
    JobRow j;
    j.id = std::move(id);
    j.kind = JobKind::kOptimization;
    j.spec_json = R"({"strategy": "sma_cross"})";
    j.total = 1;
    j.created_at_ms = 1000;
    j.idempotency_key = std::move(key);
    j.objective = Objective{Metric::kSharpe, true};
    return j;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqlParameters, HostileIdsAndKeysAreDataNotSql) {
  ASSERT_TRUE(store_->insert_job(job("plain", "k-plain")).ok());
  for (size_t i = 0; i < kHostile.size(); ++i) {
    const std::string& text = kHostile[i];
    // Looking up an unknown hostile id matches nothing (no "OR 1=1", no error).
    auto miss = store_->get_job(text);
    ASSERT_FALSE(miss.ok()) << text;
    EXPECT_EQ(miss.status().code(), Code::kNotFound) << text;
    // Stored verbatim and found by exactly that text.
    ASSERT_TRUE(store_->insert_job(job(text, text + "-key")).ok()) << text;
    auto hit = store_->get_job(text);
    ASSERT_TRUE(hit.ok()) << text << ": " << hit.status().ToString();
    EXPECT_EQ(hit->id, text);
    auto by_key = store_->find_job_by_idempotency_key(text + "-key");
    ASSERT_TRUE(by_key.ok()) << text;
    EXPECT_EQ(by_key->id, text);
  }
  auto all = store_->list_jobs();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), kHostile.size() + 1);  // nothing dropped or deleted
}

TEST_F(SqlParameters, TheSortColumnComesFromAFixedList) {
  ASSERT_TRUE(store_->insert_job(job("j", "")).ok());
  for (const std::string sort :
       {"sharpe; DROP TABLE jobs", "sharpe --", "(SELECT 1)", "trial_index, id", "?1"}) {
    TrialQuery q;
    q.sort = sort;
    auto r = store_->list_trials("j", q);
    ASSERT_FALSE(r.ok()) << sort;
    EXPECT_EQ(r.status().code(), Code::kBadRequest) << sort;
    EXPECT_NE(r.status().message().find("unknown column"), std::string::npos) << sort;
  }
  EXPECT_TRUE(store_->get_job("j").ok());
}

}  // namespace
}  // namespace sweep
