// Output writers (see outputs.h).
#include "report/outputs.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "ncore_version.h"  // generated at build time: NCORE_VERSION_STRING
#include "report/files.h"

namespace ncore::report {

using json = nlohmann::ordered_json;

std::string version_string() {
  return NCORE_VERSION_STRING;
}

ClientTiming client_timing(uint64_t n, uint64_t b, double h, double d, double o) {
  ClientTiming t;
  t.invocations = (n + b - 1) / b;
  t.padded_samples = t.invocations * b - n;
  t.first_completion_s = h + d + o;
  t.last_completion_s =
      t.first_completion_s + static_cast<double>(t.invocations - 1) * std::max({h, d, o});
  t.throughput_inferences_per_s = static_cast<double>(n) / t.last_completion_s;
  return t;
}

double invocation_period(double device_s, double latency_s, double in_flight) {
  if (in_flight <= 0) return device_s;
  return std::max(device_s, latency_s / in_flight);
}

std::string csv_cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  }
  return v.dump();
}

namespace {

// The traffic classes' names in isa::TrafficClass order (isa::traffic_class_name is the source).
const std::array<const char*, isa::kTrafficClasses> kClasses = [] {
  std::array<const char*, isa::kTrafficClasses> names{};
  for (int c = 0; c < isa::kTrafficClasses; ++c)
    names[static_cast<size_t>(c)] = isa::traffic_class_name(static_cast<isa::TrafficClass>(c));
  return names;
}();

double peak_rate(const config::RunConfig& rc) {
  return config::rate_for(rc.hw.tensor_engine.rate, rc.dtype);
}

uint64_t total_cycles(const Stats& s) {
  uint64_t start = UINT64_MAX, end = 0;
  for (const auto& l : s.layers()) {
    if (l.end == 0 && l.start == UINT64_MAX) continue;
    start = std::min(start, l.start);
    end = std::max(end, l.end);
  }
  return end > start ? end - start : 0;
}

void add_client(json& j, const config::RunConfig& rc, double device_s, double in_s, double out_s) {
  const ClientTiming t = client_timing(rc.options.client_batch, rc.batch,
                                       rc.hw.host.overhead_s + in_s, device_s, out_s);
  json& c = j["client"];
  c["batch"] = rc.options.client_batch;
  c["invocations"] = t.invocations;
  c["padded_samples"] = t.padded_samples;
  const bool ran = device_s >= 0;  // not simulated: no times
  c["first_completion_s"] = ran ? json(t.first_completion_s) : json(nullptr);
  c["last_completion_s"] = ran ? json(t.last_completion_s) : json(nullptr);
  c["throughput_inferences_per_s"] = ran ? json(t.throughput_inferences_per_s) : json(nullptr);
}

// Energy of the invocation from the counters (joules), and per inference.
void add_energy(json& j, const config::RunConfig& rc, const Stats& s) {
  const auto& e = rc.hw.energy;
  const double pj = 1e-12;
  const double tensor =
      static_cast<double>(s.get("tensor_engine.macs")) * config::rate_for(e.mac_pj, rc.dtype) * pj;
  // The scalar and GpSimd engines' lane-cycles at the vector engine's energy: assumption.
  const double vector =
      static_cast<double>(s.get("vector_engine.lane_cycles") + s.get("scalar_engine.lane_cycles") +
                          s.get("gpsimd_engine.lane_cycles")) *
      e.vector_pj_per_op * pj;
  const double sbuf =
      static_cast<double>(s.get("state_buffer.port_bytes")) * e.sbuf_pj_per_byte * pj;
  const double psum = static_cast<double>(s.get("psum.write_bytes") + s.get("psum.read_bytes")) *
                      e.psum_pj_per_byte * pj;
  uint64_t dram_bytes = 0;
  for (const char* c : kClasses)
    dram_bytes +=
        s.get(std::string("dram.read_bytes.") + c) + s.get(std::string("dram.write_bytes.") + c);
  // The banked DRAM model: its preset's energy per byte and per row activation; otherwise the
  // energy table's per byte.
  const auto& d = rc.hw.dram;
  const bool banks = d.model == config::DramModel::banks;
  const double dram =
      static_cast<double>(dram_bytes) * (banks ? d.timing.pj_per_byte : e.dram_pj_per_byte) * pj +
      (banks ? static_cast<double>(s.get("dram.row_misses")) * d.timing.activate_pj * pj : 0.0);
  const double stat = (e.static_tensor_w + e.static_vector_w + e.static_dma_w + e.static_sbuf_w) *
                      j["seconds"].get<double>();
  const double total = tensor + vector + sbuf + psum + dram + stat;
  json& o = j["energy"];
  o["tensor_j"] = tensor;
  o["vector_j"] = vector;
  o["sbuf_j"] = sbuf;
  o["psum_j"] = psum;
  o["dram_j"] = dram;
  o["static_j"] = stat;
  o["total_j"] = total;
  o["per_inference_j"] = total / static_cast<double>(rc.batch);
}

// The simulated figures: timing, traffic, engines, bounds and roofline.
void add_simulated(json& j, const config::RunConfig& rc, const Stats* s, double in_s,
                   double out_s) {
  const auto& te = rc.hw.tensor_engine;
  const double f = te.clock_hz;
  const uint64_t cycles = total_cycles(*s);
  const double seconds = static_cast<double>(cycles) / f;
  j["cycles"] = cycles;
  j["seconds"] = seconds;
  const double latency_s = rc.hw.host.overhead_s + in_s + seconds + out_s;
  j["latency_s"] = latency_s;
  const double period = invocation_period(seconds, latency_s, rc.hw.host.requests_in_flight);
  j["throughput_inferences_per_s"] = period > 0 ? static_cast<double>(rc.batch) / period : 0.0;
  // the MatMuls' and the vector engine's (convs lowered `vector`)
  j["macs"] = s->get("tensor_engine.macs") + s->get("vector_engine.macs");
  uint64_t all = 0;
  for (const char* c : kClasses) {
    const uint64_t r = s->get(std::string("dram.read_bytes.") + c);
    const uint64_t w = s->get(std::string("dram.write_bytes.") + c);
    j["dram"]["read_bytes"][c] = r;
    j["dram"]["write_bytes"][c] = w;
    all += r + w;
  }
  j["dram"]["bytes_per_inference"] = static_cast<double>(all) / static_cast<double>(rc.batch);
  if (rc.hw.dram.model == config::DramModel::banks)
    for (const char* k : {"row_hits", "row_misses", "refreshes"})
      j["dram"][k] = s->get(std::string("dram.") + k);
  const uint64_t busy = s->get("tensor_engine.busy_cycles");
  j["tensor_engine"]["busy_cycles"] = busy;
  j["tensor_engine"]["utilization"] =
      busy ? static_cast<double>(s->get("tensor_engine.macs")) /
                 (double(te.rows) * te.cols * peak_rate(rc) * static_cast<double>(busy))
           : 0.0;
  j["tensor_engine"]["matmuls"] = s->get("tensor_engine.matmuls");
  j["vector_engine"]["busy_cycles"] = s->get("vector_engine.busy_cycles");
  if (rc.hw.engines.scalar) j["scalar_engine"]["busy_cycles"] = s->get("scalar_engine.busy_cycles");
  if (rc.hw.engines.gpsimd) j["gpsimd_engine"]["busy_cycles"] = s->get("gpsimd_engine.busy_cycles");
  j["state_buffer"]["capacity_bytes"] = rc.hw.state_buffer.capacity;
  j["state_buffer"]["peak_bytes"] = s->get("state_buffer.peak_bytes");
  j["state_buffer"]["port_stall_cycles"] = s->get("state_buffer.port_stall_cycles");
  // The two roofline bounds no run may beat (DESIGN.md "Correctness is checked").
  const double macs = j["macs"].get<double>();
  j["bounds"]["compute_cycles"] = std::ceil(macs / (double(te.rows) * te.cols * peak_rate(rc)));
  j["bounds"]["dram_cycles"] = std::ceil(static_cast<double>(all) / (rc.hw.dram.bandwidth / f));
  // Where the point sits on the roofline: MACs per DRAM byte against the two ceilings.
  j["roofline"]["peak_macs_per_s"] = double(te.rows) * te.cols * peak_rate(rc) * f;
  j["roofline"]["peak_dram_bytes_per_s"] = rc.hw.dram.bandwidth;
  j["roofline"]["operational_intensity"] = all ? macs / static_cast<double>(all) : 0.0;
  j["roofline"]["achieved_macs_per_s"] = seconds > 0 ? macs / seconds : 0.0;
}

// An infeasible point: null for every timing, traffic and rate field (DESIGN.md exit codes).
void add_nulls(json& j, const config::RunConfig& rc) {
  for (const char* k : {"cycles", "seconds", "latency_s", "throughput_inferences_per_s", "macs"})
    j[k] = nullptr;
  for (const char* c : kClasses) {
    j["dram"]["read_bytes"][c] = nullptr;
    j["dram"]["write_bytes"][c] = nullptr;
  }
  j["dram"]["bytes_per_inference"] = nullptr;
  j["tensor_engine"]["busy_cycles"] = nullptr;
  j["tensor_engine"]["utilization"] = nullptr;
  j["vector_engine"]["busy_cycles"] = nullptr;
  if (rc.hw.engines.scalar) j["scalar_engine"]["busy_cycles"] = nullptr;
  if (rc.hw.engines.gpsimd) j["gpsimd_engine"]["busy_cycles"] = nullptr;
  j["state_buffer"]["capacity_bytes"] = rc.hw.state_buffer.capacity;
  j["state_buffer"]["peak_bytes"] = nullptr;
}

}  // namespace

