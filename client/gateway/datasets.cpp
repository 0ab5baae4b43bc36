#include "datasets.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "sweep/data/csv_loader.hpp"
#include "sweep/data/dataset.hpp"

namespace sweep::gateway {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr size_t kMaxNameLength = 128;

json info_json(const DatasetInfo& d) {
  return {{"id", d.id},           {"name", d.name},
          {"bars", d.bars},       {"first_ts", d.first_ts},
          {"last_ts", d.last_ts}, {"source", {{"id", d.id}}}};
}

bool is_csv(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".csv";
}

}  // namespace

Result<Store*> Datasets::store() {
  std::lock_guard lock(mu_);
  if (store_) return &*store_;
  if (db_path_.empty())
    return Status::Unavailable(
        "stored datasets need the broker's database: start sweep-gateway with --db PATH");
  Result<Store> s = Store::open(db_path_);
  if (!s.ok())
    return Status::Unavailable("cannot open the database " + db_path_ + ": " +
                               s.status().message());
  store_.emplace(std::move(*s));
  return &*store_;
}

Result<json> Datasets::list() {
  json files = json::array();
  for (const std::string& dir : data_dirs_) {
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_regular_file(ec) && is_csv(e.path())) entries.push_back(e);
    std::sort(entries.begin(), entries.end());
    for (const auto& e : entries) {
      const std::string name = e.path().filename().string();
      files.push_back({{"path", name}, {"bytes", e.file_size(ec)}, {"source", {{"path", name}}}});
    }
  }
  json stored = json::array();
  if (!db_path_.empty()) {
    Result<Store*> s = store();
    if (!s.ok()) return s.status();
    Result<std::vector<DatasetInfo>> infos = (*s)->list_datasets();
    if (!infos.ok()) return Status::Unavailable("datasets: " + infos.status().message());
    for (const DatasetInfo& d : *infos) stored.push_back(info_json(d));
  }
  return json{{"stored", std::move(stored)}, {"files", std::move(files)}};
}

Result<Upload> Datasets::upload(std::string_view csv, const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength ||
      !std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == '-';
      }))
    return Status::BadRequest("name: '" + name.substr(0, kMaxNameLength) + "' must be 1.." +
                              std::to_string(kMaxNameLength) + " characters of A-Z a-z 0-9 . _ -");
  if (csv.empty()) return Status::BadRequest("body: empty; expected CSV text");
  Result<TimeSeries> series = parse_csv(csv, name);
  if (!series.ok()) return Status(series.status().code(), "body: " + series.status().message());
  if (series->empty()) return Status::BadRequest("body: " + name + ": no bars after the header");
  Result<Store*> s = store();
  if (!s.ok()) return s.status();
  const std::string id = dataset_hash(*series);
  Result<TimeSeries> existing = (*s)->get_dataset(id);
  if (!existing.ok() && existing.status().code() != Code::kNotFound)
    return Status::Unavailable("datasets: " + existing.status().message());
  const bool created = !existing.ok();
  Result<std::string> stored = (*s)->put_dataset(*series);
  if (!stored.ok()) return Status::Unavailable("datasets: " + stored.status().message());
  DatasetInfo info;
  info.id = *stored;
  info.name = created ? series->name : existing->name;
  info.bars = series->size();
  info.first_ts = series->bars.front().ts;
  info.last_ts = series->bars.back().ts;
  return Upload{info_json(info), created};
}

}  // namespace sweep::gateway
