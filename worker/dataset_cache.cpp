#include "dataset_cache.hpp"

#include "sweep/data/csv_loader.hpp"
#include "sweep/data/dataset.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/jobs/job_spec.hpp"

namespace sweep::worker {

std::shared_ptr<const MarketData> DatasetCache::find(std::string_view hash) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == hash) {
      entries_.splice(entries_.begin(), entries_, it);
      return entries_.front().second;
    }
  }
  return nullptr;
}

void DatasetCache::put(std::string hash, std::shared_ptr<const MarketData> data) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == hash) {
      entries_.erase(it);
      break;
    }
  }
  entries_.emplace_front(std::move(hash), std::move(data));
  while (entries_.size() > capacity_) entries_.pop_back();
}

Result<std::shared_ptr<const MarketData>> market_data_from_csv(std::string_view csv,
                                                               std::string_view expected_hash) {
  const std::string name = "dataset " + std::string(expected_hash);
  Result<TimeSeries> series = parse_csv(csv, name);
  if (!series.ok()) return series.status();
  const std::string actual = dataset_hash(*series);
  if (actual != expected_hash) {
    return Status::BadRequest(name + ": content hash mismatch (the received data hashes to " +
                              actual + ")");
  }
  return MarketData::Build(std::make_shared<const TimeSeries>(std::move(series).value()));
}

bool makes_itself(const nlohmann::json& source) {
  Result<DatasetSource> parsed = parse_dataset_source(source);
  return parsed.ok() && std::holds_alternative<SyntheticDataset>(*parsed);
}

std::shared_ptr<const MarketData> market_data_from_source(const nlohmann::json& source,
                                                          std::string_view expected_hash) {
  Result<DatasetSource> parsed = parse_dataset_source(source);
  if (!parsed.ok()) return nullptr;
  const auto* synthetic = std::get_if<SyntheticDataset>(&*parsed);
  if (!synthetic) return nullptr;
  TimeSeries series = make_synthetic(static_cast<size_t>(synthetic->bars), synthetic->seed);
  if (dataset_hash(series) != expected_hash) return nullptr;  // another generator: ask the broker
  return MarketData::Build(std::make_shared<const TimeSeries>(std::move(series)));
}

}  // namespace sweep::worker