json summary_head(const config::RunConfig& rc) {
  json j;
  j["version"] = version_string();
  j["model"] = rc.model.name;
  j["hw"] = rc.hw.name;
  j["dtype"] = workload::dtype_name(rc.dtype);
  j["batch"] = rc.batch;
  return j;
}

json make_summary(const config::RunConfig& rc, const isa::Program& p, const Stats* s) {
  json j = summary_head(rc);
  j["fits"] = p.fits;
  // The host moves the model's inputs and outputs in io_dtype.
  const double io = static_cast<double>(workload::dtype_bytes(rc.io_dtype)) /
                    static_cast<double>(workload::dtype_bytes(rc.dtype)) /
                    rc.hw.host.link_bandwidth;
  const double in_s = static_cast<double>(p.input_bytes) * io;
  const double out_s = static_cast<double>(p.output_bytes) * io;
  if (s)
    add_simulated(j, rc, s, in_s, out_s);
  else
    add_nulls(j, rc);
  if (s && rc.hw.energy.enabled) add_energy(j, rc, *s);
  if (!p.feasible) {
    j["infeasible"]["layer"] = p.infeasible.layer;
    j["infeasible"]["shortfall_bytes"] = p.infeasible.shortfall_bytes;
    j["infeasible"]["reason"] = p.infeasible.reason;
    j["infeasible"]["resource"] = p.infeasible.resource;
  }
  if (rc.options.client_batch)
    add_client(j, rc, s ? j["seconds"].get<double>() : -1.0, in_s, out_s);
  j["host"]["overhead_s"] = rc.hw.host.overhead_s;
  j["host"]["input_transfer_s"] = in_s;
  j["host"]["output_transfer_s"] = out_s;
  j["plan"]["spilled_tensors"] = p.spilled_tensors;
  j["plan"]["planned_peak_bytes"] = p.feasible ? json(p.sbuf_peak) : json(nullptr);
  j["plan"]["instructions"] = p.instructions();
  j["plan"]["tiled"] = p.tiled;
  if (rc.options.prefetch_fill) j["plan"]["weight_buffers"] = p.weight_buffers;
  return j;
}

