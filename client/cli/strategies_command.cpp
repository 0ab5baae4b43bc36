// sweep strategies: what can be run, with each parameter's type, default and bounds.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "local_run.hpp"
#include "sweep/jobs/catalog_json.hpp"
#include "sweep/jobs/result_json.hpp"
#include "terminal.hpp"

namespace sweep::cli {
namespace {

std::string bounds(const ParamSpec& p) {
  if (p.type == ParamType::kChoice) {
    std::string out;
    for (const auto& c : p.choices) out += (out.empty() ? "" : "|") + c;
    return out;
  }
  return to_string(ParamValue(p.min)) + ".." + to_string(ParamValue(p.max));
}

}  // namespace

void add_strategies_command(CLI::App& app, int& exit_code) {
  auto plugins = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("strategies", "List strategies and their parameters");
  cmd->add_option("--plugin", *plugins, "Strategy plugin library (repeatable)");
  cmd->add_flag("--json", *json, "Print the schemas as JSON");
  cmd->callback([plugins, json, &exit_code] {
    Result<StrategyRegistry> reg = make_registry(*plugins);
    if (!reg.ok()) {
      print_error(reg.status());
      exit_code = exit_code_for(reg.status());
      return;
    }
    if (*json) {
      std::printf("%s\n", strategies_json(*reg).dump(2).c_str());
      return;
    }
    for (const StrategyInfo& s : reg->all()) {
      std::printf("%s\n  %s\n\n", s.name.c_str(), s.description.c_str());
      std::vector<std::vector<std::string>> rows;
      for (const ParamSpec& p : s.params)
        rows.push_back({"  " + p.name, std::string(param_type_name(p.type)),
                        to_string(p.default_value), bounds(p), p.description});
      std::printf("%s\n", format_table({"  param", "type", "default", "range", ""}, rows).c_str());
    }
  });
}

}  // namespace sweep::cli
