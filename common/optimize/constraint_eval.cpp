// Evaluation of compiled constraints; the semantics are in constraint.hpp.
#include <cmath>

#include "sweep/optimize/constraint.hpp"

namespace sweep {
namespace {

using Node = detail::ConstraintNode;
using Op = Node::Op;

// A value during evaluation. kUndefined poisons every operation it reaches, so that the whole
// constraint turns false (division by zero, arithmetic on a string, overflow).
struct Value {
  enum Kind : uint8_t { kUndefined, kNumber, kString, kBool } kind = kUndefined;
  double number = 0;
  const std::string* text = nullptr;
  bool truth = false;
};

Value number(double d) {
  if (!std::isfinite(d)) return {};
  return Value{Value::kNumber, d};
}
Value truth(bool b) {
  return Value{Value::kBool, 0, nullptr, b};
}

Value from_param(const ParamValue* v) {
  if (!v) return {};
  if (auto* s = std::get_if<std::string>(v)) return Value{Value::kString, 0, s};
  return number(*as_number(*v));
}

bool equal(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::kNumber:
      return a.number == b.number;
    case Value::kString:
      return *a.text == *b.text;
    case Value::kBool:
      return a.truth == b.truth;
    case Value::kUndefined:
      return false;
  }
  return false;
}

template <class Lookup>
class Evaluator {
 public:
  Evaluator(const std::vector<Node>& nodes, const Lookup& lookup)
      : nodes_(nodes), lookup_(lookup) {}

  Value eval(int32_t i) const {
    const Node& n = nodes_[i];
    switch (n.op) {
      case Op::kNumber:
        return number(n.number);
      case Op::kString:
        return Value{Value::kString, 0, &n.text};
      case Op::kName:
        return from_param(lookup_(n.slot));
      case Op::kNeg: {
        Value v = eval(n.lhs);
        return v.kind == Value::kNumber ? number(-v.number) : Value{};
      }
      case Op::kNot: {
        Value v = eval(n.lhs);
        return v.kind == Value::kBool ? truth(!v.truth) : Value{};
      }
      case Op::kAnd:
      case Op::kOr: {
        Value l = eval(n.lhs);
        if (l.kind != Value::kBool) return {};
        if (l.truth == (n.op == Op::kOr)) return l;  // short circuit
        Value r = eval(n.rhs);
        return r.kind == Value::kBool ? r : Value{};
      }
      default:
        return binary(n);
    }
  }

 private:
  Value binary(const Node& n) const {
    Value l = eval(n.lhs);
    if (l.kind == Value::kUndefined) return {};
    Value r = eval(n.rhs);
    if (r.kind == Value::kUndefined) return {};
    if (n.op == Op::kEq) return truth(equal(l, r));
    if (n.op == Op::kNe) return truth(!equal(l, r));
    if (l.kind != Value::kNumber || r.kind != Value::kNumber) return {};
    const double a = l.number, b = r.number;
    switch (n.op) {
      case Op::kAdd:
        return number(a + b);
      case Op::kSub:
        return number(a - b);
      case Op::kMul:
        return number(a * b);
      case Op::kDiv:
        return b == 0 ? Value{} : number(a / b);
      case Op::kLt:
        return truth(a < b);
      case Op::kLe:
        return truth(a <= b);
      case Op::kGt:
        return truth(a > b);
      case Op::kGe:
        return truth(a >= b);
      default:
        return {};
    }
  }

  const std::vector<Node>& nodes_;
  const Lookup& lookup_;
};

template <class Lookup>
bool run(const std::vector<Node>& nodes, const Lookup& lookup) {
  if (nodes.empty()) return true;
  Value v = Evaluator<Lookup>(nodes, lookup).eval(static_cast<int32_t>(nodes.size() - 1));
  return v.kind == Value::kBool && v.truth;
}

}  // namespace

bool Constraint::eval(const ParamSet& params) const {
  auto lookup = [&](uint32_t slot) { return params.find(names_[slot]); };
  return run(nodes_, lookup);
}

bool Constraint::eval(std::span<const ParamValue> values) const {
  auto lookup = [&](uint32_t slot) -> const ParamValue* {
    return slot < values.size() ? &values[slot] : nullptr;
  };
  return run(nodes_, lookup);
}

}  // namespace sweep
