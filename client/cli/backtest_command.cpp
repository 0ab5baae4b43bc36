// sweep backtest: one strategy, fixed parameters, in this process.
#include <cstdio>

#include "commands.hpp"
#include "local_run.hpp"
#include "metric_format.hpp"
#include "sweep/jobs/result_json.hpp"
#include "terminal.hpp"

namespace sweep::cli {
namespace {

struct BacktestArgs {
  std::string data, strategy;
  std::vector<std::string> params, plugins;
  double cash = 10'000, commission = 0;
  bool json = false;
};

// "k=v" pairs typed by the strategy's schema.
Result<ParamSet> parse_fixed_params(const StrategyInfo& info, const std::vector<std::string>& kv) {
  ParamSet given;
  for (const std::string& item : kv) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::BadRequest("--param '" + item + "': expected NAME=VALUE");
    const std::string name = item.substr(0, eq);
    const ParamSpec* spec = nullptr;
    for (const ParamSpec& p : info.params)
      if (p.name == name) spec = &p;
    if (!spec) {
      std::string known;
      for (const ParamSpec& p : info.params) known += (known.empty() ? "" : ", ") + p.name;
      return Status::BadRequest("unknown param '" + name + "' for strategy '" + info.name +
                                "' (expected: " + known + ")");
    }
    Result<ParamValue> v = parse_param_value(*spec, item.substr(eq + 1));
    if (!v.ok()) return v.status();
    given.set(name, std::move(v).value());
  }
  return validate_params(info.params, given);
}

int run(const BacktestArgs& a) {
  Result<StrategyRegistry> reg = make_registry(a.plugins);
  if (!reg.ok()) return print_error(reg.status()), exit_code_for(reg.status());
  const StrategyInfo* info = reg->find(a.strategy);
  if (!info) return print_error(reg->not_found(a.strategy)), kExitBadInput;
  Result<ParamSet> params = parse_fixed_params(*info, a.params);
  if (!params.ok()) return print_error(params.status()), kExitBadInput;
  auto data = load_market_data(a.data);
  if (!data.ok()) return print_error(data.status()), exit_code_for(data.status());

  auto strategy = info->create();
  EngineOptions opt{a.cash, a.commission};
  Result<BacktestResult> r = run_backtest(**data, *strategy, *params, opt);
  if (!r.ok()) return print_error(r.status()), exit_code_for(r.status());

  if (a.json) {
    std::printf("%s\n", backtest_to_json(*r, **data).dump().c_str());
    return kExitOk;
  }
  std::printf("%s %s on %s (%zu bars)\n\n", info->name.c_str(), params->ToString().c_str(),
              (*data)->series->name.c_str(), (*data)->size());
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < kMetricCount; ++i) {
    const auto m = static_cast<Metric>(i);
    rows.push_back({metric_label(m), format_metric(m, r->metrics[m])});
  }
  std::printf("%s", format_table({"Metric", "Value"}, rows).c_str());
  return kExitOk;
}

}  // namespace

void add_backtest_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BacktestArgs>();
  CLI::App* cmd = app.add_subcommand("backtest", "Run one backtest in this process");
  cmd->add_option("--data", args->data, "CSV file or synthetic:BARS:SEED")->required();
  cmd->add_option("--strategy", args->strategy, "Strategy name (see: sweep strategies)")
      ->required();
  cmd->add_option("--param", args->params, "NAME=VALUE (repeatable)");
  cmd->add_option("--cash", args->cash, "Starting cash")->capture_default_str();
  cmd->add_option("--commission", args->commission, "Commission, fraction of notional")
      ->capture_default_str();
  cmd->add_option("--plugin", args->plugins, "Strategy plugin library (repeatable)");
  cmd->add_flag("--json", args->json, "Print {metrics, trades, equity} as JSON");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace sweep::cli
