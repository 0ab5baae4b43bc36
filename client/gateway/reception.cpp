#include "reception.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

namespace sweep::gateway {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view kEndOfHeaders = "\r\n\r\n";

int poll_one(int fd, short events, milliseconds timeout) {
  pollfd p{fd, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (n < 0 && errno == EINTR);
  return n > 0 && (p.revents & (events | POLLHUP | POLLERR)) ? 1 : 0;
}

milliseconds ms(time_t sec, time_t usec) {
  return milliseconds(sec * 1000 + usec / 1000);
}

void close_fd(int fd) {
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

// A short answer for a connection the reception gives up on; best effort, never blocks.
void refuse(int fd, std::string_view status) {
  const std::string reply =
      "HTTP/1.1 " + std::string(status) + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  [[maybe_unused]] ssize_t n = ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  close_fd(fd);
}

void address_of(const sockaddr_storage& a, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
    port = ntohs(v6->sin6_port);
  }
  ip = buf;
}

// cpp-httplib's view of a connection: the bytes the reception already read come first, then the
// (non-blocking) socket, with the server's read and write timeouts. Small reads are buffered: the
// request line reader asks for one byte at a time.
class ConnStream final : public httplib::Stream {
 public:
  ConnStream(int fd, std::string pending, milliseconds read_timeout, milliseconds write_timeout)
      : fd_(fd),
        buf_(std::move(pending)),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout) {}

  bool is_readable() const override {
    return at_ < buf_.size() || poll_one(fd_, POLLIN, read_timeout_) > 0;
  }
  bool is_writable() const override { return poll_one(fd_, POLLOUT, write_timeout_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (at_ == buf_.size()) {
      buf_.clear();
      at_ = 0;
      if (size >= kChunk) return recv_some(ptr, size);
      buf_.resize(kChunk);
      const ssize_t n = recv_some(buf_.data(), kChunk);
      buf_.resize(n > 0 ? static_cast<size_t>(n) : 0);
      if (n <= 0) return n;
    }
    const size_t n = std::min(size, buf_.size() - at_);
    std::copy_n(buf_.data() + at_, n, ptr);
    at_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    for (;;) {
      const ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN || poll_one(fd_, POLLOUT, write_timeout_) == 0) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) address_of(a, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) address_of(a, ip, port);
  }
  socket_t socket() const override { return fd_; }

  // What was read past the request just processed (a pipelined next request).
  std::string rest() && { return buf_.substr(at_); }

 private:
  static constexpr size_t kChunk = 4096;

  ssize_t recv_some(char* ptr, size_t size) {
    for (;;) {
      const ssize_t n = ::recv(fd_, ptr, size, 0);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if (errno != EAGAIN || poll_one(fd_, POLLIN, read_timeout_) == 0) return -1;
    }
  }

  const int fd_;
  std::string buf_;
  size_t at_ = 0;
  const milliseconds read_timeout_, write_timeout_;
};

// Runs each task at once on the thread that enqueues it: the accept loop, which only hands the
// socket to the reception.
class InlineQueue final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

}  // namespace

ReceptionServer::ReceptionServer(ReceptionLimits limits) : limits_(limits) {
  new_task_queue = [] { return new InlineQueue(); };
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  reception_ = std::thread([this] { reception_loop(); });
  for (size_t i = 0; i < std::max<size_t>(limits_.workers, 1); ++i)
    workers_.emplace_back([this] { worker_loop(); });
}

ReceptionServer::~ReceptionServer() {
  stop();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  work_cv_.notify_all();
  reception_.join();
  for (std::thread& t : workers_) t.join();
  for (Conn& c : ready_) close_fd(c.fd);
  for (Conn& c : incoming_) close_fd(c.fd);
  ::close(wake_fd_);
}

bool ReceptionServer::process_and_close_socket(socket_t sock) {
  const int on = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) | O_NONBLOCK);
  Conn c;
  c.fd = sock;
  // A new connection has no idle time: its first byte is due as soon as its headers are.
  c.deadline = Clock::now() + limits_.header_timeout;
  c.started = true;
  admit(std::move(c));
  return true;
}

