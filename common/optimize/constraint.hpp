// Constraint expressions that filter an optimization grid (DESIGN §6): `fast < slow`,
// `slow - fast >= 10 and mode == "long_only"`.
//
// Grammar (lowest precedence first; binary operators associate to the left):
//   expr  := or
//   or    := and { ("or" | "||") and }
//   and   := not { ("and" | "&&") not }
//   not   := ("not" | "!") not | cmp          -- as in Python: `not a < b` is `not (a < b)`
//   cmp   := sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum ]   -- `a < b < c` is an error
//   sum   := term { ("+" | "-") term }
//   term  := unary { ("*" | "/") unary }
//   unary := "-" unary | atom
//   atom  := number | name | string | "(" expr ")"
// Numbers are decimal literals (10, 2.5, .5, 1e-3); strings are quoted with " or ' (no escapes);
// names are [A-Za-z_][A-Za-z0-9_]* and must be known parameters; and/or/not are reserved.
// Types are checked at parse time: arithmetic and < <= > >= need numbers, == and != compare two
// numbers, two strings or two conditions, and/or/not need conditions, and the whole expression
// must be a condition. A name may hold a number or a string (a choice parameter).
//
// Evaluation: arithmetic is in double (integers are exact up to 2^53; 7 / 2 is 3.5); and/or
// short-circuit left to right. An operation that has no value — division by zero, arithmetic or
// ordering on a string value, a result that overflows to infinity, a name absent from the
// ParamSet — makes the whole constraint false: such a point is not admissible. == between a string
// and a number value is false (!= true).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/base/status.hpp"
#include "sweep/engine/params.hpp"

namespace sweep {

namespace detail {
// One node of a compiled constraint; children are indices into the node array.
struct ConstraintNode {
  enum class Op : uint8_t {
    kNumber,
    kString,
    kName,
    kNeg,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kLt,
    kLe,
    kGt,
    kGe,
    kEq,
    kNe,
    kAnd,
    kOr,
    kNot
  };
  Op op = Op::kNumber;
  int32_t lhs = -1;
  int32_t rhs = -1;
  uint32_t slot = 0;  // kName: index into the known names
  double number = 0;  // kNumber
  std::string text;   // kString
  bool operator==(const ConstraintNode&) const = default;
};
}  // namespace detail

class Constraint {
 public:
  // Errors (Code::kBadRequest, kTooLarge for the limits in limits.hpp), 1-based byte columns:
  //   "constraint: unknown parameter 'fsat' at column 1"
  //   "constraint: expected ')' at column 12"
  //   "constraint: nested deeper than 64 at column 130"
  //   "constraint: longer than 4096 characters"
  static Result<Constraint> parse(std::string_view text,
                                  const std::vector<std::string>& known_names);

  // Whether the point is admissible; names are looked up in `params`.
  bool eval(const ParamSet& params) const;
  // The same, with values[i] the value of known_names[i] given to parse() (no name lookups).
  bool eval(std::span<const ParamValue> values) const;

  const std::string& text() const { return text_; }
  bool operator==(const Constraint& o) const { return text_ == o.text_ && names_ == o.names_; }

 private:
  Constraint() = default;

  std::string text_;
  std::vector<std::string> names_;             // the known names, slot order
  std::vector<detail::ConstraintNode> nodes_;  // the root is the last node
};

}  // namespace sweep
