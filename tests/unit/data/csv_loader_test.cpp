#include "sweep/data/csv_loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace sweep {
namespace {

const std::string kData = SWEEP_DATA_DIR;
const std::string kTestData = SWEEP_TEST_DATA_DIR;
constexpr int64_t kDay = 86'400'000;
constexpr int64_t k2020 = 1'577'836'800'000;  // 2020-01-01T00:00:00Z

void expect_bar(const Int64Bar& b, int64_t ts, int64_t o, int64_t h, int64_t l, int64_t c,
                int64_t v) {
  EXPECT_EQ(b.ts, ts);
  EXPECT_EQ(b.open, o);
  EXPECT_EQ(b.high, h);
  EXPECT_EQ(b.low, l);
  EXPECT_EQ(b.close, c);
  EXPECT_EQ(b.volume, v);
}

// The message of parsing `text` as t.csv, which must fail with BadRequest.
std::string error_of(std::string_view text) {
  auto r = parse_csv(text, "t.csv");
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kBadRequest);
  return r.status().message();
}

constexpr std::string_view kHeader = "Date,Open,High,Low,Close,Volume\n";

std::string with_header(std::string_view rows) {
  return std::string(kHeader) + std::string(rows);
}

TEST(CsvBundled, Goog) {
  auto r = load_csv(kData + "/GOOG.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "GOOG.csv");
  ASSERT_EQ(r->size(), 2148u);
  EXPECT_EQ(r->price_digits, 2);
  EXPECT_EQ(r->volume_digits, 0);
  expect_bar(r->bars.front(), 1'092'873'600'000, 10000, 10406, 9596, 10034, 22351900);
  expect_bar(r->bars.back(), 1'362'096'000'000, 79780, 80714, 79615, 80619, 2175400);
}

TEST(CsvBundled, Eurusd) {
  auto r = load_csv(kData + "/EURUSD.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 5000u);
  EXPECT_EQ(r->price_digits, 5);
  EXPECT_EQ(r->volume_digits, 0);
  expect_bar(r->bars.front(), 1'492'592'400'000, 107160, 107220, 107083, 107219, 1413);
  expect_bar(r->bars.back(), 1'518'015'600'000, 123427, 123444, 122904, 122904, 6143);
}

TEST(CsvBundled, Btcusd) {
  auto r = load_csv(kData + "/BTCUSD.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 156u);
  EXPECT_EQ(r->price_digits, 2);
  // Two volumes are printed doubles with 11 decimals ("288372.04635443003"); see parse_decimal.
  EXPECT_EQ(r->volume_digits, 8);
  expect_bar(r->bars.front(), 1'327'968'000'000, 458, 738, 380, 555, 201225343589);
  expect_bar(r->bars.back(), 1'735'603'200'000, 9651500, 10836400, 9209200, 9338100, 2534280228337);
}

TEST(CsvBundled, EveryBarIsValid) {
  for (const char* file : {"GOOG.csv", "EURUSD.csv", "BTCUSD.csv"}) {
    auto r = load_csv(kData + "/" + file);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (size_t i = 0; i < r->size(); ++i) {
      const Int64Bar& b = r->bars[i];
      ASSERT_TRUE(b.low > 0 && b.low <= b.high && b.volume >= 0) << file << " bar " << i;
      if (i > 0) {
        ASSERT_LT(r->bars[i - 1].ts, b.ts) << file << " bar " << i;
      }
    }
  }
}

TEST(CsvFormat, DigitsAreTheMostOfAnyValueAndEveryValueIsRescaled) {
  auto r = parse_csv(with_header("2020-01-01,100,104.06,95.5,1e2,5\n"
                                 "2020-01-02,5.0,5.125,4.0,5,0.25\n"),
                     "t.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->price_digits, 3);
  EXPECT_EQ(r->volume_digits, 2);
  expect_bar(r->bars[0], k2020, 100000, 104060, 95500, 100000, 500);
  expect_bar(r->bars[1], k2020 + kDay, 5000, 5125, 4000, 5000, 25);
}

TEST(CsvFormat, ColumnsByNameInAnyCaseAndOrderExtrasIgnoredVolumeOptional) {
  auto r = parse_csv(
      "close,Adj Close,HIGH,timestamp,low,Open\n"
      "1.5,9,2,1577836800,1,1.25\n",
      "t.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  expect_bar(r->bars[0], k2020, 125, 200, 100, 150, 0);
}

TEST(CsvFormat, UnnamedFirstColumnIsTheTime) {
  auto r = parse_csv(",Open,High,Low,Close,Volume\n2020-01-01,1,2,1,1.5,3\n", "t.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->bars[0].ts, k2020);
}

TEST(CsvFormat, SpacesAndQuotesAroundFields) {
  auto r = parse_csv(
      "\"Date\", \"Open\",High,Low,Close\n"
      "\"2020-01-01\", \"1.5\" ,2 , 1,\t1.75\n",
      "t.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  expect_bar(r->bars[0], k2020, 150, 200, 100, 175, 0);
}

TEST(CsvFormat, TimeForms) {
  const std::pair<const char*, int64_t> cases[] = {
      {"2020-01-01", k2020},
      {"2020-01-01 00:01", k2020 + 60'000},
      {"2020-01-01 00:00:02", k2020 + 2'000},
      {"2020-01-01T00:00:02.5", k2020 + 2'500},
      {"2020-01-01T00:00:02.123Z", k2020 + 2'123},
      {"2020-01-01 01:00:00+00:00", k2020 + 3'600'000},
      {"2020-01-01T01:00:00+01:00", k2020},
      {"1577836800", k2020},
      {"1577836800000", k2020},
  };
  for (auto [text, ts] : cases) {
    auto r = parse_csv(with_header(std::string(text) + ",1,1,1,1,1\n"), "t.csv");
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    EXPECT_EQ(r->bars[0].ts, ts) << text;
  }
}

TEST(CsvFormat, CrlfBomAndMissingFinalNewlineParseTheSame) {
  const std::string lf = with_header("2020-01-01,1,2,1,1.5,3\n2020-01-02,1,2,1,1.5,3\n");
  std::string crlf;
  for (char c : lf) c == '\n' ? crlf += "\r\n" : crlf += c;
  const std::string variants[] = {lf,
                                  crlf,
                                  "\xEF\xBB\xBF" + crlf,
                                  lf.substr(0, lf.size() - 1),
                                  crlf.substr(0, crlf.size() - 2),
                                  lf + "\n\n"};
  auto reference = parse_csv(lf, "t.csv");
  ASSERT_TRUE(reference.ok());
  for (const std::string& text : variants) {
    auto r = parse_csv(text, "t.csv");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ(r->bars[1].ts, reference->bars[1].ts);
    EXPECT_EQ(r->bars[1].close, reference->bars[1].close);
    EXPECT_EQ(r->bars[1].volume, reference->bars[1].volume);
  }
}

TEST(CsvFile, BomAndCrlfFile) {
  auto r = load_csv(kTestData + "/bom_crlf.csv");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(r->price_digits, 2);
  expect_bar(r->bars[1], k2020 + kDay, 175, 225, 150, 200, 20);
}

TEST(CsvFile, ErrorsNameTheFileNotThePath) {
  auto r = load_csv(kTestData + "/bad_number.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "bad_number.csv:3: column High: 'abc' is not a number");
}

TEST(CsvFile, MissingFileIsNotFound) {
  auto r = load_csv(kTestData + "/no_such_file.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
  EXPECT_EQ(r.status().message(), kTestData + "/no_such_file.csv: no such file");
}

TEST(CsvErrors, EmptyFileAndHeaderOnly) {
  EXPECT_EQ(error_of(""), "t.csv: empty file, expected a header row");
  EXPECT_EQ(error_of("\r\n\n"), "t.csv: empty file, expected a header row");
  EXPECT_EQ(error_of("\xEF\xBB\xBF"), "t.csv: empty file, expected a header row");
  EXPECT_EQ(error_of(kHeader), "t.csv: no data rows, only a header");
}

TEST(CsvErrors, MissingDuplicateAndTimeColumns) {
  EXPECT_EQ(error_of("Date,Open,High,Low\n2020-01-01,1,1,1\n"), "t.csv:1: missing column Close");
  EXPECT_EQ(error_of("Date,Open,High,Low,close,Close\n"),
            "t.csv:1: columns 5 and 6 are both named Close");
  EXPECT_EQ(error_of("Open,High,Low,Close\n1,1,1,1\n"),
            "t.csv:1: no time column: name it Date, Datetime, Time or Timestamp, or put it first");
}

TEST(CsvErrors, NotANumber) {
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,1,1.5,3\n2020-01-02,1,abc,1,1.5,3\n")),
            "t.csv:3: column High: 'abc' is not a number");
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,1,1.5,1.2.3\n")),
            "t.csv:2: column Volume: '1.2.3' is not a number");
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,1,nan,3\n")),
            "t.csv:2: column Close: 'nan' is not a number");
}

TEST(CsvErrors, UnrepresentableNumbers) {
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,0.0000000000000001,1.5,3\n")),
            "t.csv:2: column Low: '0.0000000000000001' has more than 15 decimals");
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,1,1e30,3\n")),
            "t.csv:2: column Close: '1e30' does not fit in 64 bits");
  // Each value fits alone; at the file's 15 decimals, 10000 does not.
  EXPECT_EQ(error_of(with_header("2020-01-01,10000,10000,10000,10000,0\n"
                                 "2020-01-02,1e-15,1e-15,1e-15,1e-15,0\n")),
            "t.csv:2: column Open: '10000' does not fit in 64 bits at 15 decimals (the most of "
            "any price in the file)");
}

TEST(CsvErrors, EmptyField) {
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,,1.5,3\n")), "t.csv:2: column Low: empty field");
  EXPECT_EQ(error_of(with_header(",1,2,1,1.5,3\n")), "t.csv:2: column Date: empty field");
}

TEST(CsvErrors, WrongFieldCount) {
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,1,1.5,3\n2020-01-02,1,2,1,1.5\n")),
            "t.csv:3: 5 fields, expected 6 (column Volume is missing)");
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,1,1.5,3,7\n")), "t.csv:2: 7 fields, expected 6");
}

TEST(CsvErrors, UnparsableTime) {
  const char* bad[] = {"2020-13-01", "2019-02-29", "2020-01-01 24:00",     "2020-01-01T10:61",
                       "2020/01/01", "yesterday",  "2020-01-01 10:00:00+5"};
  for (const char* text : bad) {
    EXPECT_EQ(error_of(with_header(std::string(text) + ",1,2,1,1.5,3\n")),
              "t.csv:2: column Date: '" + std::string(text) +
                  "' is not a time (expected YYYY-MM-DD[ HH:MM[:SS[.fff]]] or epoch seconds or "
                  "milliseconds)");
  }
  EXPECT_EQ(error_of(",Open,High,Low,Close\nnoon,1,2,1,1.5\n").substr(0, 25),
            "t.csv:2: column 1: 'noon'");
}

TEST(CsvErrors, TimeMustIncrease) {
  EXPECT_EQ(error_of(with_header("2020-01-02,1,2,1,1.5,3\n2020-01-01,1,2,1,1.5,3\n")),
            "t.csv:3: column Date: time '2020-01-01' is not after '2020-01-02' on line 2");
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,1,1.5,3\n\n2020-01-01,1,2,1,1.5,3\n")),
            "t.csv:4: column Date: time '2020-01-01' is not after '2020-01-01' on line 2");
}

TEST(CsvErrors, HighBelowLow) {
  EXPECT_EQ(error_of(with_header("2020-01-01,1,0.95,1,1,3\n")),
            "t.csv:2: column High: high '0.95' is below low '1'");
}

TEST(CsvErrors, NonPositivePriceAndNegativeVolume) {
  EXPECT_EQ(error_of(with_header("2020-01-01,0,2,1,1.5,3\n")),
            "t.csv:2: column Open: price '0' is not positive");
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,1,-1.5,3\n")),
            "t.csv:2: column Close: price '-1.5' is not positive");
  EXPECT_EQ(error_of(with_header("2020-01-01,1,2,1,1.5,-3\n")),
            "t.csv:2: column Volume: volume '-3' is negative");
}

// Whatever the bytes, the parser answers with a valid series or a BadRequest naming the file.
TEST(CsvFuzz, MutatedInputNeverBreaksTheParser) {
  const std::string original = with_header(
      "2020-01-01 00:00:00,1.5,2,1,1.75,10\n2020-01-01 00:01:00,1.75,2.25,1.5,2,20\n"
      "2020-01-01 00:02:00,2,2.5,1.5,2.25,5.5\n2020-01-01 00:03:00,2.25,2.25,2,2,0\n");
  const std::string_view alphabet = ",.-+:0123456789eE \t\r\n\"aZ\xEF\xBB\xBF";
  uint64_t state = 12345;
  auto next = [&state] {  // a small LCG: the test must be the same everywhere
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  size_t parsed_ok = 0;
  for (int round = 0; round < 20'000; ++round) {
    std::string text = original;
    for (uint64_t edits = 1 + next() % 4; edits > 0; --edits) {
      size_t at = next() % text.size();
      switch (next() % 3) {
        case 0:
          text[at] = alphabet[next() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1);
          break;
        default:
          text.insert(at, 1, alphabet[next() % alphabet.size()]);
          break;
      }
    }
    auto r = parse_csv(text, "t.csv");
    if (!r.ok()) {
      ASSERT_EQ(r.status().code(), Code::kBadRequest) << text;
      ASSERT_EQ(r.status().message().rfind("t.csv", 0), 0u) << text;
      continue;
    }
    ++parsed_ok;
    ASSERT_FALSE(r->empty());
    for (size_t i = 0; i < r->size(); ++i) {
      const Int64Bar& b = r->bars[i];
      ASSERT_TRUE(b.open > 0 && b.close > 0 && b.low > 0 && b.low <= b.high && b.volume >= 0)
          << text;
      if (i > 0) {
        ASSERT_LT(r->bars[i - 1].ts, b.ts) << text;
      }
    }
  }
  EXPECT_GT(parsed_ok, 100u);  // the mutations also exercise the success paths
}

}  // namespace
}  // namespace sweep

namespace sweep {
namespace {

// The bar limit names the first row beyond it; a file at the limit loads.
TEST(CsvLimits, RowsBeyondTheBarLimitNameTheLine) {
  const std::string text =
      "Date,Open,High,Low,Close\n"
      "2020-01-01,1,2,1,1.5\n"
      "2020-01-02,1,2,1,1.5\n"
      "2020-01-03,1,2,1,1.5\n";
  auto at = parse_csv(text, "three.csv", 3);
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->bars.size(), 3u);
  auto over = parse_csv(text, "three.csv", 2);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), Code::kTooLarge);
  EXPECT_EQ(over.status().message(), "three.csv:4: more than 2 bars, the limit of one dataset");
}

}  // namespace
}  // namespace sweep
