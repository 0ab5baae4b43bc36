// Strategies that misbehave on purpose, for the failure, crash and cancellation tests of the
// engine, worker and broker. Each one otherwise trades like a trivial strategy (Toggle): every
// kEvery bars it buys when flat and closes when long, so a normal run has trades.
//
//   throw_at_bar  bar (-1)                      throws std::runtime_error("boom at bar N") when
//                                               it reaches bar N (-1: never)
//   slow          us_per_bar (100)              bar i is not done before start + (i + 1) * us
//                                               (sleep_until on absolute deadlines: a run of n
//                                               bars takes about n * us_per_bar, without spinning)
//   abort_on      value (0), trigger (1),       std::abort() on bar at_bar when value == trigger
//                 at_bar (0)
//   segv_on       value (0), trigger (1),       a write through a null pointer (SIGSEGV) on bar
//                 at_bar (0)                    at_bar when value == trigger
//   noop                                        never trades: the cheapest possible trial, for
//                                               measuring the cluster's own overhead
// Every one of them also takes `n` (0), which changes nothing: a space over it makes as many
// trials as wanted.
// Warm-up: 0 for all.
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include "sweep/engine/strategy.hpp"
#include "sweep/engine/strategy_registry.hpp"

namespace {

using namespace sweep;

constexpr size_t kEvery = 20;

template <class Derived>
class Toggle : public BarStrategy<Derived> {
 public:
  size_t warmup() const override { return 0; }
  void decide(size_t i, Account& a) {
    if (i % kEvery != 0) return;
    if (a.flat()) {
      a.buy();
    } else {
      a.close_position();
    }
  }
};

class ThrowAtBar final : public Toggle<ThrowAtBar> {
 public:
  Status prepare(const MarketData&, const ParamSet& p) override {
    bar_ = p.get_int("bar");
    return Status::Ok();
  }
  void update(size_t i) {
    if (static_cast<int64_t>(i) == bar_) [[unlikely]]
      throw std::runtime_error("boom at bar " + std::to_string(i));
  }

 private:
  int64_t bar_ = -1;
};

class Slow final : public Toggle<Slow> {
 public:
  Status prepare(const MarketData&, const ParamSet& p) override {
    per_bar_ = std::chrono::microseconds(p.get_int("us_per_bar"));
    return Status::Ok();
  }
  void update(size_t i) {
    if (per_bar_.count() == 0) return;
    if (i == 0) start_ = std::chrono::steady_clock::now();
    std::this_thread::sleep_until(start_ + per_bar_ * static_cast<int64_t>(i + 1));
  }

 private:
  std::chrono::microseconds per_bar_{100};
  std::chrono::steady_clock::time_point start_;
};

class Noop final : public BarStrategy<Noop> {
 public:
  size_t warmup() const override { return 0; }
  Status prepare(const MarketData&, const ParamSet&) override { return Status::Ok(); }
  void update(size_t) {}
  void decide(size_t, Account&) {}
};

// Kept out of line and uninstrumented so that it really faults (UBSan would report and exit).
__attribute__((noinline, no_sanitize("undefined"))) void write_through_null() {
  volatile int* volatile p = nullptr;  // volatile: the compiler may not prove it null
  *p = 1;
}

template <bool kSegv>
class CrashOn final : public Toggle<CrashOn<kSegv>> {
 public:
  Status prepare(const MarketData&, const ParamSet& p) override {
    armed_ = p.get_int("value") == p.get_int("trigger");
    at_bar_ = p.get_int("at_bar");
    return Status::Ok();
  }
  void update(size_t i) {
    if (!armed_ || static_cast<int64_t>(i) != at_bar_) return;
    if (kSegv) {
      write_through_null();
    } else {
      std::abort();
    }
  }

 private:
  bool armed_ = false;
  int64_t at_bar_ = 0;
};

const ParamSpec kLabel{"n", ParamType::kInt, int64_t{0}, 0, 1e12, {}, "changes nothing"};

std::vector<ParamSpec> crash_params() {
  return {
      {"value", ParamType::kInt, int64_t{0}, -1e9, 1e9, {}, "crashes when equal to trigger"},
      {"trigger", ParamType::kInt, int64_t{1}, -1e9, 1e9, {}, "the value that crashes"},
      {"at_bar", ParamType::kInt, int64_t{0}, 0, 1e9, {}, "bar on which to crash"},
      kLabel,
  };
}

}  // namespace

extern "C" __attribute__((visibility("default"))) void sweep_register_strategies(
    sweep::StrategyRegistry& r) {
  (void)r.add(
      {"throw_at_bar",
       "Test: throws std::runtime_error(\"boom at bar N\") on bar N (-1: never).",
       {{"bar", ParamType::kInt, int64_t{-1}, -1, 1e9, {}, "bar that throws, or -1"}, kLabel},
       [] { return std::make_unique<ThrowAtBar>(); }});
  (void)r.add(
      {"slow",
       "Test: takes us_per_bar microseconds per bar.",
       {{"us_per_bar", ParamType::kInt, int64_t{100}, 0, 1e6, {}, "microseconds per bar"}, kLabel},
       [] { return std::make_unique<Slow>(); }});
  (void)r.add({"noop", "Test: never trades; the cheapest trial.", {kLabel}, [] {
                 return std::make_unique<Noop>();
               }});
  (void)r.add({"abort_on", "Test: std::abort() on bar at_bar when value == trigger.",
               crash_params(), [] { return std::make_unique<CrashOn<false>>(); }});
  (void)r.add({"segv_on", "Test: a null-pointer write on bar at_bar when value == trigger.",
               crash_params(), [] { return std::make_unique<CrashOn<true>>(); }});
}
