// Strategy plugins: loading the example and the test plugin through StrategyRegistry::load_plugin,
// the loader's errors, and the test plugin's misbehaving strategies (exceptions propagate out of
// run_backtest; abort/segv kill the process; slow takes its time).
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <csignal>

#include "strategy_test_util.hpp"
#include "sweep/data/synthetic.hpp"

namespace sweep {
namespace {

using testing::make_params;
using testing::run_strategy;

const std::string kLibDir = SWEEP_LIB_DIR;
const std::string kExamplePlugin = kLibDir + "/libsweep_example_plugin.so";
const std::string kTestPlugin = kLibDir + "/libsweep_test_plugin.so";

StrategyRegistry with_plugin(const std::string& path) {
  StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  Status s = reg.load_plugin(path);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return reg;
}

// Runs `name` from the test plugin over 500 synthetic bars; an exception, if any, escapes.
Result<BacktestResult> run_test_strategy(const std::string& name, const ParamSet& given) {
  static const StrategyRegistry reg = with_plugin(kTestPlugin);
  static const auto md =
      MarketData::Build(std::make_shared<const TimeSeries>(make_synthetic(500, 1)));
  const StrategyInfo* info = reg.find(name);
  EXPECT_NE(info, nullptr) << name;
  Result<ParamSet> params = validate_params(info->params, given);
  EXPECT_TRUE(params.ok()) << params.status().ToString();
  auto strategy = info->create();
  return run_backtest(*md, *strategy, *params, EngineOptions{});
}

// In a death test's child: a crash there should not leave a core file behind.
void no_core_dump() {
  const rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
}

TEST(PluginExample, LoadsAndTradesDeterministically) {
  StrategyRegistry reg = with_plugin(kExamplePlugin);
  const StrategyInfo* info = reg.find("momentum");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(reg.all().size(), StrategyRegistry::WithBuiltins().all().size() + 1);
  for (const char* mode : {"long_only", "long_short"}) {
    const ParamSet given = make_params({{"lookback", int64_t{20}}, {"mode", std::string(mode)}});
    BacktestResult a = run_strategy(reg, *testing::goog(), "momentum", given);
    BacktestResult b = run_strategy(reg, *testing::goog(), "momentum", given);
    EXPECT_GT(a.trades.size(), 10u) << mode;
    testing::expect_same_run(a, b, mode);
    // The rule, naively: long while close > close 20 bars ago, else flat or short.
    const MarketData& md = *testing::goog();
    testing::Events ev(md.size());
    for (size_t t = 20; t < md.size(); ++t) {
      const int64_t m = md.close_fixed[t] - md.close_fixed[t - 20];
      ev.go_long[t] = m > 0;
      (std::string(mode) == "long_short" ? ev.go_short : ev.exit_long)[t] = m < 0;
    }
    testing::expect_trades(a.trades, testing::simulate(ev, 20), mode);
  }
}

TEST(PluginTest, RegistersItsStrategies) {
  StrategyRegistry reg = with_plugin(kTestPlugin);
  for (const char* name : {"throw_at_bar", "slow", "abort_on", "segv_on"})
    EXPECT_NE(reg.find(name), nullptr) << name;
}

TEST(PluginLoad, MissingFileIsNotFound) {
  StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  const std::string path = kLibDir + "/libdoes_not_exist.so";
  Status s = reg.load_plugin(path);
  EXPECT_EQ(s.code(), Code::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("No such file"), std::string::npos) << s.message();
}

TEST(PluginLoad, LibraryWithoutEntryPointIsRejected) {
  StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  const std::string path = kLibDir + "/libsweep_test_no_entry_plugin.so";
  Status s = reg.load_plugin(path);
  EXPECT_EQ(s.code(), Code::kBadRequest) << s.ToString();
  EXPECT_EQ(s.message(), "plugin '" + path + "' has no sweep_register_strategies function");
  EXPECT_EQ(reg.all().size(), StrategyRegistry::WithBuiltins().all().size());
}

TEST(PluginLoad, NotASharedLibraryIsNotFound) {
  StrategyRegistry reg = StrategyRegistry::WithBuiltins();
  const std::string path = std::string(SWEEP_DATA_DIR) + "/GOOG.csv";
  Status s = reg.load_plugin(path);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
}

TEST(PluginLoad, LoadingTwiceIntoOneRegistryFails) {
  StrategyRegistry reg = with_plugin(kTestPlugin);
  const size_t before = reg.all().size();
  Status s = reg.load_plugin(kTestPlugin);  // every name is taken now
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(reg.all().size(), before);
}

TEST(PluginTest, ThrowAtBarPropagatesOutOfRunBacktest) {
  try {
    (void)run_test_strategy("throw_at_bar", make_params({{"bar", int64_t{100}}}));
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "boom at bar 100");
  }
  Result<BacktestResult> r = run_test_strategy("throw_at_bar", make_params({{"bar", int64_t{-1}}}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->trades.size(), 0u);
}

TEST(PluginTest, SlowTakesItsTime) {
  const auto start = std::chrono::steady_clock::now();
  Result<BacktestResult> r = run_test_strategy("slow", make_params({{"us_per_bar", int64_t{200}}}));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->trades.size(), 0u);
  EXPECT_GE(elapsed, std::chrono::microseconds(500 * 200));
}

TEST(PluginTest, AbortOnAndSegvOnTradeNormallyUnlessTriggered) {
  for (const char* name : {"abort_on", "segv_on"}) {
    Result<BacktestResult> r =
        run_test_strategy(name, make_params({{"value", int64_t{3}}, {"trigger", int64_t{4}}}));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_GT(r->trades.size(), 0u) << name;
  }
}

TEST(PluginTestDeathTest, AbortOnAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const ParamSet p =
      make_params({{"value", int64_t{4}}, {"trigger", int64_t{4}}, {"at_bar", int64_t{50}}});
  EXPECT_EXIT(
      {
        no_core_dump();
        (void)run_test_strategy("abort_on", p);
      },
      ::testing::KilledBySignal(SIGABRT), "");
}

TEST(PluginTestDeathTest, SegvOnCrashes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const ParamSet p = make_params({{"value", int64_t{4}}, {"trigger", int64_t{4}}});
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // The sanitizer's SEGV handler reports the fault and exits instead.
  EXPECT_DEATH(
      {
        no_core_dump();
        (void)run_test_strategy("segv_on", p);
      },
      "SEGV");
#else
  EXPECT_EXIT(
      {
        no_core_dump();
        (void)run_test_strategy("segv_on", p);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
#endif
}

}  // namespace
}  // namespace sweep