std::string layers_csv(const config::RunConfig& rc, const isa::Program& p, const Stats& s) {
  const auto& te = rc.hw.tensor_engine;
  std::ostringstream o;
  const bool scalar = rc.hw.engines.scalar, gpsimd = rc.hw.engines.gpsimd;
  o << "layer,kind,order,macs,start_cycle,end_cycle,tensor_busy_cycles,vector_busy_cycles,"
    << (scalar ? "scalar_busy_cycles," : "") << (gpsimd ? "gpsimd_busy_cycles," : "")
    << "dma_busy_cycles,stall_cycles,tensor_utilization,read_weights,read_io,read_spill,"
       "write_io,write_spill,read_kv,write_kv,sbuf_bytes,sbuf_port_stall_cycles,lowering\n";
  for (size_t i = 0; i < p.layers.size(); ++i) {
    const isa::LayerPlan& lp = p.layers[i];
    const LayerStats& ls = s.layers()[i];
    const bool ran = ls.start != UINT64_MAX;
    o << csv_cell(lp.name) << ',' << lp.kind << ',' << isa::order_name(lp.order) << ',' << ls.macs
      << ',';
    if (ran)
      o << ls.start << ',' << ls.end;
    else
      o << ',';
    o << ',' << ls.tensor_busy << ',' << ls.vector_busy << ',';
    if (scalar) o << ls.scalar_busy << ',';
    if (gpsimd) o << ls.gpsimd_busy << ',';
    o << ls.dma_busy() << ',' << ls.stall << ',';
    if (ls.tensor_busy)
      o << json(static_cast<double>(ls.macs) /
                (double(te.rows) * te.cols * peak_rate(rc) * static_cast<double>(ls.tensor_busy)))
               .dump();
    o << ',' << ls.read_bytes[0] << ',' << ls.read_bytes[1] << ',' << ls.read_bytes[2] << ','
      << ls.write_bytes[1] << ',' << ls.write_bytes[2] << ',' << ls.read_bytes[3] << ','
      << ls.write_bytes[3] << ',' << lp.sbuf_bytes << ',' << ls.port_stall << ','
      << isa::lowering_name(lp.lowering) << '\n';
  }
  return o.str();
}

