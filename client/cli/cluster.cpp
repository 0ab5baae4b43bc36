#include "cluster.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "local_run.hpp"
#include "metric_format.hpp"
#include "sweep/protocol/endpoints.hpp"

namespace sweep::cli {

void add_broker_options(CLI::App* cmd, BrokerArgs& a, bool json_flag) {
  const char* env = std::getenv("SWEEP_BROKER");
  a.broker = env && *env ? env : std::string(kDefaultFrontend);
  cmd->add_option("--broker", a.broker, "Broker frontend endpoint (env SWEEP_BROKER)")
      ->capture_default_str();
  cmd->add_option("--timeout", a.timeout_ms, "Milliseconds to wait for each reply attempt")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--curve-server-key", a.curve_server_key,
                  "The broker's CURVE public key file; needs --curve-key")
      ->envname("SWEEP_CURVE_SERVER_KEY");
  cmd->add_option("--curve-key", a.curve_key, "This client's CURVE key pair file (sweep keygen)")
      ->envname("SWEEP_CURVE_KEY");
  if (json_flag) cmd->add_flag("--json", a.json, "Print the reply as JSON");
}

Result<std::unique_ptr<client::Client>> make_client(const BrokerArgs& a) {
  client::ClientOptions o;
  o.timeout = std::chrono::milliseconds(a.timeout_ms);
  auto keys = curve::load_client_keys(a.curve_server_key, a.curve_key);
  if (!keys.ok()) return Status::BadRequest(keys.status().message());
  o.curve = std::move(keys).value();
  return std::make_unique<client::Client>(a.broker, o);
}

int fail(const Status& s) {
  if (s.code() == Code::kUnavailable && s.message().starts_with("no reply from broker")) {
    print_error(Status(s.code(), s.message() +
                                     " (if the broker uses CURVE, check --curve-server-key/"
                                     "--curve-key and its allow-list)"));
  } else {
    print_error(s);
  }
  return exit_code_for(s);
}

std::string format_ts(const std::optional<int64_t>& ms) {
  if (!ms) return "-";
  const std::time_t t = static_cast<std::time_t>(*ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

std::string format_best(const protocol::TrialRecord& t, const std::string& metric_key) {
  const std::optional<Metric> m = metric_from_name(metric_key);
  std::string out;
  if (m) out = metric_key + "=" + format_metric(*m, t.metrics[*m]) + " ";
  return out + "(" + t.params.ToString() + ")";
}

std::string objective_metric(const nlohmann::json& spec) {
  if (spec.is_object() && spec.contains("objective") && spec["objective"].is_object() &&
      spec["objective"].contains("metric") && spec["objective"]["metric"].is_string())
    return spec["objective"]["metric"].get<std::string>();
  return "";
}

}  // namespace sweep::cli
