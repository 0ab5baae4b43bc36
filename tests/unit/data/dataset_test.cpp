#include "sweep/data/dataset.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "sweep/data/csv_loader.hpp"
#include "sweep/data/synthetic.hpp"

namespace sweep {
namespace {

const std::string kData = SWEEP_DATA_DIR;

void expect_identical(const TimeSeries& a, const TimeSeries& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.price_digits, b.price_digits);
  EXPECT_EQ(a.volume_digits, b.volume_digits);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const Int64Bar &x = a.bars[i], &y = b.bars[i];
    ASSERT_TRUE(x.ts == y.ts && x.open == y.open && x.high == y.high && x.low == y.low &&
                x.close == y.close && x.volume == y.volume)
        << a.name << " bar " << i;
  }
}

std::string error_of(std::string_view source) {
  auto r = load_dataset(source);
  EXPECT_FALSE(r.ok()) << source;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kBadRequest);
  return r.status().message();
}

TEST(DatasetSource, Synthetic) {
  auto r = load_dataset("synthetic:5000:7");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  expect_identical(*r, make_synthetic(5000, 7));
  auto spec = parse_synthetic_source("synthetic:5000000:18446744073709551615");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->bars, 5'000'000u);
  EXPECT_EQ(spec->seed, 18'446'744'073'709'551'615ull);
}

TEST(DatasetSource, BadSyntheticNamesThePart) {
  EXPECT_EQ(error_of("synthetic:abc:7"),
            "dataset 'synthetic:abc:7': BARS 'abc' is not a positive integer (expected "
            "synthetic:BARS:SEED)");
  EXPECT_EQ(error_of("synthetic:0:7"),
            "dataset 'synthetic:0:7': BARS '0' is not a positive integer (expected "
            "synthetic:BARS:SEED)");
  EXPECT_EQ(error_of("synthetic:-5:7"),
            "dataset 'synthetic:-5:7': BARS '-5' is not a positive integer (expected "
            "synthetic:BARS:SEED)");
  EXPECT_EQ(error_of("synthetic:5000001:7"),
            "dataset 'synthetic:5000001:7': BARS 5000001 is over the limit of 5000000 "
            "(expected synthetic:BARS:SEED)");
  EXPECT_EQ(error_of("synthetic:1000"),
            "dataset 'synthetic:1000': missing SEED (expected synthetic:BARS:SEED)");
  EXPECT_EQ(error_of("synthetic:1000:-1"),
            "dataset 'synthetic:1000:-1': SEED '-1' is not an unsigned 64-bit integer (expected "
            "synthetic:BARS:SEED)");
  EXPECT_EQ(error_of("synthetic:1000:18446744073709551616"),
            "dataset 'synthetic:1000:18446744073709551616': SEED '18446744073709551616' is not "
            "an unsigned 64-bit integer (expected synthetic:BARS:SEED)");
  EXPECT_EQ(error_of("synthetic:1000:7:9"),
            "dataset 'synthetic:1000:7:9': SEED '7:9' is not an unsigned 64-bit integer "
            "(expected synthetic:BARS:SEED)");
  EXPECT_EQ(error_of("synthetic: 10:7"),
            "dataset 'synthetic: 10:7': BARS ' 10' is not a positive integer (expected "
            "synthetic:BARS:SEED)");
  EXPECT_EQ(error_of(""), "dataset: empty source");
}

TEST(DatasetSource, CsvPath) {
  auto r = load_dataset(kData + "/GOOG.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 2148u);
  auto missing = load_dataset(kData + "/NOPE.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

// Reference values from an independent implementation (Python: decimal + struct + hashlib) of
// the canonical form documented in dataset.hpp.
TEST(DatasetHash, BundledFilesMatchTheDocumentedForm) {
  const std::pair<const char*, const char*> cases[] = {
      {"GOOG.csv", "b580958fcd77c7c9bb0ed0a5c6342a3999597a75854561b66562aabe3625b097"},
      {"EURUSD.csv", "07cbc777960911ba1654936b7b0885da428936a65ec328e9547d48b92d838483"},
      {"BTCUSD.csv", "2d0549189dfcf7f5843f3beb5bdb0912167790cdc44b9bc18b203729fd1edeb0"},
  };
  for (auto [file, hash] : cases) {
    auto r = load_csv(kData + "/" + file);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(dataset_hash(*r), hash) << file;
  }
}

TEST(DatasetHash, IgnoresTheNameAndSeesEveryField) {
  TimeSeries base = make_synthetic(1000, 3);
  const std::string h = dataset_hash(base);
  EXPECT_EQ(h.size(), 64u);
  EXPECT_TRUE(std::all_of(h.begin(), h.end(),
                          [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }));
  TimeSeries renamed = base;
  renamed.name = "other";
  EXPECT_EQ(dataset_hash(renamed), h);

  std::vector<TimeSeries> changed(8, base);
  changed[0].bars[999].ts += 1;
  changed[1].bars[0].open += 1;
  changed[2].bars[500].high += 1;
  changed[3].bars[1].low -= 1;
  changed[4].bars[2].close += 1;
  changed[5].bars[3].volume += 1;
  changed[6].price_digits = 3;
  changed[7].bars.pop_back();
  for (const TimeSeries& s : changed) EXPECT_NE(dataset_hash(s), h);
}

TEST(DatasetCsv, RoundTripsTheBundledFiles) {
  for (const char* file : {"GOOG.csv", "EURUSD.csv", "BTCUSD.csv"}) {
    auto original = load_csv(kData + "/" + file);
    ASSERT_TRUE(original.ok()) << original.status().ToString();
    auto again = parse_csv(to_csv(*original), file);
    ASSERT_TRUE(again.ok()) << file << ": " << again.status().ToString();
    expect_identical(*original, *again);
  }
}

TEST(DatasetCsv, RoundTripsSyntheticAndMilliseconds) {
  TimeSeries s = make_synthetic(10'000, 11);
  auto again = parse_csv(to_csv(s), s.name);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  expect_identical(s, *again);

  s.bars.resize(3);
  s.bars[1].ts += 7;  // a millisecond timestamp
  s.bars[2].volume = 0;
  again = parse_csv(to_csv(s), s.name);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  expect_identical(s, *again);
}

TEST(DatasetCsv, Layout) {
  TimeSeries s;
  s.name = "x";
  s.price_digits = 3;
  s.volume_digits = 1;
  s.bars = {{1'577'836'800'000, 1500, 2000, 1000, 1750, 25}};
  EXPECT_EQ(to_csv(s), "Date,Open,High,Low,Close,Volume\n2020-01-01,1.500,2.000,1.000,1.750,2.5\n");
  s.bars[0].ts += 61'000;
  EXPECT_EQ(
      to_csv(s),
      "Datetime,Open,High,Low,Close,Volume\n2020-01-01 00:01:01,1.500,2.000,1.000,1.750,2.5\n");
}

}  // namespace
}  // namespace sweep
