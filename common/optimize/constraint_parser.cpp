// Lexer and recursive-descent parser for constraint expressions; the grammar is in constraint.hpp.
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

#include "sweep/base/limits.hpp"
#include "sweep/optimize/constraint.hpp"

namespace sweep {
namespace {

using Op = detail::ConstraintNode::Op;

enum class Tok { kEnd, kNumber, kString, kName, kOp, kLParen, kRParen };

struct Token {
  Tok kind = Tok::kEnd;
  std::string_view text;  // operators: the canonical spelling ("and" for "&&")
  size_t column = 0;      // 1-based
  double number = 0;
};

Status error_at(const std::string& reason, size_t column) {
  return Status::BadRequest("constraint: " + reason + " at column " + std::to_string(column));
}

// A character as it may be shown in a message: itself when printable, \xNN otherwise.
std::string show_char(char c) {
  if (std::isprint(static_cast<unsigned char>(c))) return std::string(1, c);
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(c));
  return buf;
}

// 'text', built by appending: GCC 12 misreports "'" + std::string(...) under -Wrestrict.
std::string in_quotes(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<std::vector<Token>> run() {
    std::vector<Token> out;
    for (;;) {
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (i_ == s_.size()) break;
      Result<Token> t = next();
      if (!t.ok()) return t.status();
      out.push_back(*t);
    }
    out.push_back(Token{Tok::kEnd, "", s_.size() + 1});
    return out;
  }

 private:
  Result<Token> next() {
    const size_t start = i_;
    const size_t col = start + 1;
    const char c = s_[i_];
    if (is_digit(c) || (c == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1]))) return number();
    if (is_name_start(c)) {
      while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
      std::string_view word = s_.substr(start, i_ - start);
      if (word == "and" || word == "or" || word == "not") return Token{Tok::kOp, word, col};
      return Token{Tok::kName, word, col};
    }
    if (c == '"' || c == '\'') {
      size_t end = s_.find(c, i_ + 1);
      if (end == std::string_view::npos) return error_at("unterminated string", col);
      i_ = end + 1;
      return Token{Tok::kString, s_.substr(start + 1, end - start - 1), col};
    }
    ++i_;
    if (c == '(') return Token{Tok::kLParen, "(", col};
    if (c == ')') return Token{Tok::kRParen, ")", col};
    if (c == '+' || c == '-' || c == '*' || c == '/')
      return Token{Tok::kOp, s_.substr(start, 1), col};
    const bool eq_next = i_ < s_.size() && s_[i_] == '=';
    if (c == '<' || c == '>') {
      if (eq_next) ++i_;
      return Token{Tok::kOp, s_.substr(start, i_ - start), col};
    }
    if (c == '=' || c == '!') {
      if (eq_next) {
        ++i_;
        return Token{Tok::kOp, s_.substr(start, 2), col};
      }
      if (c == '!') return Token{Tok::kOp, "not", col};
      return error_at("'=' is not an operator (use '==')", col);
    }
    if ((c == '&' || c == '|') && i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return Token{Tok::kOp, c == '&' ? "and" : "or", col};
    }
    return error_at("unexpected character " + in_quotes(show_char(c)), col);
  }

  Result<Token> number() {
    const size_t start = i_;
    while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    if (i_ < s_.size() && s_[i_] == '.') ++i_;
    while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (i_ == s_.size() || !is_digit(s_[i_]))
        return error_at("bad number " + in_quotes(s_.substr(start, i_ - start)), start + 1);
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
    }
    std::string_view text = s_.substr(start, i_ - start);
    double v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec == std::errc::result_out_of_range || !std::isfinite(v))
      return error_at("number out of range " + in_quotes(text), start + 1);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size())
      return error_at("bad number " + in_quotes(text), start + 1);
    return Token{Tok::kNumber, text, start + 1, v};
  }

  std::string_view s_;
  size_t i_ = 0;
};

// Static type of a subexpression; a name may turn out a number or a string at evaluation.
enum class Type { kNumber, kString, kBool, kName };

