// Market data by content hash, least recently used first out. Used by the I/O thread only; the
// MarketData values are immutable and shared with the slot threads running trials over them.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "sweep/base/status.hpp"
#include "sweep/data/market_data.hpp"

namespace sweep::worker {

class DatasetCache {
 public:
  explicit DatasetCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // nullptr when absent; a hit becomes the most recently used entry.
  std::shared_ptr<const MarketData> find(std::string_view hash);
  // Inserts or replaces; evicts the least recently used entry beyond capacity.
  void put(std::string hash, std::shared_ptr<const MarketData> data);
  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  size_t capacity_;
  std::list<std::pair<std::string, std::shared_ptr<const MarketData>>> entries_;  // MRU first
};

// The market data of a `dataset` message: parses the CSV and checks that its content hash is the
// one the broker announced. BadRequest naming the dataset otherwise.
Result<std::shared_ptr<const MarketData>> market_data_from_csv(std::string_view csv,
                                                               std::string_view expected_hash);

// The market data a worker can make itself from the spec's dataset source, without asking the
// broker: a synthetic series is generated here (the same bars everywhere, from bars and seed).
// nullptr when the source is anything else, or the result does not hash to `expected_hash`.
// Whether `source` is one market_data_from_source() can make (a synthetic series).
bool makes_itself(const nlohmann::json& source);
std::shared_ptr<const MarketData> market_data_from_source(const nlohmann::json& source,
                                                          std::string_view expected_hash);

}  // namespace sweep::worker
