// Writers of a point's outputs (DESIGN.md "Outputs"): summary.json, layers.csv, trace.json,
// and the sweep's sweep.csv. Names and meanings are stable: scripts and tests depend on them.
// No output holds a time of day, a host name or an absolute path.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/run_config.h"
#include "planner/program.h"
#include "report/stats.h"

namespace ncore::report {

std::string version_string();

// The summary of a simulated point (stats set) or an infeasible one (stats null: every timing,
// traffic and rate field null).
nlohmann::ordered_json make_summary(const config::RunConfig& rc, const planner::Program& p,
                                    const Stats* stats);

std::string layers_csv(const config::RunConfig& rc, const planner::Program& p, const Stats& s);
std::string trace_json(const config::RunConfig& rc, const planner::Program& p, const Stats& s);

// One row per point: `point`, the axis columns, then the summaries' scalar fields flattened
// with dotted names (the union over points, in first-seen order; axis names not repeated).
struct SweepRow {
  std::string point;
  std::vector<std::string> axis_values;  // base units, as plain text
  nlohmann::ordered_json summary;        // null when the point failed
};
std::string sweep_csv(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows);

// Writes `text` to `path`, replacing it; throws std::runtime_error on failure.
void write_file(const std::string& path, const std::string& text);

}  // namespace ncore::report
