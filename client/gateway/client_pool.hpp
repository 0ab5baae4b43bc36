// Broker clients for the HTTP threads. A client::Client is not thread-safe, so each request
// borrows one for its duration and gives it back; the pool grows to the number of concurrent
// requests (bounded by the server's thread pool) and never shrinks.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sweep/client.hpp"

namespace sweep::gateway {

class ClientPool {
 public:
  ClientPool(std::string frontend, client::ClientOptions options)
      : frontend_(std::move(frontend)), options_(options) {}

  class Lease {
   public:
    Lease(ClientPool& pool, std::unique_ptr<client::Client> c) : pool_(pool), c_(std::move(c)) {}
    ~Lease() { pool_.give_back(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    client::Client* operator->() { return c_.get(); }
    client::Client& operator*() { return *c_; }

   private:
    ClientPool& pool_;
    std::unique_ptr<client::Client> c_;
  };

  Lease acquire() {
    std::unique_lock lock(mu_);
    if (free_.empty()) {
      lock.unlock();
      return Lease(*this, std::make_unique<client::Client>(frontend_, options_));
    }
    auto c = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(c));
  }

  const std::string& frontend() const { return frontend_; }

 private:
  void give_back(std::unique_ptr<client::Client> c) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(c));
  }

  std::string frontend_;
  client::ClientOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<client::Client>> free_;
};

}  // namespace sweep::gateway
