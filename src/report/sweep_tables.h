// A sweep's tables, sweep.csv and best.csv, built from its points' summaries one at a time: a
// 10,000-point sweep never holds its summaries together (memory grows with the columns and the
// best.csv groups, not with the points times the columns).
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace ncore::report {

// A point's row before its results: its id and its axis values (base units, as plain text).
struct SweepRowHead {
  std::string point;
  std::vector<std::string> axis_values;
};

// Row r's summary, or null when the point failed. write_sweep_csv asks for each row twice
// (once for the columns, once for the cells), best_csv once.
using SummaryOf = std::function<nlohmann::ordered_json(size_t r)>;

// sweep.csv, handed to `sink` a row at a time: `point`, the axis columns, then the summaries'
// scalar fields flattened with dotted names (the union over points, in first-seen order; axis
// names not repeated).
void write_sweep_csv(const std::vector<std::string>& axes, const std::vector<SweepRowHead>& rows,
                     const SummaryOf& summary, const std::function<void(std::string_view)>& sink);

// best.csv: per combination of the axes other than `batch` (in sweep order), the point with
// the highest throughput_inferences_per_s whose latency_s is within slo_s; columns: those axes,
// slo_s, batch, throughput_inferences_per_s, latency_s (the last three empty when no point
// meets the bound).
std::string best_csv(const std::vector<std::string>& axes, const std::vector<SweepRowHead>& rows,
                     const SummaryOf& summary, double slo_s);

// Both tables from rows held in memory (ncoresim merge, tests).
struct SweepRow {
  std::string point;
  std::vector<std::string> axis_values;
  nlohmann::ordered_json summary;  // null when the point failed
};
std::string sweep_csv(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows);
std::string best_csv(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows,
                     double slo_s);

}  // namespace ncore::report
