#include "trial_feed.hpp"

#include <chrono>
#include <iterator>
#include <memory>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "sweep/client.hpp"
#include "sweep/curve/curve_socket.hpp"
#include "sweep/protocol/protocol.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::gateway {

namespace {
using Clock = std::chrono::steady_clock;
constexpr auto kRediscover = std::chrono::seconds(3);
constexpr std::chrono::milliseconds kPollSlice{200};
}  // namespace

TrialFeed::TrialFeed(std::string frontend, std::optional<curve::ClientKeys> curve)
    : frontend_(std::move(frontend)), curve_(std::move(curve)), thread_([this] { run(); }) {}

TrialFeed::~TrialFeed() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

TrialFeed::Snapshot TrialFeed::snapshot() const {
  std::lock_guard lock(mu_);
  return snap_;
}

void TrialFeed::observe(double seconds) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++snap_.buckets[i];
  ++snap_.count;
  snap_.sum += seconds;
}

void TrialFeed::run() {
  client::ClientOptions options;
  options.timeout = std::chrono::milliseconds(500);  // also bounds how long shutdown waits
  options.retries = 0;
  options.curve = curve_;
  client::Client health_client(frontend_, options);
  zmq::context_t ctx;
  std::unique_ptr<zmq::socket_t> sub;
  std::string endpoint;
  auto next_check = Clock::now();
  while (!stop_) {
    if (Clock::now() >= next_check) {
      next_check = Clock::now() + kRediscover;
      Result<protocol::HealthReply> h = health_client.health();
      const std::string events = h.ok() ? h->endpoints.events : endpoint;
      if (!sub || events != endpoint) {
        sub.reset();
        endpoint.clear();
        if (h.ok() && !events.empty()) {
          try {
            sub = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::sub);
            sub->set(zmq::sockopt::linger, 0);
            sub->set(zmq::sockopt::subscribe, std::string(kJobPrefix));
            if (curve_) curve::make_client(*sub, *curve_);
            sub->connect(events);
            endpoint = events;
          } catch (const zmq::error_t&) {
            sub.reset();
          }
        }
      }
      std::lock_guard lock(mu_);
      snap_.connected = sub != nullptr && h.ok();
    }
    if (!sub) {
      std::this_thread::sleep_for(kPollSlice);  // nothing to read; rediscovery is due soon
      continue;
    }
    try {
      zmq::pollitem_t item{sub->handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, kPollSlice) <= 0) continue;
      std::vector<zmq::message_t> frames;
      while (zmq::recv_multipart(*sub, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
        if (frames.size() == 2) {
          Result<protocol::Event> e = protocol::decode_event(frames[1].to_string_view());
          if (e.ok()) {
            if (const auto* t = std::get_if<protocol::TrialEvent>(&*e)) {
              const auto& r = t->trial;
              if (r.started_at && r.finished_at && *r.finished_at >= *r.started_at &&
                  (r.status == TrialState::kCompleted || r.status == TrialState::kFailed))
                observe(static_cast<double>(*r.finished_at - *r.started_at) / 1000.0);
            }
          }
        }
        frames.clear();
      }
    } catch (const zmq::error_t&) {
      sub.reset();
      endpoint.clear();
    }
  }
}

}  // namespace sweep::gateway
