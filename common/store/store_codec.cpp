#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "store_impl.hpp"
#include "sweep/jobs/result_json.hpp"

namespace sweep {

namespace store_codec {
namespace {

static_assert(std::endian::native == std::endian::little,
              "the blob formats are little-endian; add byte swapping for this target");

template <class T>
void append_raw(std::vector<unsigned char>& out, T v) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}

template <class T>
T read_raw(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

const std::vector<std::string>& metric_columns() {
  static const std::vector<std::string> cols = [] {
    std::vector<std::string> c;
    for (int i = 0; i < kMetricCount; ++i) c.emplace_back(metric_name(static_cast<Metric>(i)));
    return c;
  }();
  return cols;
}

const std::string& metric_column_list() {
  static const std::string list = [] {
    std::string s;
    for (const auto& c : metric_columns()) s += (s.empty() ? "" : ", ") + c;
    return s;
  }();
  return list;
}

std::string params_to_text(const ParamSet& p) {
  // One row per trial: written directly rather than through a JSON tree. The text is what
  // to_json(p).dump() gives (keys sorted, nlohmann's number and string forms); names that are
  // not plain identifiers take that path itself.
  std::vector<const std::pair<std::string, ParamValue>*> items;
  items.reserve(p.size());
  for (const auto& item : p.items()) {
    for (char c : item.first) {
      const bool plain =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      if (!plain) return to_json(p).dump();
    }
    items.push_back(&item);
  }
  std::sort(items.begin(), items.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string out = "{";
  for (const auto* item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += item->first;
    out += "\":";
    if (const auto* i = std::get_if<int64_t>(&item->second)) {
      out += std::to_string(*i);
    } else {
      out += to_json(item->second).dump();
    }
  }
  out += '}';
  return out;
}

Result<ParamSet> params_from_text(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Internal("stored params are not a JSON object: " + text);
  ParamSet p;
  for (const auto& [k, v] : j.items()) {
    if (v.is_number_integer()) {
      p.set(k, v.get<int64_t>());
    } else if (v.is_number()) {
      p.set(k, v.get<double>());
    } else if (v.is_string()) {
      p.set(k, v.get<std::string>());
    } else {
      return Status::Internal("stored param '" + k + "' has an unexpected type");
    }
  }
  return p;
}

std::vector<unsigned char> equity_to_blob(const std::vector<double>& equity) {
  const size_t n = equity.size();
  const size_t m = std::min(n, kMaxStoredEquityPoints);
  std::vector<unsigned char> out;
  out.reserve(m * sizeof(double));
  for (size_t i = 0; i < m; ++i) {
    // Evenly spaced source points, the first and the last included.
    const size_t src = m <= 1 ? 0 : i * (n - 1) / (m - 1);
    append_raw(out, equity[src]);
  }
  return out;
}

std::vector<double> equity_from_blob(std::span<const unsigned char> blob) {
  std::vector<double> out(blob.size() / sizeof(double));
  for (size_t i = 0; i < out.size(); ++i) out[i] = read_raw<double>(blob.data() + i * 8);
  return out;
}

std::vector<unsigned char> return_stats_to_blob(const std::optional<ReturnStats>& stats) {
  std::vector<unsigned char> out;
  if (!stats) return out;
  out.reserve(8 + 4 * 8 + stats->blocks.size() * 20);
  append_raw(out, stats->days);
  append_raw(out, static_cast<uint32_t>(stats->blocks.size()));
  for (double v : {stats->mean, stats->m2, stats->m3, stats->m4}) append_raw(out, v);
  for (const BlockSums& b : stats->blocks) {
    append_raw(out, b.count);
    append_raw(out, b.sum);
    append_raw(out, b.sum_sq);
  }
  return out;
}

Result<std::optional<ReturnStats>> return_stats_from_blob(std::span<const unsigned char> blob) {
  if (blob.empty()) return std::optional<ReturnStats>();
  constexpr size_t kHead = 8 + 4 * 8, kBlock = 4 + 2 * 8;
  const auto corrupt = [&] {
    return Status::Internal("stored return statistics are corrupt: " + std::to_string(blob.size()) +
                            " bytes");
  };
  if (blob.size() < kHead) return corrupt();
  ReturnStats s;
  const unsigned char* p = blob.data();
  s.days = read_raw<uint32_t>(p);
  const auto blocks = read_raw<uint32_t>(p + 4);
  if (blocks > kMaxReturnBlocks || blob.size() != kHead + blocks * kBlock) return corrupt();
  s.mean = read_raw<double>(p + 8);
  s.m2 = read_raw<double>(p + 16);
  s.m3 = read_raw<double>(p + 24);
  s.m4 = read_raw<double>(p + 32);
  s.blocks.resize(blocks);
  for (size_t b = 0; b < blocks; ++b) {
    const unsigned char* q = p + kHead + b * kBlock;
    s.blocks[b] = {read_raw<uint32_t>(q), read_raw<double>(q + 4), read_raw<double>(q + 12)};
  }
  return std::optional<ReturnStats>(std::move(s));
}

std::vector<unsigned char> bars_to_blob(const std::vector<Int64Bar>& bars) {
  std::vector<unsigned char> out;
  out.reserve(bars.size() * 6 * sizeof(int64_t));
  for (const auto& b : bars) {
    for (int64_t v : {b.ts, b.open, b.high, b.low, b.close, b.volume}) append_raw(out, v);
  }
  return out;
}

Result<std::vector<Int64Bar>> bars_from_blob(std::span<const unsigned char> blob) {
  constexpr size_t kBarBytes = 6 * sizeof(int64_t);
  if (blob.size() % kBarBytes != 0) {
    return Status::Internal("stored dataset bars are corrupt: " + std::to_string(blob.size()) +
                            " bytes is not a whole number of bars");
  }
  std::vector<Int64Bar> bars(blob.size() / kBarBytes);
  for (size_t i = 0; i < bars.size(); ++i) {
    const unsigned char* p = blob.data() + i * kBarBytes;
    bars[i] = {read_raw<int64_t>(p),      read_raw<int64_t>(p + 8),  read_raw<int64_t>(p + 16),
               read_raw<int64_t>(p + 24), read_raw<int64_t>(p + 32), read_raw<int64_t>(p + 40)};
  }
  return bars;
}

}  // namespace store_codec
}  // namespace sweep
