// The fixture of the in-process broker tests (tests/integration): a fresh folder with a database
// path per test, a small optimization to submit and the id an `accepted` reply gives.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "broker.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::testing {

inline broker::BrokerConfig with_heartbeat(uint32_t ms) {
  broker::BrokerConfig c;
  c.heartbeat_ms = ms;
  return c;
}

class BrokerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("sweep_" + std::string(test->test_suite_name()) + "_" + std::to_string(::getpid()) +
            "_" + test->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    db_ = (dir_ / "sweep.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // `fast` 5..5+n-1 against `slow` 20 and 30, over 500 synthetic bars.
  static protocol::SubmitRequest optimization(int fast_values = 2) {
    protocol::SubmitRequest r;
    r.req = "sub";
    r.kind = JobKind::kOptimization;
    nlohmann::json fast = nlohmann::json::array();
    for (int i = 0; i < fast_values; ++i) fast.push_back(5 + i);
    r.spec = {{"dataset", {{"synthetic", {{"bars", 500}, {"seed", 7}}}}},
              {"strategy", "sma_cross"},
              {"space", {{"fast", fast}, {"slow", {20, 30}}}}};
    return r;
  }
  static std::string accepted_id(const protocol::FrontendReply& rep) {
    if (auto* e = std::get_if<protocol::ErrorReply>(&rep)) {
      ADD_FAILURE() << "error: " << e->message;
      return "";
    }
    return std::get<protocol::AcceptedReply>(rep).id;
  }

  std::filesystem::path dir_;
  std::string db_;
};

}  // namespace sweep::testing
