// cpp-httplib's server with a reception in front of its threads. cpp-httplib gives each accepted
// connection a pool thread that then waits, read by read, for the request: eight clients that
// send a header a byte at a time (slowloris) hold all eight threads, and every other request
// waits behind them; more threads only raise the number the attacker needs. Here one reception
// thread polls every connection until its request headers are complete, within a deadline, and
// only then hands it to a worker thread, which runs cpp-httplib's request processing over the
// bytes already read. After a keep-alive response the connection goes back to the reception to
// wait for its next request. A connection that does not complete its headers in time is closed
// with 408, one that sends more than `max_header_bytes` of headers with 431.
//
// Every accepted socket also gets TCP_NODELAY: cpp-httplib writes a response's head and body
// separately, and with Nagle's algorithm the body of every request after the first on a
// keep-alive connection waited for the client's delayed ACK (~40 ms).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace sweep::gateway {

struct ReceptionLimits {
  std::chrono::milliseconds header_timeout{10'000};  // first byte -> end of the headers
  size_t max_header_bytes = 64 << 10;
  size_t workers = 8;
};

class ReceptionServer : public httplib::Server {
 public:
  explicit ReceptionServer(ReceptionLimits limits = {});
  ~ReceptionServer() override;

 private:
  struct Conn {
    int fd = -1;
    std::string pending;  // bytes read and not yet processed: the next request's start
    size_t scanned = 0;   // bytes of `pending` known to hold no end of the headers
    size_t served = 0;    // requests answered on this connection
    std::chrono::steady_clock::time_point deadline;  // for its headers (or its first byte)
    bool started = false;                            // a byte of the next request arrived
  };

  // Called by the accept loop for each new socket (through an inline task queue).
  bool process_and_close_socket(socket_t sock) override;

  void admit(Conn c);     // any thread: into the reception
  void reception_loop();  // the reception thread
  void worker_loop();     // each worker thread
  void serve(Conn c);     // one request on a worker; then back to the reception or closed
  // The reception's verdict on a connection's bytes: wait more, dispatch, or refuse.
  enum class Headers { kIncomplete, kComplete, kTooLarge };
  Headers scan(Conn& c) const;

  const ReceptionLimits limits_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::vector<Conn> incoming_;  // admitted, not yet polled by the reception thread
  std::deque<Conn> ready_;      // complete headers, waiting for a worker
  bool stopping_ = false;
  int wake_fd_ = -1;  // eventfd: wakes the reception thread
  std::thread reception_;
  std::vector<std::thread> workers_;
};

}  // namespace sweep::gateway
