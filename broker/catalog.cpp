// The catalog requests (docs/PROTOCOL.md §4): what a client can name in a spec, without reading
// the broker's folders or database itself.
#include "broker.hpp"
#include "sweep/jobs/catalog_json.hpp"
#include "sweep/store/dataset_catalog.hpp"

namespace sweep::broker {

protocol::FrontendReply Broker::on_strategies(const protocol::StrategiesRequest& r) {
  return protocol::StrategiesReply{r.req, strategies_json(registry_), metric_names_json()};
}

protocol::FrontendReply Broker::on_datasets(const protocol::DatasetsRequest& r) {
  // A few ms for a few hundred stored datasets (one indexed read, no bars) and one directory
  // listing per data folder: cheap enough for the loop.
  Result<nlohmann::json> stored = stored_datasets_json(*store_);
  if (!stored.ok()) return protocol::make_error(r.req, stored.status());
  return protocol::DatasetsReply{r.req, data_folder_files_json(config_.data_dirs),
                                 std::move(*stored)};
}

}  // namespace sweep::broker
