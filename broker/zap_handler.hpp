// The broker's ZAP handler (ZeroMQ RFC 27): libzmq asks it, over inproc://zeromq.zap.01, whether
// a peer that completed the CURVE handshake may use a socket. The broker's server sockets carry a
// ZAP domain naming the socket, and the domain picks the allow-list:
//
//   frontend             clients   (--allow-clients)
//   backend, telemetry   workers   (--allow-workers)
//   events               clients or workers (both subscribe)
//
// A list that is not configured allows every peer that holds the server's public key (CURVE then
// encrypts but does not tell peers apart). A refusal is counted and logged on stderr as one line
// with the peer's public key, the socket and its address; a peer that keeps retrying is logged
// again at most once per kRefusalLogPeriod, with the count of refusals in between.
//
// Thread safety: serves on its own thread; refused() may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include <zmq.hpp>

#include "sweep/base/clock.hpp"
#include "sweep/base/status.hpp"

namespace sweep::broker {

inline constexpr std::string_view kZapFrontend = "frontend";
inline constexpr std::string_view kZapBackend = "backend";
inline constexpr std::string_view kZapEvents = "events";
inline constexpr std::string_view kZapTelemetry = "telemetry";
inline constexpr std::chrono::seconds kRefusalLogPeriod{30};

struct AllowLists {
  std::optional<std::set<std::string>> clients;  // Z85 public keys; nullopt: any key
  std::optional<std::set<std::string>> workers;
};

// Whether the peer with public key `z85_key` may use the socket of ZAP domain `domain`.
bool zap_allows(const AllowLists& lists, std::string_view domain, std::string_view z85_key);

class ZapHandler {
 public:
  // Binds the ZAP endpoint of `ctx` (before any CURVE server socket binds, so that no handshake
  // finds it missing and passes unchecked) and starts serving. `ctx` must outlive the handler.
  // `clock` paces the refusal log.
  static Result<std::unique_ptr<ZapHandler>> start(zmq::context_t& ctx, AllowLists lists,
                                                   std::shared_ptr<const Clock> clock);
  ~ZapHandler();  // stops and joins the thread
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  uint64_t refused() const { return refused_.load(); }

 private:
  ZapHandler(zmq::context_t& ctx, AllowLists lists, std::shared_ptr<const Clock> clock);
  void serve();
  void answer_one();
  void log_refusal(const std::string& key, std::string_view domain, const std::string& address);

  struct Logged {
    SteadyTime at;
    uint64_t unlogged = 0;  // refusals since
  };

  AllowLists lists_;
  std::shared_ptr<const Clock> clock_;
  zmq::socket_t socket_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> refused_{0};
  std::map<std::string, Logged> logged_;  // by domain + key; the serving thread's alone
  std::thread thread_;
};

}  // namespace sweep::broker
