// Helpers the built-in strategies share: the `mode` parameter and the two ways they turn signals
// into orders. Internal to the engine part (plugins copy what they need).
#pragma once

#include <string>

#include "sweep/engine/account.hpp"
#include "sweep/engine/params.hpp"

namespace sweep::strategies {

inline ParamSpec mode_param() {
  return {"mode", ParamType::kChoice,          std::string("long_short"), 0,
          0,      {"long_only", "long_short"}, "long_only or long_short"};
}

inline bool is_long_short(const ParamSet& p) {
  return p.get_string("mode") == "long_short";
}

// sma_cross's rule for a crossing (DESIGN §5): up: close the open trade, buy; down: close it and,
// in long_short mode, sell. Crossings alternate, so no entry is ever doubled.
inline void trade_cross(int cross, bool long_short, Account& a) {
  if (cross > 0) {
    a.close_position();
    a.buy();
  } else if (cross < 0) {
    a.close_position();
    if (long_short) a.sell();
  }
}

// The side held, for strategies whose entry conditions can repeat while a position is open.
// A strategy decides after the bar's fills, so Account::flat() is current; a non-flat account
// holds the side of the last entry (an entry that got zero units leaves the account flat).
class Side {
 public:
  int get(const Account& a) const { return a.flat() ? 0 : side_; }  // +1, -1 or 0
  void enter_long(Account& a) {
    a.close_position();
    a.buy();
    side_ = 1;
  }
  void enter_short(Account& a) {
    a.close_position();
    a.sell();
    side_ = -1;
  }
  void exit(Account& a) { a.close_position(); }

 private:
  int side_ = 0;
};

}  // namespace sweep::strategies