struct Parsed {
  int32_t node;
  Type type;
  size_t column;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::vector<std::string>& names)
      : toks_(std::move(tokens)), names_(names) {}

  Result<std::vector<detail::ConstraintNode>> run() {
    Result<Parsed> root = parse_or();
    if (!root.ok()) return root.status();
    if (peek().kind != Tok::kEnd) return unexpected(peek());
    if (root->type != Type::kBool) return error_at("expected a condition", root->column);
    return std::move(nodes_);
  }

 private:
  const Token& peek() const { return toks_[pos_]; }
  bool at_op(std::string_view op) const { return peek().kind == Tok::kOp && peek().text == op; }

  static Status unexpected(const Token& t) {
    if (t.kind == Tok::kEnd) return error_at("unexpected end of expression", t.column);
    if (t.kind == Tok::kString) return error_at("unexpected string", t.column);
    return error_at("unexpected " + in_quotes(t.text), t.column);
  }

  Status enter(size_t column) {
    if (++depth_ > kMaxConstraintDepth)
      return Status::TooLarge("constraint: nested deeper than " +
                              std::to_string(kMaxConstraintDepth) + " at column " +
                              std::to_string(column));
    return Status::Ok();
  }

  Parsed add(detail::ConstraintNode n, Type type, size_t column) {
    nodes_.push_back(std::move(n));
    return Parsed{static_cast<int32_t>(nodes_.size() - 1), type, column};
  }

  Parsed binary(Op op, const Parsed& l, const Parsed& r, Type type) {
    detail::ConstraintNode n;
    n.op = op;
    n.lhs = l.node;
    n.rhs = r.node;
    return add(std::move(n), type, l.column);
  }

  static Status need_number(const Parsed& p) {
    if (p.type == Type::kNumber || p.type == Type::kName) return Status::Ok();
    return error_at("expected a number", p.column);
  }
  static Status need_condition(const Parsed& p) {
    if (p.type == Type::kBool) return Status::Ok();
    return error_at("expected a condition", p.column);
  }

  // or / and: chains of conditions.
  Result<Parsed> parse_or() { return parse_logic("or", Op::kOr, &Parser::parse_and); }
  Result<Parsed> parse_and() { return parse_logic("and", Op::kAnd, &Parser::parse_not); }

  Result<Parsed> parse_logic(std::string_view word, Op op, Result<Parsed> (Parser::*sub)()) {
    Result<Parsed> l = (this->*sub)();
    if (!l.ok()) return l;
    while (at_op(word)) {
      ++pos_;
      Result<Parsed> r = (this->*sub)();
      if (!r.ok()) return r;
      if (Status s = need_condition(*l); !s.ok()) return s;
      if (Status s = need_condition(*r); !s.ok()) return s;
      l = binary(op, *l, *r, Type::kBool);
    }
    return l;
  }

  Result<Parsed> parse_not() {
    if (!at_op("not")) return parse_cmp();
    const size_t col = peek().column;
    ++pos_;
    if (Status s = enter(col); !s.ok()) return s;
    Result<Parsed> inner = parse_not();
    --depth_;
    if (!inner.ok()) return inner;
    if (Status s = need_condition(*inner); !s.ok()) return s;
    detail::ConstraintNode n;
    n.op = Op::kNot;
    n.lhs = inner->node;
    return add(std::move(n), Type::kBool, col);
  }

  static std::optional<Op> comparison(const Token& t) {
    if (t.kind != Tok::kOp) return std::nullopt;
    if (t.text == "<") return Op::kLt;
    if (t.text == "<=") return Op::kLe;
    if (t.text == ">") return Op::kGt;
    if (t.text == ">=") return Op::kGe;
    if (t.text == "==") return Op::kEq;
    if (t.text == "!=") return Op::kNe;
    return std::nullopt;
  }

  Result<Parsed> parse_cmp() {
    Result<Parsed> l = parse_sum();
    if (!l.ok()) return l;
    std::optional<Op> op = comparison(peek());
    if (!op) return l;
    const Token& op_tok = peek();
    ++pos_;
    Result<Parsed> r = parse_sum();
    if (!r.ok()) return r;
    if (comparison(peek())) return error_at("chained comparison (use 'and')", peek().column);
    if (*op == Op::kEq || *op == Op::kNe) {
      if (Status s = check_equality(*l, *r); !s.ok()) return s;
    } else {
      for (const Parsed* p : {&*l, &*r}) {
        if (p->type == Type::kString || p->type == Type::kBool)
          return error_at(in_quotes(op_tok.text) + " needs numbers", p->column);
      }
    }
    return binary(*op, *l, *r, Type::kBool);
  }

  static Status check_equality(const Parsed& l, const Parsed& r) {
    auto kinds_clash = [](Type a, Type b) {
      if (a == Type::kName || b == Type::kName) return a == Type::kBool || b == Type::kBool;
      return a != b;
    };
    if (!kinds_clash(l.type, r.type)) return Status::Ok();
    auto kind = [](Type t) {
      return t == Type::kBool ? "a condition" : t == Type::kString ? "a string" : "a number";
    };
    const Type lt = l.type == Type::kName ? Type::kNumber : l.type;
    const Type rt = r.type == Type::kName ? Type::kNumber : r.type;
    return error_at(std::string("cannot compare ") + kind(lt) + " with " + kind(rt), r.column);
  }

  Result<Parsed> parse_sum() {
    return parse_arith({"+", "-"}, {Op::kAdd, Op::kSub}, &Parser::parse_term);
  }
  Result<Parsed> parse_term() {
    return parse_arith({"*", "/"}, {Op::kMul, Op::kDiv}, &Parser::parse_unary);
  }

  Result<Parsed> parse_arith(std::pair<std::string_view, std::string_view> words,
                             std::pair<Op, Op> ops, Result<Parsed> (Parser::*sub)()) {
    Result<Parsed> l = (this->*sub)();
    if (!l.ok()) return l;
    while (at_op(words.first) || at_op(words.second)) {
      const Op op = at_op(words.first) ? ops.first : ops.second;
      ++pos_;
      Result<Parsed> r = (this->*sub)();
      if (!r.ok()) return r;
      if (Status s = need_number(*l); !s.ok()) return s;
      if (Status s = need_number(*r); !s.ok()) return s;
      l = binary(op, *l, *r, Type::kNumber);
    }
    return l;
  }

  Result<Parsed> parse_unary() {
    if (!at_op("-")) return parse_atom();
    const size_t col = peek().column;
    ++pos_;
    if (Status s = enter(col); !s.ok()) return s;
    Result<Parsed> inner = parse_unary();
    --depth_;
    if (!inner.ok()) return inner;
    if (Status s = need_number(*inner); !s.ok()) return s;
    detail::ConstraintNode n;
    n.op = Op::kNeg;
    n.lhs = inner->node;
    return add(std::move(n), Type::kNumber, col);
  }

  Result<Parsed> parse_atom() {
    const Token& t = peek();
    detail::ConstraintNode n;
    switch (t.kind) {
      case Tok::kNumber:
        ++pos_;
        n.op = Op::kNumber;
        n.number = t.number;
        return add(std::move(n), Type::kNumber, t.column);
      case Tok::kString:
        ++pos_;
        n.op = Op::kString;
        n.text = std::string(t.text);
        return add(std::move(n), Type::kString, t.column);
      case Tok::kName:
        for (size_t i = 0; i < names_.size(); ++i) {
          if (names_[i] != t.text) continue;
          ++pos_;
          n.op = Op::kName;
          n.slot = static_cast<uint32_t>(i);
          return add(std::move(n), Type::kName, t.column);
        }
        return error_at("unknown parameter " + in_quotes(t.text), t.column);
      case Tok::kLParen: {
        ++pos_;
        if (Status s = enter(t.column); !s.ok()) return s;
        Result<Parsed> inner = parse_or();
        --depth_;
        if (!inner.ok()) return inner;
        if (peek().kind != Tok::kRParen) return error_at("expected ')'", peek().column);
        ++pos_;
        inner->column = t.column;
        return inner;
      }
      default:
        return unexpected(t);
    }
  }

  std::vector<Token> toks_;
  const std::vector<std::string>& names_;
  std::vector<detail::ConstraintNode> nodes_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Constraint> Constraint::parse(std::string_view text,
                                     const std::vector<std::string>& known_names) {
  if (text.size() > kMaxConstraintLength)
    return Status::TooLarge("constraint: longer than " + std::to_string(kMaxConstraintLength) +
                            " characters");
  Result<std::vector<Token>> tokens = Lexer(text).run();
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return Status::BadRequest("constraint: empty expression");
  Result<std::vector<detail::ConstraintNode>> nodes =
      Parser(std::move(tokens).value(), known_names).run();
  if (!nodes.ok()) return nodes.status();
  Constraint c;
  c.text_ = std::string(text);
  c.names_ = known_names;
  c.nodes_ = std::move(nodes).value();
  return c;
}

}  // namespace sweep
