// Datasets for the API: the CSV files of the data folders (referenced by path) and the datasets
// stored in the broker's SQLite database under their content hash (referenced by id). Uploads are
// parsed and validated in full before anything is stored, and stored in one transaction by the
// store, so a bad upload leaves nothing behind.
//
// The database is the broker's (--db): opened lazily on first use, shared with the broker through
// SQLite's WAL locking. Thread safety: every method may be called from any thread.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/base/status.hpp"
#include "sweep/store/store.hpp"

namespace sweep::gateway {

struct Upload {
  nlohmann::json dataset;  // {id, name, bars, first_ts, last_ts, source: {id}}
  bool created = false;    // false: the same bars were stored already
};

class Datasets {
 public:
  Datasets(std::string db_path, std::vector<std::string> data_dirs)
      : db_path_(std::move(db_path)), data_dirs_(std::move(data_dirs)) {}

  // {"stored": [...], "files": [{path, bytes, source: {path}}]}
  Result<nlohmann::json> list();
  // `name` is checked here (1..128 of [A-Za-z0-9._-]); CSV errors name the line and column.
  Result<Upload> upload(std::string_view csv, const std::string& name);

 private:
  Result<Store*> store();

  std::string db_path_;
  std::vector<std::string> data_dirs_;
  std::mutex mu_;
  std::optional<Store> store_;
};

}  // namespace sweep::gateway
