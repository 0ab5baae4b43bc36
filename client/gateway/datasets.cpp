#include "datasets.hpp"

#include <algorithm>
#include <cctype>

#include "sweep/data/csv_loader.hpp"
#include "sweep/data/dataset.hpp"
#include "sweep/store/dataset_catalog.hpp"

namespace sweep::gateway {

using nlohmann::json;

namespace {

constexpr size_t kMaxNameLength = 128;

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
  json stored = json::array();
  if (!db_path_.empty()) {
    Result<Store*> s = store();
    if (!s.ok()) return s.status();
    Result<json> all = stored_datasets_json(**s);
    if (!all.ok()) return all.status();
    stored = std::move(*all);
  }
  return json{{"stored", std::move(stored)}, {"files", data_folder_files_json(data_dirs_)}};
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
  return Upload{dataset_info_json(info), created};
}

}  // namespace sweep::gateway
