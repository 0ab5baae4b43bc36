#include "sweep/base/sha256.hpp"

#include <openssl/evp.h>

#include <cstdlib>

namespace sweep {
namespace {

// Only allocation failure can make these calls fail: there is no error worth returning, and a
// wrong hash must never be returned either.
void check(int ok) {
  if (ok != 1) std::abort();
}

}  // namespace

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const {
  EVP_MD_CTX_free(ctx);
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) std::abort();
  check(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr));
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t size) {
  check(EVP_DigestUpdate(ctx_.get(), data, size));
}

Sha256::Digest Sha256::finish() {
  Digest d{};
  unsigned int n = 0;
  check(EVP_DigestFinal_ex(ctx_.get(), d.data(), &n));
  return d;
}

std::string to_hex(const Sha256::Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * digest.size());
  for (uint8_t byte : digest) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return to_hex(h.finish());
}

}  // namespace sweep
