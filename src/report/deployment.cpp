// Outputs of a multi-core deployment (see deployment.h).
#include "report/deployment.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "report/outputs.h"

namespace ncore::report {

using json = nlohmann::ordered_json;

config::RunConfig core_run(const config::RunConfig& rc, uint32_t copies) {
  config::RunConfig r = rc;
  const config::ChipConfig& chip = *rc.hw.chip;
  r.hw.dram = chip.dram;
  r.hw.host.link_bandwidth =
      std::min(rc.hw.host.link_bandwidth, chip.host_link_bandwidth / std::max(copies, 1u));
  return r;
}

namespace {

double num(const json& j) {
  return j.get<double>();
}

// Sums the field at `path` (a JSON pointer) over the cores' summaries.
double sum(const std::vector<CoreResult>& cores, const json::json_pointer& path) {
  double s = 0;
  for (const CoreResult& c : cores) s += num(c.summary.at(path));
  return s;
}

double max_of(const std::vector<CoreResult>& cores, const json::json_pointer& path) {
  double m = 0;
  for (const CoreResult& c : cores) m = std::max(m, num(c.summary.at(path)));
  return m;
}

// Replaces every integer counter of `j` under `path` by the cores' sum.
void sum_counters(json& j, const std::vector<CoreResult>& cores, const std::string& path) {
  for (auto it = j.at(json::json_pointer(path)).begin(); it != j.at(json::json_pointer(path)).end();
       ++it)
    if (it->is_number_unsigned())
      *it = static_cast<uint64_t>(sum(cores, json::json_pointer(path + "/" + it.key())));
}

// options.client_batch split over the copies as evenly as it goes (the first ones one more),
// each copy cutting its share into compiled batches (client_timing); the deployment's last
// completion is the latest copy's.
void add_client(json& j, const config::RunConfig& rc, const std::vector<CoreResult>& cores) {
  const uint64_t n = rc.options.client_batch, k = cores.size();
  json& c = j["client"];
  uint64_t invocations = 0, padded = 0;
  double first = 0, last = 0;
  for (uint64_t i = 0; i < k; ++i) {
    const uint64_t share = n / k + (i < n % k ? 1 : 0);
    if (share == 0) continue;
    const json& s = cores[i].summary;
    const ClientTiming t = client_timing(
        share, rc.batch, num(s["host"]["overhead_s"]) + num(s["host"]["input_transfer_s"]),
        num(s["seconds"]), num(s["host"]["output_transfer_s"]));
    invocations += t.invocations;
    padded += t.padded_samples;
    first = first == 0 ? t.first_completion_s : std::min(first, t.first_completion_s);
    last = std::max(last, t.last_completion_s);
  }
  c["invocations"] = invocations;
  c["padded_samples"] = padded;
  c["first_completion_s"] = first;
  c["last_completion_s"] = last;
  c["throughput_inferences_per_s"] = static_cast<double>(n) / last;
}

// The energy fields summed over the cores, with the chips' DRAM row activations (dram.model
// banks: the cores' own counters do not see the shared DRAM's rows).
void add_energy(json& j, const config::RunConfig& rc, const std::vector<CoreResult>& cores,
                const std::vector<const base::Stats*>& chips) {
  json& e = j["energy"];
  for (auto it = e.begin(); it != e.end(); ++it)
    *it = sum(cores, json::json_pointer("/energy/" + it.key()));
  const auto& d = rc.hw.chip->dram;
  if (d.model == config::DramModel::banks) {
    double misses = 0;
    for (const base::Stats* s : chips) misses += static_cast<double>(s->get("dram.row_misses"));
    const double act = misses * d.timing.activate_pj * 1e-12;
    e["dram_j"] = num(e["dram_j"]) + act;
    e["total_j"] = num(e["total_j"]) + act;
  }
  e["per_inference_j"] = num(e["total_j"]) / static_cast<double>(rc.batch * cores.size());
}

json per_core(const std::vector<CoreResult>& cores) {
  json a = json::array();
  for (size_t i = 0; i < cores.size(); ++i) {
    const json& s = cores[i].summary;
    uint64_t bytes = 0;
    for (const char* dir : {"read_bytes", "write_bytes"})
      for (const auto& v : s["dram"][dir]) bytes += v.get<uint64_t>();
    json c;
    c["core"] = i;
    c["chip"] = cores[i].chip;
    for (const char* k : {"cycles", "seconds", "latency_s", "throughput_inferences_per_s", "macs"})
      c[k] = s[k];
    c["dram_bytes"] = bytes;
    c["dram_bytes_per_s"] =
        num(s["seconds"]) > 0 ? static_cast<double>(bytes) / num(s["seconds"]) : 0.0;
    c["tensor_utilization"] = s["tensor_engine"]["utilization"];
    a.push_back(std::move(c));
  }
  return a;
}

}  // namespace

json deployment_summary(const config::RunConfig& rc, const std::vector<CoreResult>& cores,
                        const std::vector<const base::Stats*>& chips) {
  using ptr = json::json_pointer;
  json j = cores.front().summary;
  const double n = static_cast<double>(cores.size());
  const double seconds = max_of(cores, ptr("/seconds"));
  j["cycles"] = static_cast<uint64_t>(max_of(cores, ptr("/cycles")));
  j["seconds"] = seconds;
  j["latency_s"] = max_of(cores, ptr("/latency_s"));
  j["throughput_inferences_per_s"] = sum(cores, ptr("/throughput_inferences_per_s"));
  const double macs = sum(cores, ptr("/macs"));
  j["macs"] = static_cast<uint64_t>(macs);
  sum_counters(j, cores, "/dram/read_bytes");
  sum_counters(j, cores, "/dram/write_bytes");
  double bytes = 0;
  for (const char* dir : {"read_bytes", "write_bytes"})
    for (const auto& v : j["dram"][dir]) bytes += num(v);
  j["dram"]["bytes_per_inference"] = bytes / (static_cast<double>(rc.batch) * n);
  const auto& chip = *rc.hw.chip;
  if (chip.dram.model == config::DramModel::banks)
    for (const char* k : {"row_hits", "row_misses", "refreshes"}) {
      uint64_t v = 0;
      for (const base::Stats* s : chips) v += s->get(std::string("dram.") + k);
      j["dram"][k] = v;
    }
  // Utilization: the cores' weighted by their busy cycles (each core's MACs / its peak over its
  // busy cycles).
  double busy = 0, weighted = 0;
  for (const CoreResult& c : cores) {
    const double b = num(c.summary["tensor_engine"]["busy_cycles"]);
    busy += b;
    weighted += b * num(c.summary["tensor_engine"]["utilization"]);
  }
  sum_counters(j, cores, "/tensor_engine");
  j["tensor_engine"]["utilization"] = busy > 0 ? weighted / busy : 0.0;
  for (const char* e : {"vector_engine", "scalar_engine", "gpsimd_engine"})
    if (j.contains(e)) sum_counters(j, cores, std::string("/") + e);
  j["state_buffer"]["peak_bytes"] =
      static_cast<uint64_t>(max_of(cores, ptr("/state_buffer/peak_bytes")));
  j["state_buffer"]["port_stall_cycles"] =
      static_cast<uint64_t>(sum(cores, ptr("/state_buffer/port_stall_cycles")));
  const double f = rc.hw.tensor_engine.clock_hz;
  const double peak_per_cycle = num(j["roofline"]["peak_macs_per_s"]) / f;
  const double dram_bw = chip.dram.bandwidth * static_cast<double>(chips.size());
  add_bounds(j, macs, bytes, peak_per_cycle, n, dram_bw, f, seconds);
  if (j.contains("energy")) add_energy(j, rc, cores, chips);
  if (rc.options.client_batch) add_client(j, rc, cores);
  double period = 0;
  for (const CoreResult& c : cores)
    period = std::max(
        period, static_cast<double>(rc.batch) / num(c.summary["throughput_inferences_per_s"]));
  json& d = j["deployment"];
  d["mode"] = "data_parallel";
  d["cores"] = cores.size();
  d["replicas"] = 1;
  d["chips"] = chips.size();
  d["period_s"] = period;
  d["bottleneck_stage"] = nullptr;
  d["static_weights"] = rc.options.static_weights;
  d["per_core"] = per_core(cores);
  d["stages"] = json::array();
  return j;
}

void add_bounds(json& j, double macs, double bytes, double peak_per_cycle, double cores,
                double dram_bw, double f, double seconds) {
  j["bounds"]["compute_cycles"] = std::ceil(macs / (peak_per_cycle * cores));
  j["bounds"]["dram_cycles"] = std::ceil(bytes / (dram_bw / f));
  j["roofline"]["peak_macs_per_s"] = peak_per_cycle * f * cores;
  j["roofline"]["peak_dram_bytes_per_s"] = dram_bw;
  j["roofline"]["operational_intensity"] = bytes > 0 ? macs / bytes : 0.0;
  j["roofline"]["achieved_macs_per_s"] = seconds > 0 ? macs / seconds : 0.0;
}

std::string deployment_layers_csv(const config::RunConfig& rc,
                                  const std::vector<const isa::Program*>& programs,
                                  const std::vector<const base::Stats*>& cores) {
  std::string out;
  for (size_t c = 0; c < cores.size(); ++c) {
    std::istringstream in(layers_csv(rc, *programs[c], *cores[c]));
    std::string line;
    for (bool header = true; std::getline(in, line); header = false) {
      if (header && c > 0) continue;
      out += (header ? std::string("core") : std::to_string(c)) + "," + line + "\n";
    }
  }
  return out;
}

}  // namespace ncore::report
