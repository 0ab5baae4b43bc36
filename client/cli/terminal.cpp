#include "terminal.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace sweep::cli {

std::string human_count(double v) {
  char buf[32];
  if (!std::isfinite(v)) return "--";
  if (v >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1fG", v / 1e9);
  else if (v >= 1e6)
    std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
  else if (v >= 1e4)
    std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string human_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "--";
  char buf[32];
  const auto t = static_cast<long long>(std::llround(s));
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, t / 60 % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

ProgressBar::ProgressBar(std::string unit, uint64_t total)
    : unit_(std::move(unit)),
      total_(total),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {}

std::string ProgressBar::render(uint64_t done, uint64_t failed, const std::string& best) const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
  char buf[256];
  std::snprintf(buf, sizeof buf, "[%s] %5.1f%% %llu/%llu %s  failed %llu  %s/s  ETA %s",
                bar.c_str(), frac * 100, static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(total_), unit_.c_str(),
                static_cast<unsigned long long>(failed), human_count(rate).c_str(),
                human_duration(eta).c_str());
  std::string line = buf;
  if (!best.empty()) line += "  best " + best;
  return line;
}

void ProgressBar::update(uint64_t done, uint64_t failed, const std::string& best, bool force) {
  if (!tty_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::fprintf(stderr, "\r\033[2K%s", render(done, failed, best).c_str());
  std::fflush(stderr);
}

void ProgressBar::finish(uint64_t done, uint64_t failed, const std::string& best) {
  std::fprintf(stderr, "%s%s\n", tty_ ? "\r\033[2K" : "", render(done, failed, best).c_str());
}

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], r[c].size());
  auto is_number = [](const std::string& s) {
    return !s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-');
  };
  std::string out;
  auto line = [&](const std::vector<std::string>& cells, bool head) {
    for (size_t c = 0; c < width.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      const std::string pad(width[c] - cell.size(), ' ');
      out += (c ? "  " : "");
      out += (!head && is_number(cell)) ? pad + cell : cell + pad;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  };
  line(header, true);
  for (const auto& r : rows) line(r, false);
  return out;
}

}  // namespace sweep::cli
