// The simulated account a strategy trades through: market orders, FIFO trades, cash, equity.
// The fill and accounting model is backtesting.py's default one (DESIGN §5): an order placed on
// bar i fills at the open of bar i+1; an unsized order uses all available margin in whole units.
// Thread safety: none; one Account per run.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace sweep {

struct Trade {
  int64_t size = 0;  // units; negative for a short
  double entry_price = 0;
  double exit_price = 0;
  uint32_t entry_bar = 0;
  uint32_t exit_bar = 0;
  double commissions = 0;  // entry + exit, known once closed
  double pnl = 0;          // cash, after commissions
  double return_frac = 0;  // sign * (exit / entry - 1) - commissions / (|size| * entry)
  int64_t id = 0;          // per run, in opening order
};

class Account {
 public:
  // `open`/`close` are the run's price arrays (they must outlive the account). The buffers, if
  // given, are reused for the equity curve and the trades: a caller running many backtests
  // passes the previous run's vectors back so their memory is not allocated and faulted in
  // again each time (that cost is a quarter of a million-bar run).
  Account(const double* open, const double* close, size_t bars, double cash, double commission,
          std::vector<double> equity_buffer = {}, std::vector<Trade> trades_buffer = {});

  // --- Orders a strategy places while handling bar i; they fill at the open of bar i+1. ---
  void buy() { orders_.push_back({kFullEquity, -1}); }    // long with all available margin
  void sell() { orders_.push_back({-kFullEquity, -1}); }  // short with all available margin
  // Closes every open trade (at the next open); such orders go ahead of queued ones.
  void close_position();

  int64_t position() const;  // signed units held
  bool flat() const { return open_.empty(); }
  double cash() const { return cash_; }

  // --- Engine side. ---
  // Fills the orders queued on the previous bar at bar i's open and records bar i's equity.
  void step(size_t i) {
    if (!orders_.empty()) process_orders(i);
    double eq = cash_;
    for (const Trade& t : open_) eq += static_cast<double>(t.size) * (close_[i] - t.entry_price);
    equity_[i] = eq;
    if (eq <= 0 && !bankrupt_) [[unlikely]]
      go_bankrupt(i);
  }
  bool bankrupt() const { return bankrupt_; }
  // End of data: closes open trades at the open of `last` (orders placed on `last` itself are
  // dropped: no later bar exists to fill them) and sets the last equity to the cash.
  void finish(size_t last);

  std::vector<double>& equity() { return equity_; }
  std::vector<double> take_equity() { return std::move(equity_); }
  const std::vector<Trade>& closed_trades() const { return closed_; }
  std::vector<Trade> take_closed_trades() { return std::move(closed_); }

  // backtesting.py's "all of it" size: just under one, so rounding cannot exceed the margin.
  static constexpr double kFullEquity = 1.0 - 0x1p-52;

 private:
  struct Order {
    double size;          // fraction of margin (|size| < 1) or units
    int64_t close_trade;  // id of the trade this order closes, or -1
  };

  void process_orders(size_t i);
  double equity_at(size_t i) const;
  double margin_available(size_t i) const;
  void open_trade(double price, int64_t units, size_t bar);
  void close_trade(size_t open_index, double price, size_t bar);
  void reduce_trade(size_t open_index, double price, int64_t units, size_t bar);
  double commission(int64_t units, double price) const {
    return static_cast<double>(units < 0 ? -units : units) * price * commission_;
  }
  void go_bankrupt(size_t i);

  const double* open_px_;
  const double* close_;
  double cash_;
  double commission_;
  bool bankrupt_ = false;
  int64_t next_id_ = 0;
  std::vector<Order> orders_;
  std::vector<Order> batch_;  // the orders being filled
  std::vector<Trade> open_;
  std::vector<Trade> closed_;
  std::vector<double> equity_;
};

// Python's float floor division (a // b): the floor of the exact quotient, which a plain
// floor(a / b) misses when the quotient rounds up to an integer.
double py_floordiv(double a, double b);

}  // namespace sweep
