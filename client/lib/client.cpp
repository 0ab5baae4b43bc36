#include "sweep/client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <random>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "sweep/curve/curve_socket.hpp"
#include "sweep/protocol/topics.hpp"

namespace sweep::client {
namespace {

using std::chrono::milliseconds;
namespace pr = protocol;

std::string& req_of(pr::FrontendRequest& m) {
  return std::visit([](auto& r) -> std::string& { return r.req; }, m);
}
const std::string& req_of(const pr::FrontendReply& m) {
  return std::visit([](const auto& r) -> const std::string& { return r.req; }, m);
}
const std::string& job_of(const pr::Event& e) {
  return std::visit([](const auto& x) -> const std::string& { return x.job; }, e);
}

long millis_until(Clock::time_point t) {
  const auto d = std::chrono::duration_cast<milliseconds>(t - Clock::now()).count();
  return static_cast<long>(std::max<decltype(d)>(0, d));
}

// The reply as T, or why it is not one.
template <class T>
Result<T> expect(Result<pr::FrontendReply> r, std::string_view request) {
  if (!r.ok()) return r.status();
  if (T* v = std::get_if<T>(&r.value())) return std::move(*v);
  return Status::Internal("unexpected '" + std::string(pr::type_name(r.value())) + "' reply to '" +
                          std::string(request) + "'");
}

}  // namespace

std::string random_key() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return buf;
}

struct Client::Impl {
  zmq::context_t context;
  std::unique_ptr<zmq::socket_t> dealer;  // null after a timeout: the next attempt starts afresh
  std::string req_prefix = random_key().substr(0, 8);
  uint64_t req_counter = 0;

  // Sends `frame` and waits up to `timeout` for the reply carrying `req`. An empty optional is a
  // timeout (the socket is then dropped).
  Result<std::optional<pr::FrontendReply>> exchange(const std::string& endpoint,
                                                    const std::string& frame,
                                                    const std::string& req,
                                                    const ClientOptions& options) {
    const milliseconds timeout = options.timeout;
    try {
      if (!dealer) {
        dealer = std::make_unique<zmq::socket_t>(context, zmq::socket_type::dealer);
        dealer->set(zmq::sockopt::linger, 0);
        if (options.curve) curve::make_client(*dealer, *options.curve);
        dealer->connect(endpoint);
      }
      if (!dealer->send(zmq::buffer(frame), zmq::send_flags::dontwait)) {
        dealer.reset();  // no room to queue it: as good as no answer
        return std::optional<pr::FrontendReply>();
      }
      const Clock::time_point deadline = Clock::now() + timeout;
      for (;;) {
        zmq::pollitem_t item{dealer->handle(), 0, ZMQ_POLLIN, 0};
        int n = 0;
        try {
          n = zmq::poll(&item, 1, milliseconds(millis_until(deadline)));
        } catch (const zmq::error_t& e) {
          if (e.num() != EINTR) throw;
        }
        if (n <= 0) {
          if (Clock::now() < deadline) continue;  // interrupted by a signal
          dealer.reset();
          return std::optional<pr::FrontendReply>();
        }
        zmq::message_t msg;
        if (!dealer->recv(msg, zmq::recv_flags::dontwait)) continue;
        Result<pr::FrontendReply> reply = pr::decode_frontend_reply(msg.to_string_view());
        if (!reply.ok())
          return Status::Internal("unreadable reply from broker at " + endpoint + ": " +
                                  reply.status().message());
        const std::string& got = req_of(reply.value());
        // A reply to an unreadable request carries no req; it can only be ours.
        if (got == req || (got.empty() && std::holds_alternative<pr::ErrorReply>(reply.value())))
          return std::optional<pr::FrontendReply>(std::move(reply).value());
      }
    } catch (const zmq::error_t& e) {
      dealer.reset();
      if (e.num() == EINVAL || e.num() == EPROTONOSUPPORT)
        return Status::BadRequest("invalid broker endpoint '" + endpoint + "': " + e.what());
      return Status::Unavailable("broker at " + endpoint + ": " + e.what());
    }
  }
};

Client::Client(std::string frontend, ClientOptions options)
    : frontend_(std::move(frontend)), options_(options), impl_(std::make_unique<Impl>()) {}

Client::~Client() = default;

Result<pr::FrontendReply> Client::request(pr::FrontendRequest message) {
  std::string& req = req_of(message);
  if (req.empty()) req = impl_->req_prefix + "-" + std::to_string(++impl_->req_counter);
  const std::string frame = pr::encode(message);
  last_error_field_.clear();
  answered_ = false;
  // A broker closes the connection of a frame over its limit without a reply (docs/LIMITS.md):
  // say why here rather than time out. A broker may be set lower; that one times out.
  if (frame.size() > kMaxRequestBytes) {
    return Status::TooLarge("request: " + std::to_string(frame.size()) +
                            " bytes, over the frame limit of " + std::to_string(kMaxRequestBytes));
  }
  milliseconds backoff = options_.backoff;
  const int attempts = 1 + std::max(0, options_.retries);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
    auto got = impl_->exchange(frontend_, frame, req, options_);
    if (!got.ok()) return got.status();
    if (!got.value()) continue;
    answered_ = true;
    pr::FrontendReply reply = std::move(*got.value());
    if (auto* err = std::get_if<pr::ErrorReply>(&reply)) {
      last_error_field_ = err->field;
      const Code code = err->code == Code::kOk ? Code::kInternal : err->code;
      return Status(code, err->message.empty() ? std::string(code_name(code)) : err->message);
    }
    return reply;
  }
  return Status::Unavailable("no reply from broker at " + frontend_ + " (" +
                             std::to_string(attempts) + " attempts, " +
                             std::to_string(options_.timeout.count()) + " ms each)");
}

