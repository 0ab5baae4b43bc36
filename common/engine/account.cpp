#include "sweep/engine/account.hpp"

#include <algorithm>

namespace sweep {

double py_floordiv(double a, double b) {
  // Fast path: the rounded quotient q is within q * 2^-53 of the exact one, so when q is
  // farther than that from every integer, both have the same floor and fmod is not needed.
  const double q = a / b;
  if (q > 0 && q < 0x1p52) {
    const double f = std::floor(q), margin = q * 0x1p-50;
    if (q - f > margin && (f + 1) - q > margin) return f;
  }
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0) return std::copysign(0.0, a / b);
  double fl = std::floor(div);
  if (div - fl > 0.5) fl += 1.0;
  return fl;
}

Account::Account(const double* open, const double* close, size_t bars, double cash,
                 double commission, std::vector<double> equity_buffer,
                 std::vector<Trade> trades_buffer)
    : open_px_(open),
      close_(close),
      cash_(cash),
      commission_(commission),
      closed_(std::move(trades_buffer)),
      equity_(std::move(equity_buffer)) {
  closed_.clear();
  equity_.assign(bars, cash);
  orders_.reserve(4);
  open_.reserve(4);
}

void Account::close_position() {
  // Each close order goes to the front, as backtesting.py's Trade.close() inserts at 0.
  for (const Trade& t : open_) {
    orders_.insert(orders_.begin(), Order{static_cast<double>(-t.size), t.id});
  }
}

int64_t Account::position() const {
  int64_t p = 0;
  for (const Trade& t : open_) p += t.size;
  return p;
}

double Account::equity_at(size_t i) const {
  double eq = cash_;
  for (const Trade& t : open_) eq += static_cast<double>(t.size) * (close_[i] - t.entry_price);
  return eq;
}

double Account::margin_available(size_t i) const {
  double used = 0;
  for (const Trade& t : open_) used += std::fabs(static_cast<double>(t.size)) * close_[i];
  return std::max(0.0, equity_at(i) - used);
}

void Account::process_orders(size_t i) {
  const double price = open_px_[i];
  // Walk a snapshot; swapping keeps both buffers' capacity, so filling allocates nothing.
  batch_.clear();
  batch_.swap(orders_);
  for (const Order& o : batch_) {
    if (bankrupt_) break;
    if (o.close_trade >= 0) {
      auto it = std::find_if(open_.begin(), open_.end(),
                             [&](const Trade& t) { return t.id == o.close_trade; });
      if (it != open_.end()) {
        const int64_t units = static_cast<int64_t>(o.size);
        const int64_t cap = it->size < 0 ? -it->size : it->size;
        const int64_t want = units < 0 ? -units : units;
        const int64_t n = std::min(cap, want);
        reduce_trade(static_cast<size_t>(it - open_.begin()), price, units < 0 ? -n : n, i);
      }
      continue;
    }
    const double price_plus_commission = price * (1 + commission_);
    double size = o.size;
    if (-1 < size && size < 1) {
      const double units =
          py_floordiv(margin_available(i) * std::fabs(size), price_plus_commission);
      if (units == 0) continue;  // not enough margin for a single unit: the order is dropped
      size = std::copysign(units, size);
    }
    int64_t need = static_cast<int64_t>(size);
    const bool is_long = need > 0;
    // FIFO: an order first closes or reduces opposite trades, at the unadjusted fill price.
    for (size_t k = 0; k < open_.size() && need != 0;) {
      const Trade& t = open_[k];
      if ((t.size > 0) == is_long) {
        ++k;
        continue;
      }
      const int64_t abs_t = t.size < 0 ? -t.size : t.size;
      const int64_t abs_need = need < 0 ? -need : need;
      if (abs_need >= abs_t) {
        need += t.size;
        close_trade(k, price, i);  // removes open_[k]
      } else {
        reduce_trade(k, price, need, i);
        need = 0;
      }
    }
    const double abs_need = static_cast<double>(need < 0 ? -need : need);
    if (abs_need * price_plus_commission > margin_available(i)) continue;  // cannot afford it
    if (need != 0) open_trade(price, need, i);
  }
}

void Account::open_trade(double price, int64_t units, size_t bar) {
  Trade t;
  t.size = units;
  t.entry_price = price;
  t.entry_bar = static_cast<uint32_t>(bar);
  t.id = next_id_++;
  open_.push_back(t);
  cash_ -= commission(units, price);
}

void Account::close_trade(size_t k, double price, size_t bar) {
  Trade t = open_[k];
  open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(k));
  t.exit_price = price;
  t.exit_bar = static_cast<uint32_t>(bar);
  const double gross = static_cast<double>(t.size) * (price - t.entry_price);
  const double exit_commission = commission(t.size, price);
  cash_ += gross - exit_commission;
  t.commissions = exit_commission + commission(t.size, t.entry_price);
  t.pnl = gross - t.commissions;
  const double sign = t.size < 0 ? -1.0 : 1.0;
  const double abs_size = std::fabs(static_cast<double>(t.size));
  t.return_frac = sign * (price / t.entry_price - 1) - t.commissions / (abs_size * t.entry_price);
  closed_.push_back(t);
}

void Account::reduce_trade(size_t k, double price, int64_t units, size_t bar) {
  // `units` has the opposite sign of the trade and |units| <= |trade|.
  const int64_t left = open_[k].size + units;
  if (left == 0) {
    close_trade(k, price, bar);
    return;
  }
  // Split: the trade keeps `left` units; a copy with the reduced part is closed now.
  open_[k].size = left;
  Trade part = open_[k];
  part.size = -units;
  part.id = next_id_++;
  open_.push_back(part);
  close_trade(open_.size() - 1, price, bar);
}

void Account::go_bankrupt(size_t i) {
  // As backtesting.py: close everything at this bar's close, and the equity stays at zero.
  while (!open_.empty()) close_trade(0, close_[i], i);
  cash_ = 0;
  std::fill(equity_.begin() + static_cast<std::ptrdiff_t>(i), equity_.end(), 0.0);
  orders_.clear();
  bankrupt_ = true;
}

void Account::finish(size_t last) {
  if (bankrupt_) return;
  // backtesting.py closes the remaining trades in reverse order of their close orders'
  // insertion, i.e. first in, first out.
  orders_.clear();
  for (const Trade& t : open_) orders_.push_back(Order{static_cast<double>(-t.size), t.id});
  if (!orders_.empty()) process_orders(last);
  equity_[last] = equity_at(last);
}

}  // namespace sweep
