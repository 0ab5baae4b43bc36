// Which requests a browser page of another site could make the gateway serve, refused before any
// route runs:
// - DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 talks to the
//   gateway as its own origin; only its Host header tells. Host must be an IP literal,
//   "localhost", or a name the operator allowed (--allow-host).
// - Cross-site requests: a form or fetch() from another origin can POST (a bodiless cancel, a
//   text/plain upload) without a CORS preflight. Browsers always send Origin on those; a
//   state-changing request whose Origin is not the gateway's own host is refused.
// Clients that are not browsers (curl, the Python client) send neither mismatch.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sweep::gateway {

struct Refusal {
  std::string field;  // "Host" or "Origin"
  std::string message;
};

// nullopt: serve it. `host` and `origin` are the headers' values ("" when absent).
std::optional<Refusal> check_request(std::string_view method, std::string_view host,
                                     std::string_view origin,
                                     const std::vector<std::string>& allowed_hosts);

}  // namespace sweep::gateway
