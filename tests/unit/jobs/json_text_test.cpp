#include "sweep/jobs/json_text.hpp"

#include <gtest/gtest.h>

#include <string>

#include "sweep/jobs/job_spec.hpp"

namespace sweep {
namespace {

std::string nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonText, DepthUpToTheLimitIsRead) {
  Result<nlohmann::json> j = parse_json_text(nested(kMaxJsonDepth), "body");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  const nlohmann::json* v = &*j;
  for (int i = 1; i < kMaxJsonDepth; ++i) v = &(*v)[0];
  EXPECT_EQ(*v, nlohmann::json::array());
  EXPECT_TRUE(parse_json_text(R"({"a": {"b": [1, {"c": 2}]}})", "body").ok());
}

TEST(JsonText, DeeperIsRefusedNamingTheField) {
  Result<nlohmann::json> j = parse_json_text(nested(kMaxJsonDepth + 1), "body");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), Code::kBadRequest);
  EXPECT_EQ(j.status().message(), "body: nested deeper than 16 levels");
  // Objects count as arrays do.
  std::string objects;
  for (int i = 0; i <= kMaxJsonDepth; ++i) objects += R"({"a":)";
  objects += "1" + std::string(kMaxJsonDepth + 1, '}');
  EXPECT_FALSE(parse_json_text(objects, "body").ok());
}

// The gateway died of stack overflow on such a body (300 KB, 50,000 deep): refused as it is read.
TEST(JsonText, AHostileDepthIsRefusedWithoutRecursion) {
  Result<nlohmann::json> j = parse_json_text(nested(150'000), "body");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().message(), "body: nested deeper than 16 levels");
  Result<JobSpec> spec = parse_job_spec_text(
      R"({"dataset": {"path": "a.csv"}, "strategy": "s", "x": )" + nested(50'000) + "}",
      JobKind::kBacktest);
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(), "spec: nested deeper than 16 levels");
}

TEST(JsonText, InvalidTextNamesTheFieldAndThePlace) {
  Result<nlohmann::json> j = parse_json_text("{\"a\": ", "body");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().message().rfind("body: not valid JSON: parse error at line 1", 0), 0u)
      << j.status().message();
  j = parse_json_text("[1e999]", "spec");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().message(), "spec: not valid JSON: number overflow parsing '1e999'");
}

}  // namespace
}  // namespace sweep
