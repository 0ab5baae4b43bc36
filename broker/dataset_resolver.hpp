// Turns a spec's dataset source into bars: a path confined to the broker's data folders (no
// absolute paths, no "..", no symlink leading out of the folder), a synthetic series, or the id
// of a dataset already in the store.
#pragma once

#include <string>
#include <vector>

#include "sweep/base/status.hpp"
#include "sweep/data/bars.hpp"
#include "sweep/jobs/job_spec.hpp"
#include "sweep/store/store.hpp"

namespace sweep::broker {

// Errors name the spec field: "spec.dataset.path: ...".
Result<TimeSeries> resolve_dataset(const DatasetSource& source,
                                   const std::vector<std::string>& data_dirs, Store& store);

}  // namespace sweep::broker
