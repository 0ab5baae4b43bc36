// The strategy interface. A strategy updates its indicators bar by bar and places orders on an
// Account; the engine owns the loop's chunking (progress, cancellation) and the metrics.
//
// Built-ins and plugins derive from BarStrategy<Derived>, which gives the engine one virtual
// call per chunk of bars and inlines the per-bar work (indicator update, account step, decision).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sweep/base/status.hpp"
#include "sweep/data/market_data.hpp"
#include "sweep/engine/account.hpp"
#include "sweep/engine/params.hpp"

namespace sweep {

class Strategy {
 public:
  virtual ~Strategy() = default;

  // Called once before a run with parameters already checked against the schema. Rejects
  // combinations the schema cannot express (e.g. sma_cross needs fast < slow) and sizes state.
  virtual Status prepare(const MarketData& data, const ParamSet& params) = 0;

  // Index of the first bar on which every indicator has a value. The strategy decides from the
  // bar after it on (so that a previous value exists), as backtesting.py does.
  virtual size_t warmup() const = 0;

  // Processes bars [begin, end), in order, called with consecutive ranges from 0 to the end.
  virtual void run(Account& account, size_t begin, size_t end) = 0;
};

// CRTP base: Derived provides `void update(size_t i)` (indicators, every bar) and
// `void decide(size_t i, Account&)` (orders, from warmup() + 1 on).
template <class Derived>
class BarStrategy : public Strategy {
 public:
  void run(Account& account, size_t begin, size_t end) final {
    Derived& self = static_cast<Derived&>(*this);
    const size_t first = warmup() + 1;
    size_t i = begin;
    for (; i < end && i < first; ++i) self.update(i);
    for (; i < end; ++i) {
      self.update(i);
      account.step(i);
      self.decide(i, account);
    }
  }
};

// A strategy's public description: what `sweep strategies` lists and specs are validated against.
struct StrategyInfo {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
  std::function<std::unique_ptr<Strategy>()> create;
};

}  // namespace sweep
