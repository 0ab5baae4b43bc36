// The datasets a spec can name, as JSON: the CSV files of the data folders (by path) and the
// datasets stored in the database (by content hash), each with the `source` to put in a spec's
// `dataset`. One form for the gateway's /api/datasets and the broker's `datasets` reply.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/store/store.hpp"

namespace sweep {

// {"id", "name", "bars", "first_ts", "last_ts", "source": {"id"}}
nlohmann::json dataset_info_json(const DatasetInfo& d);
// [{"path", "bytes", "source": {"path"}}] for the *.csv files (any case) of `dirs`, each folder's
// sorted by name; unreadable folders are skipped.
nlohmann::json data_folder_files_json(const std::vector<std::string>& dirs);
// [dataset_info_json...] of every stored dataset; Unavailable when the database cannot be read.
Result<nlohmann::json> stored_datasets_json(Store& store);

}  // namespace sweep
