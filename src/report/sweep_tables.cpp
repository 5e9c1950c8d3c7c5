// sweep.csv and best.csv (see sweep_tables.h).
#include "report/sweep_tables.h"

#include <unordered_map>
#include <unordered_set>

#include "report/outputs.h"

namespace ncore::report {
namespace {

using json = nlohmann::ordered_json;

// The scalar fields of j with dotted names, in order (arrays left out).
void flatten(const json& j, const std::string& prefix,
             std::vector<std::pair<std::string, const json*>>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object())
      flatten(*it, key, out);
    else if (!it->is_array())
      out.emplace_back(key, &*it);
  }
}

std::string group_key(const SweepRowHead& row, const std::vector<size_t>& axes) {
  std::string key;
  for (size_t a : axes) key += row.axis_values[a] + '\0';
  return key;
}

std::vector<SweepRowHead> heads(const std::vector<SweepRow>& rows) {
  std::vector<SweepRowHead> h;
  h.reserve(rows.size());
  for (const auto& r : rows) h.push_back(SweepRowHead{r.point, r.axis_values});
  return h;
}

}  // namespace

void write_sweep_csv(const std::vector<std::string>& axes, const std::vector<SweepRowHead>& rows,
                     const SummaryOf& summary, const std::function<void(std::string_view)>& sink) {
  std::vector<std::string> cols;
  std::unordered_map<std::string, size_t> col_of;
  const std::unordered_set<std::string> axis_set(axes.begin(), axes.end());
  std::vector<std::pair<std::string, const json*>> flat;
  for (size_t r = 0; r < rows.size(); ++r) {
    const json s = summary(r);
    flat.clear();
    if (!s.is_null()) flatten(s, "", flat);
    for (const auto& kv : flat)
      if (axis_set.count(kv.first) == 0 && col_of.emplace(kv.first, cols.size()).second)
        cols.push_back(kv.first);
  }
  std::string line = "point";
  for (const auto& a : axes) line += ',' + a;
  for (const auto& c : cols) line += ',' + c;
  sink(line + '\n');
  std::vector<std::string> cells(cols.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    const json s = summary(r);
    flat.clear();
    if (!s.is_null()) flatten(s, "", flat);
    std::fill(cells.begin(), cells.end(), std::string());
    std::vector<bool> set(cols.size(), false);
    for (const auto& [k, v] : flat) {
      const auto it = col_of.find(k);
      if (it == col_of.end() || set[it->second]) continue;  // an axis, or a repeated name
      set[it->second] = true;
      cells[it->second] = csv_cell(*v);
    }
    line = rows[r].point;
    for (const auto& v : rows[r].axis_values) line += ',' + csv_cell(json(v));
    for (const auto& c : cells) line += ',' + c;
    sink(line + '\n');
  }
}

std::string best_csv(const std::vector<std::string>& axes, const std::vector<SweepRowHead>& rows,
                     const SummaryOf& summary, double slo_s) {
  std::vector<size_t> others;
  for (size_t a = 0; a < axes.size(); ++a)
    if (axes[a] != "batch") others.push_back(a);
  struct Best {
    size_t row = 0;  // the group's first row: its axis values
    bool found = false;
    double throughput = 0;
    json batch, throughput_cell, latency;
  };
  std::vector<Best> groups;  // first-seen order
  std::unordered_map<std::string, size_t> group_of;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto [it, added] = group_of.emplace(group_key(rows[r], others), groups.size());
    if (added) groups.push_back(Best{r, false, 0, {}, {}, {}});
    Best& b = groups[it->second];
    const json s = summary(r);
    if (s.is_null() || !s.contains("latency_s") || s["latency_s"].is_null()) continue;
    if (s["latency_s"].get<double>() > slo_s) continue;
    const double t = s["throughput_inferences_per_s"].get<double>();
    if (b.found && !(t > b.throughput)) continue;
    b.found = true;
    b.throughput = t;
    b.batch = s["batch"];
    b.throughput_cell = s["throughput_inferences_per_s"];
    b.latency = s["latency_s"];
  }
  std::string o;
  for (size_t a : others) o += axes[a] + ',';
  o += "slo_s,batch,throughput_inferences_per_s,latency_s\n";
  for (const Best& b : groups) {
    for (size_t a : others) o += csv_cell(json(rows[b.row].axis_values[a])) + ',';
    o += json(slo_s).dump() + ',';
    if (b.found)
      o += b.batch.dump() + ',' + b.throughput_cell.dump() + ',' + b.latency.dump();
    else
      o += ",,";
    o += '\n';
  }
  return o;
}

std::string sweep_csv(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows) {
  std::string out;
  write_sweep_csv(
      axes, heads(rows), [&](size_t r) { return rows[r].summary; },
      [&](std::string_view piece) { out += piece; });
  return out;
}

std::string best_csv(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows,
                     double slo_s) {
  return best_csv(
      axes, heads(rows), [&](size_t r) { return rows[r].summary; }, slo_s);
}

}  // namespace ncore::report
