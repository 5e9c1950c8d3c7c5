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

// A summary's first fields: version, model, hw, dtype, batch.
nlohmann::ordered_json summary_head(const config::RunConfig& rc);

// The summary of a simulated point (stats set) or an infeasible one (stats null: every timing,
// traffic and rate field null).
nlohmann::ordered_json make_summary(const config::RunConfig& rc, const isa::Program& p,
                                    const Stats* stats);

std::string layers_csv(const config::RunConfig& rc, const isa::Program& p, const Stats& s);
// A process of trace.json: a core (its engine and queue tracks, its SBUF occupancy) or a chip,
// each with the DRAM bandwidth counter when `dram` (its stats hold the DRAM's busy records). A
// single core's run is one process, {"NeuronCore <hw>", stats, core, dram}.
struct TraceProcess {
  std::string name;
  const Stats* stats;
  bool core = true;
  bool dram = false;
  const isa::Program* program = nullptr;  // a core's own (a pipeline stage's); null: trace_json's
};
// trace.json (Chrome trace-event format), one process per entry, pid in order, handed to `sink`
// in pieces of about 1 MiB as it is formatted: ~200 bytes per instruction, never held whole.
void trace_json(const config::RunConfig& rc, const isa::Program& p,
                const std::vector<TraceProcess>& procs,
                const std::function<void(std::string_view)>& sink);
// trace_json into `path` through an OutputFile (a temporary, renamed into place once whole).
void write_trace(const std::string& path, const config::RunConfig& rc, const isa::Program& p,
                 const std::vector<TraceProcess>& procs);

// A CSV cell: empty for null, a string as is (in quotes, with "" for a quote, when it holds a
// comma, a quote or a newline), any other value as JSON.
std::string csv_cell(const nlohmann::ordered_json& v);

}  // namespace ncore::report