void ReceptionServer::admit(Conn c) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return close_fd(c.fd);
    incoming_.push_back(std::move(c));
  }
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

ReceptionServer::Headers ReceptionServer::scan(Conn& c) const {
  // Only the bytes not looked at before (and the three before them): a header trickled in a byte
  // at a time costs linear time, not quadratic.
  const size_t from = c.scanned < kEndOfHeaders.size() ? 0 : c.scanned - kEndOfHeaders.size() + 1;
  if (c.pending.find(kEndOfHeaders, from) != std::string::npos) return Headers::kComplete;
  c.scanned = c.pending.size();
  return c.pending.size() > limits_.max_header_bytes ? Headers::kTooLarge : Headers::kIncomplete;
}

void ReceptionServer::reception_loop() {
  std::vector<Conn> conns;
  std::vector<pollfd> fds;
  char buf[4096];
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      for (Conn& c : incoming_) conns.push_back(std::move(c));
      incoming_.clear();
    }
    // Dispatch or refuse what is decided; find the nearest deadline of the rest.
    const auto now = Clock::now();
    auto next = now + milliseconds(1000);
    std::vector<Conn> keep;
    std::vector<Conn> dispatch;
    for (Conn& c : conns) {
      const Headers h = scan(c);
      if (h == Headers::kComplete) {
        dispatch.push_back(std::move(c));
      } else if (h == Headers::kTooLarge) {
        refuse(c.fd, "431 Request Header Fields Too Large");
      } else if (now >= c.deadline) {
        if (c.started)
          refuse(c.fd, "408 Request Timeout");
        else
          close_fd(c.fd);  // an idle keep-alive connection: nothing to answer
      } else {
        next = std::min(next, c.deadline);
        keep.push_back(std::move(c));
      }
    }
    conns = std::move(keep);
    {
      std::lock_guard lock(mu_);
      for (Conn& c : dispatch) ready_.push_back(std::move(c));
    }
    if (!dispatch.empty()) work_cv_.notify_all();

    fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
    for (const Conn& c : conns) fds.push_back(pollfd{c.fd, POLLIN, 0});
    const auto wait = std::chrono::duration_cast<milliseconds>(next - Clock::now());
    const int n =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(wait.count(), 0) + 1));
    if (n <= 0) continue;
    if (fds[0].revents & POLLIN) {
      uint64_t v;
      [[maybe_unused]] ssize_t r = ::read(wake_fd_, &v, sizeof v);
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!fds[i].revents) continue;
      Conn& c = conns[i - 1];
      const ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
      if (got > 0) {
        if (!c.started) {  // the next request's first byte: its headers are due from now
          c.started = true;
          c.deadline = Clock::now() + limits_.header_timeout;
        }
        c.pending.append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_fd(c.fd);  // the client left
        c.fd = -1;
      }
    }
    std::erase_if(conns, [](const Conn& c) { return c.fd < 0; });
  }
  for (Conn& c : conns) close_fd(c.fd);
}

void ReceptionServer::worker_loop() {
  for (;;) {
    Conn c;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
      if (ready_.empty()) return;  // stopping, nothing left
      c = std::move(ready_.front());
      ready_.pop_front();
    }
    serve(std::move(c));
  }
}

void ReceptionServer::serve(Conn c) {
  ConnStream strm(c.fd, std::move(c.pending), ms(read_timeout_sec_, read_timeout_usec_),
                  ms(write_timeout_sec_, write_timeout_usec_));
  const bool last = ++c.served >= keep_alive_max_count_ || svr_sock_ == INVALID_SOCKET;
  bool closed = false;
  const bool ok = process_request(strm, last, closed, nullptr);
  if (!ok || closed || last) return close_fd(c.fd);
  c.pending = std::move(strm).rest();
  c.scanned = 0;
  c.started = !c.pending.empty();
  c.deadline = Clock::now() +
               (c.started ? limits_.header_timeout : std::chrono::seconds(keep_alive_timeout_sec_));
  admit(std::move(c));
}

}  // namespace sweep::gateway
