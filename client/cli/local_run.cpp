#include "local_run.hpp"

#include <cstdio>

#include "commands.hpp"
#include "sweep/data/dataset.hpp"

namespace sweep::cli {

void print_error(const Status& s) {
  std::fprintf(stderr, "sweep: %s\n", s.message().c_str());
}

int exit_code_for(const Status& s) {
  switch (s.code()) {
    case Code::kBadRequest:
    case Code::kNotFound:
    case Code::kTooLarge:
    case Code::kUnsupportedVersion:
      return kExitBadInput;
    default:
      return kExitFailed;
  }
}

Result<StrategyRegistry> make_registry(const std::vector<std::string>& plugins) {
  StrategyRegistry r = StrategyRegistry::WithBuiltins();
  for (const std::string& p : plugins)
    if (Status s = r.load_plugin(p); !s.ok()) return s;
  return r;
}

nlohmann::json dataset_json(const std::string& source) {
  constexpr std::string_view kPrefix = "synthetic:";
  if (source.rfind(kPrefix, 0) == 0) {
    const std::string rest = source.substr(kPrefix.size());
    const size_t colon = rest.find(':');
    auto number = [](const std::string& t) -> nlohmann::json {
      nlohmann::json j = nlohmann::json::parse(t, nullptr, false);
      return j.is_number_unsigned() ? j : nlohmann::json(t);  // the spec parser names a bad one
    };
    nlohmann::json synthetic = {
        {"bars", number(rest.substr(0, colon))},
        {"seed", colon == std::string::npos ? nlohmann::json(0) : number(rest.substr(colon + 1))}};
    return {{"synthetic", std::move(synthetic)}};
  }
  return {{"path", source}};
}

Result<std::shared_ptr<const MarketData>> load_market_data(const std::string& source) {
  Result<TimeSeries> ts = load_dataset(source);
  if (!ts.ok()) return ts.status();
  return MarketData::Build(std::make_shared<const TimeSeries>(std::move(ts).value()));
}

}  // namespace sweep::cli
