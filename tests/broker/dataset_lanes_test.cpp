// Which dataset lane a submit's dataset goes on (broker/dataset_lanes.hpp): the estimate reads
// no data, only a bar count, a file's size or a stored dataset's row. And what a lane's thread
// serves a worker: the `dataset` message itself, encoded off the loop.
#include "dataset_lanes.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sweep/data/dataset.hpp"
#include "sweep/data/synthetic.hpp"
#include "sweep/protocol/protocol.hpp"

namespace sweep::broker {
namespace {

namespace fs = std::filesystem;

class DatasetLanesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sweep_lanes_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    auto store = Store::open((dir_ / "sweep.db").string());
    ASSERT_TRUE(store.ok());
    store_.emplace(std::move(store).value());
  }
  void TearDown() override { fs::remove_all(dir_); }
  Lane lane(const DatasetSource& s) { return lane_of(s, {(dir_ / "data").string()}, *store_); }
  fs::path dir_;
  std::optional<Store> store_;
};

TEST_F(DatasetLanesTest, SyntheticSeriesGoByTheirBarCount) {
  EXPECT_EQ(lane(SyntheticDataset{1000, 1}), Lane::kSmall);
  EXPECT_EQ(lane(SyntheticDataset{kLargeDatasetBars, 1}), Lane::kSmall);
  EXPECT_EQ(lane(SyntheticDataset{kLargeDatasetBars + 1, 1}), Lane::kLarge);
  EXPECT_EQ(lane(SyntheticDataset{5'000'000, 1}), Lane::kLarge);
}

TEST_F(DatasetLanesTest, CsvFilesGoByTheirSize) {
  { std::ofstream(dir_ / "data" / "small.csv") << "Date,Open,High,Low,Close,Volume\n"; }
  // Sparse: 64 MiB + 1 byte on paper, nothing on disk.
  { std::ofstream(dir_ / "data" / "big.csv"); }
  fs::resize_file(dir_ / "data" / "big.csv", kLargeCsvBytes + 1);
  EXPECT_EQ(lane(DatasetPath{"small.csv"}), Lane::kSmall);
  EXPECT_EQ(lane(DatasetPath{"big.csv"}), Lane::kLarge);
  // Refused or missing files are answered quickly: small.
  EXPECT_EQ(lane(DatasetPath{"missing.csv"}), Lane::kSmall);
  EXPECT_EQ(lane(DatasetPath{"../data/big.csv"}), Lane::kSmall);
  EXPECT_EQ(lane(DatasetPath{(dir_ / "data" / "big.csv").string()}), Lane::kSmall);
}

TEST_F(DatasetLanesTest, StoredDatasetsGoByTheirStoredBarCount) {
  auto small = store_->put_dataset(make_synthetic(500, 1));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(store_->dataset_bars(*small).value(), 500u);
  EXPECT_EQ(lane(DatasetId{*small}), Lane::kSmall);
  EXPECT_EQ(lane(DatasetId{"0000"}), Lane::kSmall);  // unknown: not_found at once
  EXPECT_EQ(store_->dataset_bars("0000").status().code(), Code::kNotFound);
}

// The next finished item of `w`, waiting on its fd for up to 20 s.
std::optional<DatasetWork> next_work(DatasetWorker& w) {
  pollfd p{w.fd(), POLLIN, 0};
  if (::poll(&p, 1, 20'000) != 1) return std::nullopt;
  auto done = w.take();
  if (done.size() != 1) return std::nullopt;
  return std::move(done.front());
}

TEST_F(DatasetLanesTest, AServedDatasetIsTheEncodedDatasetMessageOrWhyNot) {
  const TimeSeries series = make_synthetic(300, 7);
  auto hash = store_->put_dataset(series);
  ASSERT_TRUE(hash.ok());
  auto worker = DatasetWorker::start((dir_ / "sweep.db").string(), {}, {});
  ASSERT_TRUE(worker.ok()) << worker.status().ToString();

  (*worker)->serve(*hash);
  auto done = next_work(**worker);
  ASSERT_TRUE(done && std::holds_alternative<Served>(*done));
  Served& served = std::get<Served>(*done);
  EXPECT_EQ(served.hash, *hash);
  ASSERT_TRUE(served.message.ok()) << served.message.status().ToString();
  auto decoded = protocol::decode_broker_message(served.message->to_string_view());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_TRUE(std::holds_alternative<protocol::Dataset>(*decoded));
  EXPECT_EQ(std::get<protocol::Dataset>(*decoded), (protocol::Dataset{*hash, to_csv(series)}));

  (*worker)->serve("0000");
  done = next_work(**worker);
  ASSERT_TRUE(done && std::holds_alternative<Served>(*done));
  EXPECT_EQ(std::get<Served>(*done).message.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace sweep::broker
