#include "sweep/store/dataset_catalog.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace sweep {

namespace fs = std::filesystem;

namespace {
bool is_csv(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".csv";
}
}  // namespace

nlohmann::json dataset_info_json(const DatasetInfo& d) {
  return {{"id", d.id},           {"name", d.name},
          {"bars", d.bars},       {"first_ts", d.first_ts},
          {"last_ts", d.last_ts}, {"source", {{"id", d.id}}}};
}

nlohmann::json data_folder_files_json(const std::vector<std::string>& dirs) {
  nlohmann::json files = nlohmann::json::array();
  for (const std::string& dir : dirs) {
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
  return files;
}

Result<nlohmann::json> stored_datasets_json(Store& store) {
  Result<std::vector<DatasetInfo>> infos = store.list_datasets();
  if (!infos.ok()) return Status::Unavailable("datasets: " + infos.status().message());
  nlohmann::json stored = nlohmann::json::array();
  for (const DatasetInfo& d : *infos) stored.push_back(dataset_info_json(d));
  return stored;
}

}  // namespace sweep
