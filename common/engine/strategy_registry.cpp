#include "sweep/engine/strategy_registry.hpp"

#include <dlfcn.h>

#include "sweep/engine/builtin_strategies.hpp"

namespace sweep {

StrategyRegistry StrategyRegistry::WithBuiltins() {
  StrategyRegistry r;
  register_builtin_strategies(r);
  return r;
}

Status StrategyRegistry::add(StrategyInfo info) {
  if (find(info.name))
    return Status::Conflict("strategy '" + info.name + "' is already registered");
  strategies_.push_back(std::move(info));
  return Status::Ok();
}

const StrategyInfo* StrategyRegistry::find(std::string_view name) const {
  for (const StrategyInfo& s : strategies_)
    if (s.name == name) return &s;
  return nullptr;
}

Status StrategyRegistry::not_found(std::string_view name) const {
  std::string known;
  for (const StrategyInfo& s : strategies_) known += (known.empty() ? "" : ", ") + s.name;
  return Status::NotFound("unknown strategy '" + std::string(name) + "' (known: " + known + ")");
}

Status StrategyRegistry::load_plugin(const std::string& path) {
  void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) return Status::NotFound("plugin '" + path + "': " + dlerror());
  auto fn = reinterpret_cast<RegisterStrategiesFn>(dlsym(lib, kPluginEntryPoint));
  if (!fn) {
    std::string err = "plugin '" + path + "' has no " + kPluginEntryPoint + " function";
    dlclose(lib);
    return Status::BadRequest(err);
  }
  const size_t before = strategies_.size();
  fn(*this);
  if (strategies_.size() == before)
    return Status::BadRequest("plugin '" + path + "' registered no strategy");
  return Status::Ok();
}

}  // namespace sweep
