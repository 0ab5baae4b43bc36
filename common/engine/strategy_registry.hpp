// Strategies by name: the built-ins plus whatever plugins were loaded.
//
// A plugin is a shared library exporting
//   extern "C" void sweep_register_strategies(sweep::StrategyRegistry& registry);
// compiled against these headers with the same compiler (C++ types cross the boundary).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sweep/engine/strategy.hpp"

namespace sweep {

class StrategyRegistry {
 public:
  // A registry with every built-in strategy.
  static StrategyRegistry WithBuiltins();

  // Fails (conflict) when the name is taken.
  Status add(StrategyInfo info);
  const StrategyInfo* find(std::string_view name) const;
  const std::vector<StrategyInfo>& all() const { return strategies_; }
  // "unknown strategy 'x' (known: a, b, c)"
  Status not_found(std::string_view name) const;

  // dlopen()s the library and calls its registration function. The library stays loaded for
  // the life of the process (its code backs the registered factories).
  Status load_plugin(const std::string& path);

 private:
  std::vector<StrategyInfo> strategies_;
};

// The plugin entry point's type and symbol name.
using RegisterStrategiesFn = void (*)(StrategyRegistry&);
inline constexpr const char* kPluginEntryPoint = "sweep_register_strategies";

}  // namespace sweep
