// summary.json of a NeuronCore Pipeline (see pipeline.h).
#include "report/pipeline.h"

#include <algorithm>
#include <cmath>

#include "report/deployment.h"
#include "report/outputs.h"

namespace ncore::report {
namespace {

using json = nlohmann::ordered_json;

// A counter summed over the stages, per invocation.
double per_invocation(const std::vector<StageResult>& stages, const std::string& counter,
                      uint32_t invocations) {
  double s = 0;
  for (const StageResult& st : stages) s += static_cast<double>(st.stats->get(counter));
  return s / invocations;
}

uint64_t whole(double v) {
  return static_cast<uint64_t>(std::llround(v));
}

// dram.*: weights and spill of every stage; io only where the deployment meets the host's DRAM
// (the first stage's reads, the last stage's writes): the rest crossed the links.
double add_traffic(json& j, const std::vector<StageResult>& stages, size_t n, uint32_t inv) {
  double all = 0;
  for (const char* dir : {"read_bytes", "write_bytes"})
    for (int c = 0; c < isa::kTrafficClasses; ++c) {
      const char* cls = isa::traffic_class_name(static_cast<isa::TrafficClass>(c));
      const std::string key = std::string("dram.") + dir + "." + cls;
      double v = per_invocation(stages, key, inv);
      if (c == static_cast<int>(isa::TrafficClass::io)) {  // each replica's edge stage
        v = 0;
        for (size_t r = 0; r < stages.size(); r += n) {
          const StageResult& edge =
              std::string(dir) == "read_bytes" ? stages[r] : stages[r + n - 1];
          v += static_cast<double>(edge.stats->get(key)) / inv;
        }
      }
      j["dram"][dir][cls] = whole(v);
      all += v;
    }
  return all;
}

json stage_list(const std::vector<StageResult>& stages) {
  json a = json::array();
  for (size_t k = 0; k < stages.size(); ++k) {
    const StageResult& s = stages[k];
    json o;
    o["first_layer"] = s.first_layer;
    o["last_layer"] = s.last_layer;
    o["core"] = k;
    o["chip"] = s.chip;
    o["seconds"] = s.seconds;
    o["planned_seconds"] = s.planned_seconds;
    o["weight_bytes"] = s.weight_bytes;
    o["static_weights"] = s.static_weights;
    a.push_back(std::move(o));
  }
  return a;
}

// Each stage core's figures per invocation: MACs, DRAM bytes (its own, io included),
// tensor-engine busy cycles and utilization.
json per_core(const std::vector<StageResult>& stages, uint32_t inv, double peak) {
  json a = json::array();
  for (size_t k = 0; k < stages.size(); ++k) {
    const base::Stats& s = *stages[k].stats;
    uint64_t bytes = 0;
    for (int c = 0; c < isa::kTrafficClasses; ++c)
      for (const char* dir : {"read_bytes.", "write_bytes."})
        bytes += s.get(std::string("dram.") + dir +
                       isa::traffic_class_name(static_cast<isa::TrafficClass>(c)));
    const double busy = static_cast<double>(s.get("tensor_engine.busy_cycles"));
    json o;
    o["core"] = k;
    o["chip"] = stages[k].chip;
    o["seconds"] = stages[k].seconds;
    o["macs"] = (s.get("tensor_engine.macs") + s.get("vector_engine.macs")) / inv;
    o["dram_bytes"] = bytes / inv;
    o["tensor_utilization"] =
        busy > 0 ? static_cast<double>(s.get("tensor_engine.macs")) / (peak * busy) : 0.0;
    a.push_back(std::move(o));
  }
  return a;
}

// The engines' busy cycles and the SBUF figures, per invocation.
void add_engines(json& j, const config::RunConfig& rc, const std::vector<StageResult>& stages,
                 uint32_t inv, double peak) {
  const double busy = per_invocation(stages, "tensor_engine.busy_cycles", inv);
  j["tensor_engine"]["busy_cycles"] = whole(busy);
  j["tensor_engine"]["utilization"] =
      busy > 0 ? per_invocation(stages, "tensor_engine.macs", inv) / (peak * busy) : 0.0;
  j["tensor_engine"]["matmuls"] = whole(per_invocation(stages, "tensor_engine.matmuls", inv));
  for (const char* e : {"vector_engine", "scalar_engine", "gpsimd_engine"}) {
    if (std::string(e) == "scalar_engine" && !rc.hw.engines.scalar) continue;
    if (std::string(e) == "gpsimd_engine" && !rc.hw.engines.gpsimd) continue;
    j[e]["busy_cycles"] = whole(per_invocation(stages, std::string(e) + ".busy_cycles", inv));
  }
  uint64_t sbuf_peak = 0;
  for (const StageResult& s : stages)
    sbuf_peak = std::max(sbuf_peak, s.stats->get("state_buffer.peak_bytes"));
  j["state_buffer"]["capacity_bytes"] = rc.hw.state_buffer.capacity;
  j["state_buffer"]["peak_bytes"] = sbuf_peak;
  j["state_buffer"]["port_stall_cycles"] =
      whole(per_invocation(stages, "state_buffer.port_stall_cycles", inv));
}

// The `deployment` block: the stages, the bottleneck (the slowest simulated stage), the link
// bytes (every stage's outputs but the last's).
void add_deployment(json& j, const config::RunConfig& rc, const std::vector<StageResult>& stages,
                    const PipelineTiming& t, double peak) {
  const uint32_t inv = t.invocations;
  const size_t n = rc.deployment.cores;
  size_t bottleneck = 0;
  bool all_static = true;
  double link = 0;
  for (size_t g = 0; g < stages.size(); ++g) {
    if (g < n && stages[g].seconds > stages[bottleneck].seconds) bottleneck = g;
    all_static = all_static && stages[g].static_weights;
    if (g % n + 1 < n)
      link += static_cast<double>(stages[g].stats->get("dram.write_bytes.io")) / inv;
  }
  double period = 0;
  for (double p : t.replica_periods) period += p;
  json& d = j["deployment"];
  d["mode"] = "pipeline";
  d["cores"] = n;
  d["replicas"] = rc.deployment.replicas;
  d["chips"] = t.chips;
  d["invocations"] = inv;
  d["period_s"] = period / static_cast<double>(t.replica_periods.size());
  d["bottleneck_stage"] = bottleneck;
  d["static_weights"] = all_static;
  d["link_bytes_per_inference"] = link / static_cast<double>(rc.batch * t.replica_periods.size());
  d["per_core"] = per_core(stages, inv, peak);
  d["stages"] = stage_list(std::vector<StageResult>(stages.begin(), stages.begin() + n));
}

}  // namespace

json pipeline_summary(const config::RunConfig& rc, const std::vector<StageResult>& stages,
                      const PipelineTiming& t) {
  const uint32_t inv = t.invocations;
  const auto& te = rc.hw.tensor_engine;
  const double f = te.clock_hz, cores = static_cast<double>(stages.size());
  const size_t n = rc.deployment.cores;
  const double replicas = static_cast<double>(t.replica_periods.size());
  const double peak = double(te.rows) * te.cols * config::rate_for(te.rate, rc.dtype);
  json j = summary_head(rc);
  bool fits = true, tiled = false;
  uint64_t spilled = 0, planned_peak = 0, instructions = 0;
  for (const StageResult& s : stages) {
    fits = fits && s.program->fits;
    tiled = tiled || s.program->tiled;
    spilled += s.program->spilled_tensors;
    planned_peak = std::max(planned_peak, s.program->sbuf_peak);
    instructions += s.program->instructions();
  }
  j["fits"] = fits;
  const double seconds = static_cast<double>(t.first_cycles) / f;
  j["cycles"] = t.first_cycles;
  j["seconds"] = seconds;
  // The host feeds the first stage and takes the last one's outputs.
  const config::RunConfig host = core_run(rc, 1);
  const double io = static_cast<double>(workload::dtype_bytes(rc.io_dtype)) /
                    static_cast<double>(workload::dtype_bytes(rc.dtype)) /
                    host.hw.host.link_bandwidth;
  const double in_s = static_cast<double>(stages.front().program->input_bytes) * io;
  const double out_s = static_cast<double>(stages[n - 1].program->output_bytes) * io;
  const double latency = rc.hw.host.overhead_s + in_s + seconds + out_s;
  j["latency_s"] = latency;
  // Each replica its own requests in flight: host.requests_in_flight per core of it.
  double throughput = 0, period = 0;
  for (double p : t.replica_periods) {
    const double eff = invocation_period(p, latency, rc.hw.host.requests_in_flight * n);
    throughput += static_cast<double>(rc.batch) / eff;
    period += eff / replicas;
  }
  j["throughput_inferences_per_s"] = throughput;
  const double macs = per_invocation(stages, "tensor_engine.macs", inv) +
                      per_invocation(stages, "vector_engine.macs", inv);
  j["macs"] = whole(macs);
  const double all = add_traffic(j, stages, n, inv);
  j["dram"]["bytes_per_inference"] = all / (static_cast<double>(rc.batch) * replicas);
  add_engines(j, rc, stages, inv, peak);
  // achieved: every replica's invocation's MACs every (mean) period
  add_bounds(j, macs, all, peak, cores, rc.hw.chip->dram.bandwidth * t.chips, f, period);
  j["host"]["overhead_s"] = rc.hw.host.overhead_s;
  j["host"]["input_transfer_s"] = in_s;
  j["host"]["output_transfer_s"] = out_s;
  j["plan"]["spilled_tensors"] = spilled;
  j["plan"]["planned_peak_bytes"] = planned_peak;
  j["plan"]["instructions"] = instructions;
  j["plan"]["tiled"] = tiled;
  add_deployment(j, rc, stages, t, peak);
  return j;
}

}  // namespace ncore::report
