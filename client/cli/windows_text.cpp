#include "windows_text.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include "metric_format.hpp"
#include "terminal.hpp"

namespace sweep::cli {
namespace {

using json = nlohmann::json;

double number(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : NAN;
}
double metric(const json& metrics, Metric m) {
  return number(metrics, std::string(metric_name(m)).c_str());
}
std::string value_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}
std::string span_text(const json& s) {
  return "[" + s[0].dump() + ", " + s[1].dump() + ")";
}
std::string label(const char* side, Metric m) {
  return std::string(side) + " " + std::string(metric_name(m));
}

}  // namespace

std::string walk_forward_text(const json& wf, Metric obj) {
  const json& windows = wf["windows"];
  if (!windows.is_array() || windows.empty()) return "no window finished\n";
  std::vector<std::string> header = {"window", "train", "test"};
  const json& first_params = windows[0]["best"]["params"];
  for (const auto& [name, _] : first_params.items()) header.push_back(name);
  header.insert(header.end(),
                {label("IS", obj), label("IS", Metric::kReturnAnnPct), label("OOS", obj),
                 label("OOS", Metric::kReturnPct), "cash_in", "final_equity"});
  std::vector<std::vector<std::string>> rows;
  for (const json& w : windows) {
    std::vector<std::string> row = {w["window"].dump(), span_text(w["train"]),
                                    span_text(w["test"])};
    for (const auto& [name, _] : first_params.items())
      row.push_back(w["best"]["params"].contains(name) ? value_text(w["best"]["params"][name])
                                                       : "");
    const json& is = w["best"]["metrics"];
    const json& oos = w["oos"]["metrics"];
    row.insert(row.end(), {format_metric(obj, metric(is, obj)),
                           format_metric(Metric::kReturnAnnPct, metric(is, Metric::kReturnAnnPct)),
                           format_metric(obj, metric(oos, obj)),
                           format_metric(Metric::kReturnPct, metric(oos, Metric::kReturnPct)),
                           format_metric(Metric::kFinalEquity, number(w, "cash_in")),
                           format_metric(Metric::kFinalEquity, number(w, "final_equity"))});
    rows.push_back(std::move(row));
  }
  std::string out = format_table(header, rows) + "\n";
  out += "stitched out of sample, bars [" + windows.front()["test"][0].dump() + ", " +
         windows.back()["test"][1].dump() + "):";
  for (Metric m : {Metric::kFinalEquity, Metric::kReturnPct, Metric::kReturnAnnPct, Metric::kSharpe,
                   Metric::kMaxDrawdownPct, Metric::kTrades})
    out += " " + std::string(metric_name(m)) + " " + format_metric(m, metric(wf["metrics"], m));
  const double eff = number(wf, "efficiency");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4f", eff);
  out += "\nefficiency: " + std::string(std::isfinite(eff) ? buf : "--") +
         " (stitched return_ann_pct / mean in-sample return_ann_pct of each window's best)\n"
         "stability (best value per window):\n";
  for (const auto& [name, values] : wf["stability"].items()) {
    out += "  " + name + ":";
    for (const json& v : values) out += " " + value_text(v);
    out += "\n";
  }
  return out;
}

std::string holdout_text(const json& h, Metric obj) {
  const json& trials = h["trials"];
  if (!trials.is_array() || trials.empty()) return "no trial completed\n";
  std::vector<std::string> header = {"#", "trial"};
  const json& first_params = trials[0]["params"];
  for (const auto& [name, _] : first_params.items()) header.push_back(name);
  std::vector<Metric> cols = {obj};
  for (Metric m : {Metric::kReturnPct, Metric::kMaxDrawdownPct, Metric::kTrades})
    if (m != obj) cols.push_back(m);
  for (Metric m : cols) header.insert(header.end(), {label("IS", m), label("OOS", m)});
  header.push_back("OOS final_equity");
  std::vector<std::vector<std::string>> rows;
  int rank = 0;
  for (const json& t : trials) {
    std::vector<std::string> row = {std::to_string(++rank), t["index"].dump()};
    for (const auto& [name, _] : first_params.items())
      row.push_back(t["params"].contains(name) ? value_text(t["params"][name]) : "");
    for (Metric m : cols)
      row.insert(row.end(), {format_metric(m, metric(t["metrics"], m)),
                             format_metric(m, metric(t["oos"]["metrics"], m))});
    row.push_back(
        format_metric(Metric::kFinalEquity, metric(t["oos"]["metrics"], Metric::kFinalEquity)));
    rows.push_back(std::move(row));
  }
  return format_table(header, rows);
}

std::string holdout_spans_text(const json& h) {
  return "holdout: train bars " + span_text(h["train"]) + ", test bars " + span_text(h["test"]);
}

}  // namespace sweep::cli
