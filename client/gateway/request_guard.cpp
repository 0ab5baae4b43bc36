#include "request_guard.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace sweep::gateway {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "[::1]:8080" -> "::1", "example.org:80" -> "example.org", "127.0.0.1" -> "127.0.0.1".
std::string host_name(std::string_view authority) {
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    return std::string(
        authority.substr(1, close == std::string_view::npos ? authority.size() : close - 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

bool is_ip_literal(const std::string& name) {
  unsigned char buf[16];
  return inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

bool changes_state(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

std::optional<Refusal> check_request(std::string_view method, std::string_view host,
                                     std::string_view origin,
                                     const std::vector<std::string>& allowed_hosts) {
  const std::string authority = lower(host);
  const std::string name = host_name(authority);
  if (!host.empty() && !is_ip_literal(name) && name != "localhost" &&
      std::none_of(allowed_hosts.begin(), allowed_hosts.end(),
                   [&](const std::string& a) { return lower(a) == name; }))
    return Refusal{"Host", "Host: '" + std::string(host) +
                               "' is not this gateway's (an IP address, localhost, or a name "
                               "given with --allow-host)"};
  if (origin.empty() || !changes_state(method)) return std::nullopt;
  const std::string o = lower(origin);
  const size_t scheme_end = o.find("://");
  if (scheme_end == std::string::npos || o.substr(scheme_end + 3) != authority)
    return Refusal{"Origin", "Origin: '" + std::string(origin) +
                                 "' is another site; cross-origin requests that change state "
                                 "are refused"};
  return std::nullopt;
}

}  // namespace sweep::gateway
