#include "sweep/optimize/constraint.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "sweep/base/limits.hpp"

namespace sweep {
namespace {

const std::vector<std::string> kNames = {"fast", "slow", "mode", "stop"};

ParamSet point(int64_t fast, int64_t slow, std::string mode = "long_only", double stop = 0.5) {
  ParamSet p;
  p.set("fast", fast);
  p.set("slow", slow);
  p.set("mode", std::move(mode));
  p.set("stop", stop);
  return p;
}

bool holds(std::string_view expr, const ParamSet& p) {
  Result<Constraint> c = Constraint::parse(expr, kNames);
  EXPECT_TRUE(c.ok()) << expr << ": " << c.status().message();
  return c.ok() && c->eval(p);
}

std::string error(std::string_view expr) {
  Result<Constraint> c = Constraint::parse(expr, kNames);
  return c.ok() ? "(parsed)" : c.status().message();
}

TEST(ConstraintEval, Comparisons) {
  EXPECT_TRUE(holds("fast < slow", point(10, 30)));
  EXPECT_FALSE(holds("fast < slow", point(30, 30)));
  EXPECT_TRUE(holds("fast <= slow", point(30, 30)));
  EXPECT_TRUE(holds("fast == 30 && slow != 31", point(30, 30)));
  EXPECT_TRUE(holds("slow >= fast * 2", point(10, 20)));
  EXPECT_TRUE(holds("stop > 0.25 and stop < .75", point(1, 2)));
  EXPECT_TRUE(holds("1e1 == 10", point(1, 2)));
}

TEST(ConstraintEval, Precedence) {
  // * before +, + before comparison, comparison before not, not before and, and before or.
  EXPECT_TRUE(holds("fast + slow * 2 == 70", point(10, 30)));
  EXPECT_TRUE(holds("(fast + slow) * 2 == 80", point(10, 30)));
  EXPECT_TRUE(holds("slow - fast - 5 == 15", point(10, 30)));  // left-associative
  EXPECT_TRUE(holds("slow / fast / 3 == 1", point(10, 30)));
  EXPECT_TRUE(holds("-fast + 20 == 10", point(10, 30)));
  EXPECT_TRUE(holds("- -fast == 10", point(10, 30)));
  EXPECT_TRUE(holds("not fast > slow", point(10, 30)));
  EXPECT_TRUE(holds("!(fast > slow)", point(10, 30)));
  EXPECT_TRUE(holds("fast > slow or fast < slow and slow == 30", point(10, 30)));
  EXPECT_FALSE(holds("(fast > slow or fast < slow) and slow == 31", point(10, 30)));
  EXPECT_FALSE(holds("fast < slow and not slow == 30 or fast == 0", point(10, 30)));
  EXPECT_TRUE(holds("not not (fast < slow)", point(10, 30)));
  EXPECT_TRUE(holds("7 / 2 == 3.5", point(10, 30)));
}

TEST(ConstraintEval, Strings) {
  EXPECT_TRUE(holds("mode == \"long_only\"", point(1, 2)));
  EXPECT_TRUE(holds("mode == 'long_only'", point(1, 2)));
  EXPECT_FALSE(holds("mode != 'long_only'", point(1, 2)));
  EXPECT_TRUE(holds("mode == 'long_short' or fast < slow", point(1, 2, "long_short")));
  EXPECT_FALSE(holds("mode == 'long_only' and fast < slow", point(1, 2, "long_short")));
  // A string value where a number is compared: unequal, never an error.
  EXPECT_FALSE(holds("mode == 3", point(1, 2)));
  EXPECT_TRUE(holds("mode != 3", point(1, 2)));
}

TEST(ConstraintEval, UndefinedMakesTheWholeConstraintFalse) {
  EXPECT_FALSE(holds("fast / (slow - 30) > 0", point(10, 30)));
  EXPECT_FALSE(holds("not (fast / 0 > 0)", point(10, 30)));  // not of undefined is undefined
  EXPECT_FALSE(holds("fast / 0 > 0 or fast < slow", point(10, 30)));
  EXPECT_TRUE(holds("fast < slow or fast / 0 > 0", point(10, 30)));  // short-circuit
  EXPECT_FALSE(holds("mode + 1 > 0", point(10, 30)));                // arithmetic on a choice value
  EXPECT_FALSE(holds("fast * 1e308 * 1e308 > 0", point(10, 30)));    // overflow
  ParamSet missing;
  missing.set("fast", int64_t{1});
  EXPECT_FALSE(holds("fast < slow", missing));
}

TEST(ConstraintEval, SlotsMatchNames) {
  Constraint c = Constraint::parse("fast < slow and mode == 'a'", kNames).value();
  std::vector<ParamValue> v = {int64_t{1}, int64_t{2}, std::string("a"), 0.5};
  EXPECT_TRUE(c.eval(v));
  v[2] = std::string("b");
  EXPECT_FALSE(c.eval(v));
  EXPECT_FALSE(c.eval(std::span<const ParamValue>(v.data(), 1)));  // slow absent: false
}

TEST(ConstraintErrors, Messages) {
  EXPECT_EQ(error("fsat < slow"), "constraint: unknown parameter 'fsat' at column 1");
  EXPECT_EQ(error("(fast < slow and slow < 99"), "constraint: expected ')' at column 27");
  EXPECT_EQ(error("(fast + slow 3) > 1"), "constraint: expected ')' at column 14");
  EXPECT_EQ(error("fast <"), "constraint: unexpected end of expression at column 7");
  EXPECT_EQ(error("fast < slow slow"), "constraint: unexpected 'slow' at column 13");
  EXPECT_EQ(error("fast < )"), "constraint: unexpected ')' at column 8");
  EXPECT_EQ(error("fast = slow"), "constraint: '=' is not an operator (use '==') at column 6");
  EXPECT_EQ(error("fast & slow"), "constraint: unexpected character '&' at column 6");
  EXPECT_EQ(error("fast # slow"), "constraint: unexpected character '#' at column 6");
  EXPECT_EQ(error("fast < \x01"), "constraint: unexpected character '\\x01' at column 8");
  EXPECT_EQ(error("mode == 'long"), "constraint: unterminated string at column 9");
  EXPECT_EQ(error("fast < 1e"), "constraint: bad number '1e' at column 8");
  EXPECT_EQ(error("fast < 1e999"), "constraint: number out of range '1e999' at column 8");
  EXPECT_EQ(error("fast < 1.2.3"), "constraint: unexpected '.3' at column 11");
  EXPECT_EQ(error("fast < slow < 3"), "constraint: chained comparison (use 'and') at column 13");
  EXPECT_EQ(error(""), "constraint: empty expression");
  EXPECT_EQ(error("   "), "constraint: empty expression");
  EXPECT_EQ(error("()"), "constraint: unexpected ')' at column 2");
}

TEST(ConstraintErrors, Types) {
  EXPECT_EQ(error("fast"), "constraint: expected a condition at column 1");
  EXPECT_EQ(error("fast + slow"), "constraint: expected a condition at column 1");
  EXPECT_EQ(error("fast and slow < 3"), "constraint: expected a condition at column 1");
  EXPECT_EQ(error("fast < 3 or slow"), "constraint: expected a condition at column 13");
  EXPECT_EQ(error("not fast"), "constraint: expected a condition at column 5");
  EXPECT_EQ(error("'a' + 1 > 0"), "constraint: expected a number at column 1");
  EXPECT_EQ(error("-(fast < 3) > 0"), "constraint: expected a number at column 2");
  EXPECT_EQ(error("mode < 'b'"), "constraint: '<' needs numbers at column 8");
  EXPECT_EQ(error("1 == 'a'"), "constraint: cannot compare a number with a string at column 6");
  EXPECT_EQ(error("(fast < 1) == 3"),
            "constraint: cannot compare a condition with a number at column 15");
  EXPECT_EQ(error("'a' == 'a'"), "(parsed)");
  EXPECT_EQ(error("(fast < 1) == (slow < 2)"), "(parsed)");
}

TEST(ConstraintErrors, Limits) {
  std::string deep(kMaxConstraintDepth, '(');
  deep += "fast < slow" + std::string(kMaxConstraintDepth, ')');
  EXPECT_EQ(error(deep), "(parsed)");
  std::string deeper = "(" + deep + ")";
  EXPECT_EQ(error(deeper), "constraint: nested deeper than 64 at column 65");
  std::string minus(200, '-');
  EXPECT_EQ(error(minus + "fast < 0"), "constraint: nested deeper than 64 at column 65");
  std::string nots;
  for (int i = 0; i < 100; ++i) nots += "not ";
  EXPECT_EQ(error(nots + "fast < 0"), "constraint: nested deeper than 64 at column 257");

  std::string long_chain = "fast";
  while (long_chain.size() + 11 < kMaxConstraintLength) long_chain += " + fast";
  EXPECT_EQ(error(long_chain + " > 0"), "(parsed)");  // long left-deep chains are fine
  EXPECT_EQ(error(std::string(kMaxConstraintLength + 1, ' ')),
            "constraint: longer than 4096 characters");
}

// Random bytes and random token soups never crash the parser, and every error has the format.
TEST(ConstraintErrors, FuzzedInputAreErrorsNotCrashes) {
  std::mt19937_64 rng(42);
  const std::vector<std::string> pieces = {
      "fast", "slow", "mode", "(", ")", "<", "<=",  "==",  "!=", "and", "or", "not",
      "!",    "-",    "+",    "*", "/", "1", "2.5", "'a'", "\"", "&&",  "||", " "};
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const size_t n = rng() % 40;
    for (size_t i = 0; i < n; ++i) {
      if (round % 2) {
        text += static_cast<char>(rng() % 256);
      } else {
        text += pieces[rng() % pieces.size()];
      }
    }
    Result<Constraint> c = Constraint::parse(text, kNames);
    if (c.ok()) {
      (void)c->eval(point(1, 2));
    } else {
      EXPECT_EQ(c.status().message().rfind("constraint: ", 0), 0u) << text;
    }
  }
}

}  // namespace
}  // namespace sweep
