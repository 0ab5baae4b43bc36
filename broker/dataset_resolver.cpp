#include "dataset_resolver.hpp"

#include <filesystem>
#include <system_error>

#include "sweep/data/csv_loader.hpp"
#include "sweep/data/dataset.hpp"
#include "sweep/data/synthetic.hpp"

namespace sweep::broker {

namespace fs = std::filesystem;

namespace {

bool is_within(const fs::path& dir, const fs::path& file) {
  auto d = dir.begin(), f = file.begin();
  for (; d != dir.end(); ++d, ++f) {
    if (d->empty()) continue;  // a trailing separator
    if (f == file.end() || *d != *f) return false;
  }
  return true;
}

Result<TimeSeries> resolve_path(const std::string& text, const std::vector<std::string>& dirs) {
  const std::string field = "spec.dataset.path: ";
  const fs::path rel(text);
  if (text.empty()) return Status::BadRequest(field + "empty");
  if (rel.is_absolute() || rel.has_root_name() || rel.has_root_directory()) {
    return Status::BadRequest(field + "must be relative to a data folder");
  }
  for (const auto& part : rel) {
    if (part == "..") return Status::BadRequest(field + "must not contain '..'");
  }
  if (dirs.empty()) return Status::NotFound(field + "the broker has no data folder");
  for (const auto& dir : dirs) {
    std::error_code ec;
    const fs::path root = fs::canonical(dir, ec);
    if (ec) continue;
    const fs::path candidate = fs::weakly_canonical(root / rel, ec);
    if (ec || !fs::exists(candidate, ec)) continue;
    if (!is_within(root, candidate)) {
      return Status::BadRequest(field + "'" + text + "' leads out of the data folder");
    }
    if (!fs::is_regular_file(candidate, ec)) {
      return Status::BadRequest(field + "'" + text + "' is not a file");
    }
    auto series = load_csv(candidate.string());
    if (!series.ok()) {
      return Status(series.status().code(), "spec.dataset: " + series.status().message());
    }
    return series;
  }
  return Status::NotFound(field + "no file '" + text + "' in the data folders");
}

}  // namespace

Result<TimeSeries> resolve_dataset(const DatasetSource& source,
                                   const std::vector<std::string>& data_dirs, Store& store) {
  if (const auto* p = std::get_if<DatasetPath>(&source)) return resolve_path(p->path, data_dirs);
  if (const auto* s = std::get_if<SyntheticDataset>(&source)) {
    if (s->bars < 1 || s->bars > kMaxDatasetBars) {
      return Status::BadRequest("spec.dataset.synthetic.bars: must be 1.." +
                                std::to_string(kMaxDatasetBars));
    }
    return make_synthetic(s->bars, s->seed);
  }
  const auto& id = std::get<DatasetId>(source).id;
  auto series = store.get_dataset(id);
  if (!series.ok()) {
    if (series.status().code() == Code::kNotFound) {
      return Status::NotFound("spec.dataset.id: no dataset '" + id + "'");
    }
    return series.status();
  }
  return series;
}

}  // namespace sweep::broker
