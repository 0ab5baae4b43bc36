// Store: the datasets table (bars by content hash, for workers that fetch them).
#include "store_impl.hpp"
#include "sweep/data/dataset.hpp"

namespace sweep {

Result<std::string> Store::put_dataset(const TimeSeries& series) {
  std::string id = dataset_hash(series);
  const auto blob = store_codec::bars_to_blob(series.bars);
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(
      "INSERT INTO datasets (id, name, bars, first_ts, last_ts, price_digits, volume_digits, "
      "data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING");
  if (!s.ok()) return s.status();
  sqlite::Stmt& q = **s;
  q.bind_text(1, id);
  q.bind_text(2, series.name);
  q.bind_int(3, static_cast<int64_t>(series.size()));
  if (!series.empty()) {
    q.bind_int(4, series.bars.front().ts);
    q.bind_int(5, series.bars.back().ts);
  }
  q.bind_int(6, series.price_digits);
  q.bind_int(7, series.volume_digits);
  q.bind_blob(8, blob);
  if (Status st = q.run("store dataset"); !st.ok()) return st;
  return id;
}

Result<TimeSeries> Store::get_dataset(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto s =
      impl_->stmt("SELECT name, price_digits, volume_digits, data FROM datasets WHERE id = ?1");
  if (!s.ok()) return s.status();
  sqlite::Stmt& q = **s;
  q.bind_text(1, id);
  auto row = q.step("get dataset");
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("dataset '" + id + "' not found");
  TimeSeries ts;
  ts.name = q.column_text(0);
  ts.price_digits = static_cast<int>(q.column_int(1));
  ts.volume_digits = static_cast<int>(q.column_int(2));
  auto bars = store_codec::bars_from_blob(q.column_blob(3));
  if (!bars.ok()) return bars.status();
  ts.bars = std::move(*bars);
  return ts;
}

Result<uint64_t> Store::dataset_bars(const std::string& id) {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt("SELECT bars FROM datasets WHERE id = ?1");
  if (!s.ok()) return s.status();
  sqlite::Stmt& q = **s;
  q.bind_text(1, id);
  auto row = q.step("dataset bars");
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("dataset '" + id + "' not found");
  return static_cast<uint64_t>(q.column_int(0));
}

Result<std::vector<DatasetInfo>> Store::list_datasets() {
  std::lock_guard lock(impl_->mu);
  auto s = impl_->stmt(
      "SELECT id, name, bars, first_ts, last_ts, price_digits, volume_digits FROM datasets "
      "ORDER BY name, id");
  if (!s.ok()) return s.status();
  sqlite::Stmt& q = **s;
  std::vector<DatasetInfo> out;
  for (;;) {
    auto row = q.step("list datasets");
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back({q.column_text(0), q.column_text(1), static_cast<uint64_t>(q.column_int(2)),
                   q.column_int(3), q.column_int(4), static_cast<int>(q.column_int(5)),
                   static_cast<int>(q.column_int(6))});
  }
  return out;
}

}  // namespace sweep