namespace {

// One instruction's complete event ("ph":"X") appended to `out`: compiled formats into a buffer
// on the stack, appended at once (runtime format strings, per-event strings and appending to a
// std::string through an iterator cost most of a traced run).
void append_instr_event(std::string& out, const isa::Program& p, const TraceRecord& r,
                        const std::string& layer, double us_per_cycle, int pid) {
  fmt::memory_buffer buf;
  auto it = fmt::appender(buf);
  const auto op = static_cast<isa::Op>(r.op);
  if (op == isa::Op::matmul) {
    fmt::format_to(it, FMT_COMPILE(R"({{"name":"MatMul {}x{}x{})"), r.a, r.b, r.c);
  } else {
    const std::string_view name =
        op == isa::Op::vector
            ? (p.layers[r.layer].matmuls ? std::string_view("evict") : p.layers[r.layer].kind)
            : (op == isa::Op::dma_read ? "read " : "write ");
    fmt::format_to(it, FMT_COMPILE(R"({{"name":"{}{})"), name,
                   op == isa::Op::vector ? "" : kClasses[r.b]);
  }
  fmt::format_to(
      it,
      FMT_COMPILE(
          R"(","cat":{},"ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"args":{{"layer":{},"start_cycle":{},"cycles":{},)"),
      layer, pid, r.engine, static_cast<double>(r.start) * us_per_cycle,
      static_cast<double>(r.end - r.start) * us_per_cycle, layer, r.start, r.end - r.start);
  if (op == isa::Op::matmul)
    fmt::format_to(it, FMT_COMPILE(R"("K":{},"M":{},"N":{}}}}})"), r.a, r.b, r.c);
  else if (op == isa::Op::vector)
    fmt::format_to(it, FMT_COMPILE(R"("vector_cycles":{}}}}})"), r.a);
  else
    fmt::format_to(it, FMT_COMPILE(R"("bytes":{},"class":"{}"}}}})"), r.a, kClasses[r.b]);
  out.append(buf.data(), buf.size());
}

// The DRAM bytes served in each bin of `bin` cycles up to `end`: each channel's share of each
// transfer spread over the cycles that channel served it, so no bin exceeds the peak.
std::vector<double> dram_bins(const Stats& s, uint64_t end, uint64_t bin) {
  std::vector<double> bytes_in_bin(end / bin + 1, 0.0);
  for (const auto& r : s.dram_busy) {
    if (r.end <= r.start) continue;
    const double per_cycle = static_cast<double>(r.bytes) / static_cast<double>(r.end - r.start);
    for (uint64_t b0 = r.start / bin; b0 * bin < r.end && b0 < bytes_in_bin.size(); ++b0) {
      const uint64_t lo = std::max(r.start, b0 * bin), hi = std::min(r.end, (b0 + 1) * bin);
      bytes_in_bin[b0] += per_cycle * static_cast<double>(hi - lo);
    }
  }
  return bytes_in_bin;
}

}  // namespace

// Written as text line by line (a DOM of 10^5..10^6 events costs gigabytes): one event per line.
void trace_json(const config::RunConfig& rc, const isa::Program& p,
                const std::vector<TraceProcess>& procs,
                const std::function<void(std::string_view)>& sink) {
  const double us_per_cycle = 1e6 / rc.hw.tensor_engine.clock_hz;
  auto ts = [&](uint64_t c) { return static_cast<double>(c) * us_per_cycle; };
  auto quoted = [](const std::string& v) { return json(v).dump(); };
  constexpr size_t kPiece = size_t{1} << 20;
  std::string out;
  out.reserve(kPiece + 4096);
  bool first = true;
  auto next = [&] {  // before each event: hand over a full piece, then the separator
    if (out.size() >= kPiece) {
      sink(out);
      out.clear();
    }
    out += first ? "{\"traceEvents\":[\n" : ",\n";
    first = false;
  };
  auto it = std::back_inserter(out);
  uint64_t end = 0;
  for (size_t pid = 0; pid < procs.size(); ++pid) {
    const TraceProcess& proc = procs[pid];
    const isa::Program& pp = proc.program ? *proc.program : p;
    std::vector<std::string> layer_names;
    for (const auto& l : pp.layers) layer_names.push_back(quoted(l.name));
    next();
    fmt::format_to(
        it, FMT_COMPILE(R"({{"name":"process_name","ph":"M","pid":{},"args":{{"name":{}}}}})"), pid,
        quoted(proc.name));
    if (!proc.core) continue;
    for (size_t e = 0; e < pp.engines(); ++e) {
      const std::string name =
          e < pp.first_dma() ? std::string(isa::compute_engine_name(pp.compute[e])) + " engine"
                             : "dma queue " + std::to_string(e - pp.first_dma());
      next();
      fmt::format_to(
          it,
          FMT_COMPILE(
              R"({{"name":"thread_name","ph":"M","pid":{},"tid":{},"args":{{"name":"{}"}}}})"),
          pid, e, name);
    }
    for (const TraceRecord& r : proc.stats->trace) {
      end = std::max(end, r.end);
      next();
      append_instr_event(out, pp, r, layer_names[r.layer], us_per_cycle, static_cast<int>(pid));
    }
    for (const auto& [cycle, bytes] : proc.stats->sbuf_samples) {
      next();
      fmt::format_to(
          it,
          FMT_COMPILE(
              R"({{"name":"SBUF occupancy","ph":"C","pid":{},"ts":{},"args":{{"bytes":{}}}}})"),
          pid, ts(cycle), bytes);
    }
  }
  // DRAM bandwidth in bins of ~1/500 of the run (dram_bins), on the process that holds the
  // DRAM: the core, or its chip.
  const uint64_t bin = std::max<uint64_t>(1, end / 500 + 1);
  const double secs_per_bin = static_cast<double>(bin) / rc.hw.tensor_engine.clock_hz;
  for (size_t pid = 0; pid < procs.size(); ++pid) {
    if (!procs[pid].dram) continue;
    const std::vector<double> bytes_in_bin = dram_bins(*procs[pid].stats, end, bin);
    for (size_t b0 = 0; b0 < bytes_in_bin.size(); ++b0) {
      next();
      fmt::format_to(
          it,
          FMT_COMPILE(
              R"({{"name":"DRAM bandwidth","ph":"C","pid":{},"ts":{},"args":{{"GB/s":{}}}}})"),
          pid, ts(b0 * bin), bytes_in_bin[b0] / secs_per_bin / 1e9);
    }
  }
  out += fmt::format(
      "\n],\"displayTimeUnit\":\"ns\",\"otherData\":{{\"version\":{},\"model\":{},\"hw\":{},"
      "\"batch\":{}}}}}\n",
      quoted(version_string()), quoted(rc.model.name), quoted(rc.hw.name), rc.batch);
  sink(out);
}

void write_trace(const std::string& path, const config::RunConfig& rc, const isa::Program& p,
                 const std::vector<TraceProcess>& procs) {
  OutputFile trace(path);
  trace_json(rc, p, procs, [&](std::string_view piece) { trace.write(piece); });
  trace.commit();
}

}  // namespace ncore::report