Result<pr::AcceptedReply> Client::submit(JobKind kind, const nlohmann::json& spec,
                                         std::string idempotency_key) {
  pr::SubmitRequest r;
  r.kind = kind;
  r.spec = spec;
  r.idempotency_key = idempotency_key.empty() ? random_key() : std::move(idempotency_key);
  return expect<pr::AcceptedReply>(request(std::move(r)), "submit");
}

Result<pr::StatusReply> Client::status(const std::string& id) {
  return expect<pr::StatusReply>(request(pr::StatusRequest{.req = {}, .id = id}), "status");
}

Result<pr::StatusReply> Client::cancel(const std::string& id) {
  return expect<pr::StatusReply>(request(pr::CancelRequest{.req = {}, .id = id}), "cancel");
}

Result<pr::JobRecord> Client::get(const std::string& id) {
  Result<pr::JobReply> r =
      expect<pr::JobReply>(request(pr::GetRequest{.req = {}, .id = id}), "get");
  if (!r.ok()) return r.status();
  return std::move(r.value().job);
}

Result<pr::TrialsPage> Client::trials(const std::string& id, const TrialsQuery& q) {
  pr::TrialsRequest r;
  r.id = id;
  r.sort = q.sort.empty() ? "index" : q.sort;
  r.order = q.order.value_or(r.sort == "index" ? pr::SortOrder::kAsc : pr::SortOrder::kDesc);
  r.limit = q.limit;
  r.offset = q.offset;
  return expect<pr::TrialsPage>(request(std::move(r)), "trials");
}

Result<pr::JobsPage> Client::list(const ListQuery& q) {
  pr::ListRequest r;
  r.kind = q.kind;
  r.status = q.status;
  r.limit = q.limit;
  r.offset = q.offset;
  return expect<pr::JobsPage>(request(std::move(r)), "list");
}

Result<pr::HealthReply> Client::health() {
  return expect<pr::HealthReply>(request(pr::HealthRequest{}), "health");
}

Result<pr::StrategiesReply> Client::strategies() {
  return expect<pr::StrategiesReply>(request(pr::StrategiesRequest{}), "strategies");
}

Result<pr::DatasetsReply> Client::datasets() {
  return expect<pr::DatasetsReply>(request(pr::DatasetsRequest{}), "datasets");
}

Result<pr::StatusReply> Client::wait(const std::string& id, const WaitOptions& o) {
  for (;;) {
    Result<pr::StatusReply> s = status(id);
    if (!s.ok()) return s;
    if (o.on_progress) o.on_progress(*s);
    if (is_terminal(s->status)) return s;
    const Clock::time_point next = Clock::now() + o.poll_interval;
    while (Clock::now() < next) {
      if (o.interrupted && o.interrupted()) return Status::Cancelled("interrupted");
      if (o.deadline && Clock::now() >= *o.deadline)
        return Status::Unavailable("job " + id + " is still " +
                                   std::string(job_state_name(s->status)) + " at the deadline");
      std::this_thread::sleep_for(std::min<milliseconds>(milliseconds(50), o.poll_interval));
    }
  }
}

Result<pr::StatusReply> Client::subscribe(const std::string& id,
                                          const std::function<void(const pr::Event&)>& on_event,
                                          const SubscribeOptions& o) {
  Result<pr::HealthReply> h = health();
  if (!h.ok()) return h.status();
  const std::string events = h->endpoints.events;
  try {
    zmq::socket_t sub(impl_->context, zmq::socket_type::sub);
    sub.set(zmq::sockopt::linger, 0);
    sub.set(zmq::sockopt::subscribe, job_topic(id));
    if (options_.curve) curve::make_client(sub, *options_.curve);
    sub.connect(events);
    // Subscribed first, asked second: nothing between the answer and the first event is missed.
    Clock::time_point next_poll = Clock::now();
    for (;;) {
      if (Clock::now() >= next_poll) {
        Result<pr::StatusReply> s = status(id);
        if (!s.ok()) return s;
        if (o.on_status) o.on_status(*s);
        if (is_terminal(s->status)) return s;
        next_poll = Clock::now() + o.poll_interval;
      }
      if (o.interrupted && o.interrupted()) return Status::Cancelled("interrupted");
      if (o.deadline && Clock::now() >= *o.deadline)
        return Status::Unavailable("job " + id + " is not terminal at the deadline");
      zmq::pollitem_t item{sub.handle(), 0, ZMQ_POLLIN, 0};
      int n = 0;
      try {
        n = zmq::poll(&item, 1, milliseconds(std::min(100L, millis_until(next_poll))));
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
      }
      if (n <= 0) continue;
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(sub, std::back_inserter(frames), zmq::recv_flags::dontwait))
        continue;
      if (frames.size() != 2) continue;
      Result<pr::Event> ev = pr::decode_event(frames[1].to_string_view());
      if (!ev.ok() || job_of(*ev) != id) continue;  // prefix matches another job
      if (on_event) on_event(*ev);
      if (const auto* st = std::get_if<pr::StateEvent>(&ev.value()); st && is_terminal(st->status))
        next_poll = Clock::now();  // confirm with the truth
    }
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("events of broker at " + events + ": " + e.what());
  }
}

}  // namespace sweep::client
