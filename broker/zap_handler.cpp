#include "zap_handler.hpp"
#include "sweep/base/log.hpp"

#include <cstdio>
#include <vector>

#include <zmq_addon.hpp>

namespace sweep::broker {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr std::chrono::milliseconds kStopCheck{100};

// RFC 27 request frames.
enum ZapFrame { kVersion, kRequestId, kDomain, kAddress, kIdentity, kMechanism, kCredentials };

bool listed(const std::optional<std::set<std::string>>& list, std::string_view key) {
  return !list || list->contains(std::string(key));
}

std::string z85_of(const zmq::message_t& raw) {
  if (raw.size() != 32) return "(not a CURVE key)";
  char text[41] = {};
  if (!zmq_z85_encode(text, static_cast<const uint8_t*>(raw.data()), raw.size())) return "?";
  return text;
}

// Which flag's list refused the peer, for the log line.
std::string_view list_flag(std::string_view domain) {
  if (domain == kZapFrontend) return "--allow-clients";
  if (domain == kZapEvents) return "--allow-clients or --allow-workers";
  if (domain == kZapBackend || domain == kZapTelemetry) return "--allow-workers";
  return "a known socket";
}

}  // namespace

bool zap_allows(const AllowLists& lists, std::string_view domain, std::string_view key) {
  if (domain == kZapFrontend) return listed(lists.clients, key);
  if (domain == kZapBackend || domain == kZapTelemetry) return listed(lists.workers, key);
  if (domain == kZapEvents) return listed(lists.clients, key) || listed(lists.workers, key);
  return false;
}

ZapHandler::ZapHandler(zmq::context_t& ctx, AllowLists lists, std::shared_ptr<const Clock> clock)
    : lists_(std::move(lists)), clock_(std::move(clock)), socket_(ctx, zmq::socket_type::rep) {}

Result<std::unique_ptr<ZapHandler>> ZapHandler::start(zmq::context_t& ctx, AllowLists lists,
                                                      std::shared_ptr<const Clock> clock) {
  std::unique_ptr<ZapHandler> h(new ZapHandler(ctx, std::move(lists), std::move(clock)));
  try {
    h->socket_.set(zmq::sockopt::linger, 0);
    h->socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("cannot serve ZAP at ") + kZapEndpoint + ": " +
                               e.what());
  }
  // The socket moves to the thread here; thread creation is the memory barrier libzmq asks for.
  h->thread_ = std::thread([p = h.get()] { p->serve(); });
  return h;
}

ZapHandler::~ZapHandler() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::serve() {
  while (!stop_.load()) {
    try {
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, kStopCheck) > 0) answer_one();
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      if (e.num() != EINTR) spdlog::error("zap: {}", e.what());
    }
  }
}

void ZapHandler::answer_one() {
  std::vector<zmq::message_t> req;
  if (!zmq::recv_multipart(socket_, std::back_inserter(req), zmq::recv_flags::dontwait)) return;
  const bool well_formed = req.size() >= kCredentials && req[kVersion].to_string_view() == "1.0";
  const std::string_view domain = well_formed ? req[kDomain].to_string_view() : "";
  const bool curve =
      well_formed && req[kMechanism].to_string_view() == "CURVE" && req.size() == kCredentials + 1;
  const std::string key = curve ? z85_of(req[kCredentials]) : "";
  const bool allowed = curve && zap_allows(lists_, domain, key);
  if (!allowed) {
    refused_.fetch_add(1);
    log_refusal(key, domain, well_formed ? req[kAddress].to_string() : "?");
  }
  std::vector<zmq::message_t> rep;
  rep.emplace_back(std::string_view("1.0"));
  rep.emplace_back(well_formed ? req[kRequestId].to_string_view() : std::string_view());
  rep.emplace_back(std::string_view(allowed ? "200" : "400"));
  rep.emplace_back(std::string_view(allowed ? "OK" : "public key not allowed"));
  rep.emplace_back(allowed ? std::string_view(key) : std::string_view());  // user id
  rep.emplace_back();                                                      // no metadata
  zmq::send_multipart(socket_, rep);
}

void ZapHandler::log_refusal(const std::string& key, std::string_view domain,
                             const std::string& address) {
  constexpr size_t kMaxRemembered = 4096;  // bounds memory under a flood of distinct keys
  const auto now = clock_->steady();
  if (logged_.size() > kMaxRemembered) logged_.clear();
  auto [it, first] = logged_.try_emplace(std::string(domain) + " " + key);
  Logged& l = it->second;
  if (!first && now - l.at < kRefusalLogPeriod) {
    ++l.unlogged;
    return;
  }
  const std::string again =
      l.unlogged ? "; " + std::to_string(l.unlogged) + " more refusals of it since" : "";
  l = {now, 0};
  spdlog::warn("refused CURVE key {} on {} from {} (not in {}){}", key.empty() ? "(none)" : key,
               domain, address, list_flag(domain), again);
}

}  // namespace sweep::broker
