#include "dataset_lanes.hpp"

#include <filesystem>
#include <system_error>

namespace sweep::broker {

namespace fs = std::filesystem;

namespace {

Lane by_bars(uint64_t bars) {
  return bars > kLargeDatasetBars ? Lane::kLarge : Lane::kSmall;
}

Lane by_file_size(const std::string& text, const std::vector<std::string>& data_dirs) {
  const fs::path rel(text);
  if (text.empty() || rel.is_absolute() || rel.has_root_name()) return Lane::kSmall;
  for (const auto& part : rel) {
    if (part == "..") return Lane::kSmall;
  }
  for (const auto& dir : data_dirs) {
    std::error_code ec;
    const auto bytes = fs::file_size(fs::path(dir) / rel, ec);  // the first folder that has it
    if (!ec) return bytes > kLargeCsvBytes ? Lane::kLarge : Lane::kSmall;
  }
  return Lane::kSmall;  // not found: refused at once
}

}  // namespace

Lane lane_of(const DatasetSource& source, const std::vector<std::string>& data_dirs, Store& store) {
  if (const auto* s = std::get_if<SyntheticDataset>(&source)) return by_bars(s->bars);
  if (const auto* p = std::get_if<DatasetPath>(&source)) return by_file_size(p->path, data_dirs);
  auto bars = store.dataset_bars(std::get<DatasetId>(source).id);
  return bars.ok() ? by_bars(*bars) : Lane::kSmall;
}

Result<std::unique_ptr<DatasetLanes>> DatasetLanes::start(const std::string& db_path,
                                                          StoreOptions options,
                                                          std::vector<std::string> data_dirs,
                                                          Store& store) {
  auto small = DatasetWorker::start(db_path, options, data_dirs);
  if (!small.ok()) return small.status();
  auto large = DatasetWorker::start(db_path, options, data_dirs);
  if (!large.ok()) return large.status();
  return std::unique_ptr<DatasetLanes>(new DatasetLanes(
      std::move(small).value(), std::move(large).value(), std::move(data_dirs), store));
}

DatasetLanes::DatasetLanes(std::unique_ptr<DatasetWorker> small,
                           std::unique_ptr<DatasetWorker> large, std::vector<std::string> data_dirs,
                           Store& store)
    : small_(std::move(small)),
      large_(std::move(large)),
      data_dirs_(std::move(data_dirs)),
      store_(store) {}

Lane DatasetLanes::prepare(uint64_t ticket, DatasetSource source, std::optional<PlanOrder> plan) {
  Lane l = lane_of(source, data_dirs_, store_);
  if (plan && !plan->spec.constraint.empty()) {
    // Counting a constraint's trials evaluates it on every grid point.
    auto space = effective_space(plan->spec);
    if (space.ok() && space->grid_size() > kLargeDatasetBars) l = Lane::kLarge;
  }
  lane(l).prepare(ticket, std::move(source), std::move(plan));
  return l;
}

Lane DatasetLanes::serve(std::string hash) {
  // Unknown here (a damaged database): the small lane answers the error quickly.
  auto bars = store_.dataset_bars(hash);
  const Lane l = bars.ok() ? by_bars(*bars) : Lane::kSmall;
  lane(l).serve(std::move(hash));
  return l;
}

std::vector<DatasetWork> DatasetLanes::take() {
  std::vector<DatasetWork> out = small_->take();
  for (auto& done : large_->take()) out.push_back(std::move(done));
  return out;
}

}  // namespace sweep::broker
