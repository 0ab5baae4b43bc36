// sweep keygen [--out PREFIX]: a new CURVE key pair (docs/SECURITY.md). With --out it writes
// PREFIX.key (both keys, mode 0600) and PREFIX.pub (the public key); without, it prints the
// secret file's text (both keys) on stdout.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "local_run.hpp"
#include "sweep/curve/curve_keys.hpp"

namespace sweep::cli {
namespace {

int run_keygen(const std::string& prefix) {
  Result<curve::KeyPair> pair = curve::generate();
  if (!pair.ok()) return print_error(pair.status()), kExitFailed;
  if (prefix.empty()) {
    std::fputs(curve::secret_file_text(*pair).c_str(), stdout);
    return kExitOk;
  }
  if (Status s = curve::write_key_files(*pair, prefix); !s.ok()) return print_error(s), kExitFailed;
  std::printf("wrote %s.key (secret, keep it private) and %s.pub; public key %s\n", prefix.c_str(),
              prefix.c_str(), pair->public_key.c_str());
  return kExitOk;
}

}  // namespace

void add_keygen_command(CLI::App& app, int& exit_code) {
  auto prefix = std::make_shared<std::string>();
  CLI::App* cmd =
      app.add_subcommand("keygen", "Generate a CURVE key pair (broker, worker, client)");
  cmd->add_option("--out", *prefix, "Write PREFIX.key (mode 0600) and PREFIX.pub");
  cmd->callback([prefix, &exit_code] { exit_code = run_keygen(*prefix); });
}

}  // namespace sweep::cli
