// Writers of a point's outputs (DESIGN.md "Outputs"): summary.json, layers.csv, trace.json,
// and the sweep's sweep.csv. Names and meanings are stable: scripts and tests depend on them.
// No output holds a time of day, a host name or an absolute path.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/stats.h"
#include "config/run_config.h"
#include "isa/program.h"

namespace ncore::report {

using base::LayerStats;
using base::Stats;
using base::TraceRecord;

std::string version_string();

// Seconds between invocations when they run back to back: the device's `device_s` alone
// (in_flight 0: the runtime always has the next one ready), or, with `in_flight` requests
// outstanding per core, the closed-loop bound max(device_s, latency_s / in_flight): the device a
// single queue, the host and the link a delay each request passes through (Lazowska et al.,
// "Quantitative System Performance", 1984, ch. 5, asymptotic bounds of a closed network).
double invocation_period(double device_s, double latency_s, double in_flight);

// Dynamic batching (DESIGN.md "Batching"): a client batch of n requests runs as k = ceil(n / b)
// invocations of compiled batch b, the last padded with k b - n samples (wasted work, not
// throughput). Each invocation passes the host stage h (overhead + input transfer), the device
// d and the output transfer o; the runtime pipelines them, so invocation i (from 0) completes at
// h + d + o + i max(h, d, o). Throughput = n / the last completion.
struct ClientTiming {
  uint64_t invocations = 0, padded_samples = 0;
  double first_completion_s = 0, last_completion_s = 0, throughput_inferences_per_s = 0;
};
ClientTiming client_timing(uint64_t n, uint64_t b, double h, double d, double o);

// The summary of a simulated point (stats set) or an infeasible one (stats null: every timing,
// traffic and rate field null).
nlohmann::ordered_json make_summary(const config::RunConfig& rc, const isa::Program& p,
                                    const Stats* stats);

std::string layers_csv(const config::RunConfig& rc, const isa::Program& p, const Stats& s);
// trace.json (Chrome trace-event format), handed to `sink` in pieces of about 1 MiB as it is
// formatted: ~200 bytes per instruction, never held whole.
void trace_json(const config::RunConfig& rc, const isa::Program& p, const Stats& s,
                const std::function<void(std::string_view)>& sink);

// One row per point: `point`, the axis columns, then the summaries' scalar fields flattened
// with dotted names (the union over points, in first-seen order; axis names not repeated).
struct SweepRow {
  std::string point;
  std::vector<std::string> axis_values;  // base units, as plain text
  nlohmann::ordered_json summary;        // null when the point failed
};
std::string sweep_csv(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows);

// best.csv: per combination of the axes other than `batch` (in sweep order), the point with
// the highest throughput_inferences_per_s whose latency_s is within slo_s; columns: those axes,
// slo_s, batch, throughput_inferences_per_s, latency_s (the last three empty when no point
// meets the bound).
std::string best_csv(const std::vector<std::string>& axes, const std::vector<SweepRow>& rows,
                     double slo_s);

}  // namespace ncore::report
