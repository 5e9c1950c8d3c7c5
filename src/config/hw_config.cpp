// Reads a hardware description (configs/hw/*.yaml) into HwConfig and writes it back, through one
// key table per section (key_table.h): the tables are also the README's hardware reference
// (`ncoresim keys`). Cross-checks between keys stay here, after the table is read.
#include <algorithm>
#include <limits>

#include "base/strings.h"
#include "config/dram_presets/registry.h"
#include "config/hw_loader.h"

namespace ncore::config {
namespace {

constexpr int64_t kMaxDim = 1 << 16;
constexpr uint64_t kMaxBytes = 1ull << 50;

// The four dtypes' entries of a DtypeRates under `group` ("rate.fp32", ...).
template <class S>
void dtype_keys(KeyTable<S>& t, const std::string& group, DtypeRates S::*rates, Parser<double> p,
                Need need, const std::string& doc) {
  t.number(
       group + ".fp32", [rates](S& s) -> double& { return (s.*rates).fp32; }, p, need, doc)
      .number(
          group + ".fp16", [rates](S& s) -> double& { return (s.*rates).fp16; }, p, need, doc)
      .number(
          group + ".bf16", [rates](S& s) -> double& { return (s.*rates).bf16; }, p, need, doc)
      .number(
          group + ".int8", [rates](S& s) -> double& { return (s.*rates).int8; }, p, need, doc);
}

struct TimingKey {
  const char* key;
  double DramTimingConfig::*field;
  const char* doc;
};
using T = DramTimingConfig;
const TimingKey kTimingKeys[] = {
    {"t_burst", &T::t_burst, "data-bus time of one burst (tCCD_S)"},
    {"t_cl", &T::t_cl, "CAS latency (tCL)"},
    {"t_rcd", &T::t_rcd, "activate to column command (tRCD)"},
    {"t_rp", &T::t_rp, "precharge (tRP)"},
    {"t_ras", &T::t_ras, "activate to precharge (tRAS)"},
    {"t_rrd", &T::t_rrd, "activate to activate in different bank groups (tRRD_S)"},
    {"t_rrd_l", &T::t_rrd_l, "activate to activate within one bank group (tRRD_L)"},
    {"t_ccd_l", &T::t_ccd_l, "burst to burst within one bank group (tCCD_L)"},
    {"t_faw", &T::t_faw, "four-activate window (tFAW)"},
    {"t_rfc", &T::t_rfc, "all-bank refresh blocks the channel this long (tRFC)"},
    {"t_refi", &T::t_refi, "refresh interval (tREFI)"},
    {"t_wtr", &T::t_wtr, "bus turnaround, write to read (tWTR)"},
    {"t_rtw", &T::t_rtw, "bus turnaround, read to write"}};

// An engine's fixed costs (FixedCosts, hw/vector_engine.h), each written only when set.
template <class S>
void fixed_cost_keys(KeyTable<S>& t, FixedCosts S::*f) {
  t.number(
       "static_overhead", [f](S& s) -> double& { return (s.*f).static_overhead; },
       number_in(0, 1e6), Need::optional,
       "engine cycles of fixed cost per instruction: it occupies the engine for at least this "
       "long, and a dependent sees it on top of the streaming (NKI architecture guide: ~100 "
       "cycles on NeuronCore-v2)")
      .written_if([f](const S& s) { return (s.*f).static_overhead > 0; })
      .number(
          "access_overhead", [f](S& s) -> double& { return (s.*f).access_overhead; },
          number_in(0, 1e6), Need::optional,
          "engine cycles per SBUF/PSUM access request, one to read and one to write: latency "
          "that only dependents wait for (NKI architecture guide: ~60 cycles on NeuronCore-v2)")
      .written_if([f](const S& s) { return (s.*f).access_overhead > 0; });
}

template <class S>
void write_section(YAML::Emitter& out, const char* key, const KeyTable<S>& t, const S& s) {
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  t.write(out, s);
  out << YAML::EndMap;
}

}  // namespace

double rate_for(const DtypeRates& r, workload::DType d) {
  switch (d) {
    case workload::DType::fp32:
      return r.fp32;
    case workload::DType::fp16:
      return r.fp16;
    case workload::DType::bf16:
      return r.bf16;
    case workload::DType::int8:
      return r.int8;
  }
  return 1.0;
}

const KeyTable<TensorEngineConfig>& tensor_engine_keys() {
  using S = TensorEngineConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.integer("rows", &S::rows, 1, kMaxDim, Need::required,
              "R: PE rows, the reduction (K) side; at most the SBUF partitions")
        .integer("cols", &S::cols, 1, kMaxDim, Need::required,
                 "C: PE columns, one output channel each; at most the PSUM partitions")
        .number("clock", &S::clock_hz, freq(), Need::required,
                "the core clock: one simulated cycle");
    dtype_keys(k, "rate", &S::rate, number_in(1.0 / 64, 64), Need::optional,
               "MACs per PE per cycle relative to FP16");
    k.integer("issue_interval", &S::issue_interval, 0, 1 << 20, Need::optional,
              "I: a MatMul streams at least this many cycles")
        .choice<WeightPreload>(
            "weight_preload", &S::weight_preload,
            {{"none", WeightPreload::none}, {"background", WeightPreload::background}},
            Need::optional,
            "`none`: each MatMul loads its tile in R cycles; `background`: the next tile loads "
            "while the previous MatMul streams")
        .number("preload_speedup", &S::preload_speedup, number_in(1, 1024), Need::optional,
                "s: a background load takes ⌈R/s⌉ cycles")
        .choice<ArrayTiming>(
            "timing", &S::timing,
            {{"serial", ArrayTiming::serial}, {"pipelined", ArrayTiming::pipelined}},
            Need::optional,
            "`serial`: a MatMul occupies the array for load + max(⌈N/rate⌉, I) + R + C − 2 "
            "(SCALE-Sim's count); `pipelined`: for load + max(⌈N/rate⌉, I), the next one "
            "issuing then (the NKI guide's initiation interval), and R + C − 2 is latency that "
            "only its dependents wait for")
        .written_if([](const S& s) { return s.timing != ArrayTiming::serial; })
        .choice<ConvLowering>(
            "conv_lowering", &S::conv_lowering,
            {{"packed", ConvLowering::packed},
             {"cost", ConvLowering::cost},
             {"im2col", ConvLowering::im2col},
             {"taps", ConvLowering::taps}},
            Need::optional,
            "a k×k conv: `packed`, its (C_in·kh·kw) reduction in R-row K blocks with no copy; "
            "`im2col`, the same plus an on-chip DMA copy (time and SBUF); `taps`, kh·kw "
            "accumulating MatMuls of ≤ R input channels each; `cost`, per layer the cheaper")
        .written_if([](const S& s) { return s.conv_lowering != ConvLowering::packed; })
        .choice<GroupedLowering>(
            "grouped_lowering", &S::grouped_lowering,
            {{"array", GroupedLowering::array},
             {"cost", GroupedLowering::cost},
             {"vector", GroupedLowering::vector},
             {"block_diagonal", GroupedLowering::block_diagonal}},
            Need::optional,
            "a grouped or depthwise conv: `array`, a MatMul per group; `vector`, the MACs on the "
            "vector engine; `block_diagonal`, groups packed on one tile's diagonal; `cost`, per "
            "layer the cheaper of the last two")
        .written_if([](const S& s) { return s.grouped_lowering != GroupedLowering::array; })
        .number("transpose_rate", &S::transpose_rate, number_in(0, 64), Need::optional,
                "rate of a layout transpose (an identity MatMul, see "
                "`vector_engine.transpose_reductions`) relative to FP16; 0: the run dtype's")
        .written_if([](const S& s) { return s.transpose_rate != 0; });
    return k;
  }();
  return t;
}

const KeyTable<VectorEngineConfig>& vector_engine_keys() {
  using S = VectorEngineConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.number("clock", &S::clock_hz, freq(), Need::required, "the vector engine's clock")
        .integer("lanes", &S::lanes, 1, kMaxDim, Need::required,
                 "elements per vector cycle (one per partition)");
    for (const auto& [key, field] : vector_pass_keys()) {
      const auto f = field;
      k.number(
          std::string("passes.") + key, [f](S& s) -> double& { return s.passes.*f; },
          number_in(0.01, 1000), Need::optional,
          std::string("passes over the data of one `") + key +
              "` op: it costs lane-cycles × passes");
    }
    fixed_cost_keys(k, &S::fixed);
    k.boolean("per_input", &S::per_input,
              "an op streams each input: at least N cycles per input tile of N elements per "
              "lane, 2N with two inputs (NKI architecture guide's VectorE cost model)")
        .written_if([](const S& s) { return s.per_input; })
        .boolean("transpose_reductions", &S::transpose_reductions,
                 "a layer that reduces over channels (layernorm, softmax), which lie across the "
                 "lanes, is transposed through the tensor engine (identity MatMul + PSUM "
                 "eviction) before its op and back after it: a lane reduces only its own "
                 "partition (NKI architecture guide, VectorE layout)")
        .written_if([](const S& s) { return s.transpose_reductions; });
    return k;
  }();
  return t;
}

const KeyTable<ScalarEngineConfig>& scalar_engine_keys() {
  using S = ScalarEngineConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.number("clock", &S::clock_hz, freq(), Need::required, "the scalar engine's clock")
        .integer("lanes", &S::lanes, 1, kMaxDim, Need::required,
                 "elements per scalar cycle (one per partition)");
    fixed_cost_keys(k, &S::fixed);
    return k;
  }();
  return t;
}

const KeyTable<GpSimdEngineConfig>& gpsimd_engine_keys() {
  using S = GpSimdEngineConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.number("clock", &S::clock_hz, freq(), Need::required, "the GpSimd engine's clock")
        .integer("lanes", &S::lanes, 1, kMaxDim, Need::required,
                 "32-bit elements per GpSimd cycle over its processors");
    fixed_cost_keys(k, &S::fixed);
    return k;
  }();
  return t;
}

const KeyTable<StateBufferConfig>& state_buffer_keys() {
  using S = StateBufferConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.size("capacity", &S::capacity, 1, kMaxBytes, Need::required, "SBUF bytes")
        .integer("partitions", &S::partitions, 1, kMaxDim, Need::required, "SBUF partitions")
        .number("read_bytes_per_cycle", &S::read_bytes_per_cycle, number_in(0.001, 1 << 24),
                Need::required,
                "per partition and core cycle, the read port: moving data, vector inputs, DMA "
                "to DRAM, shared by all engines and queues")
        .number("write_bytes_per_cycle", &S::write_bytes_per_cycle, number_in(0.001, 1 << 24),
                Need::required,
                "per partition and core cycle, the write port: evictions, vector outputs, DMA "
                "from DRAM")
        .number("shared_bytes_per_cycle", &S::shared_bytes_per_cycle, number_in(0.001, 1 << 24),
                Need::optional,
                "per partition and core cycle, what the SRAM moves in both directions together; "
                "below read + write, DMA writes and engine reads contend for it")
        .written_if([](const S& s) { return s.shared_bytes_per_cycle > 0; })
        .fallback_text("no shared limit");
    return k;
  }();
  return t;
}

const KeyTable<PsumConfig>& psum_keys() {
  using S = PsumConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.size("capacity", &S::capacity, 1, kMaxBytes, Need::required,
           "PSUM bytes; the moving limit N ≤ capacity / partitions / banks / 4")
        .integer("partitions", &S::partitions, 1, kMaxDim, Need::required, "PSUM partitions")
        .integer("banks", &S::banks, 1, 1024, Need::required, "PSUM banks per partition");
    return k;
  }();
  return t;
}

const KeyTable<DramConfig>& dram_keys() {
  using S = DramConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.choice<DramModel>(
         "model", &S::model,
         {{"simple", DramModel::simple}, {"ideal", DramModel::ideal}, {"banks", DramModel::banks}},
         Need::optional,
         "`simple`: channels at peak bandwidth plus a fixed latency; `ideal`: zero latency; "
         "`banks`: banks, rows and refresh from a preset")
        .integer("channels", &S::channels, 1, 1024, Need::required,
                 "equal channels (`dram`: this core's share; `chip.dram`: the chip's DRAM)")
        .number("bandwidth", &S::bandwidth, rate(), Need::required,
                "peak bandwidth (`simple`, `ideal`; with `banks` the preset sets it)")
        .applies_if([](const S& s) { return s.model != DramModel::banks; })
        .number("latency", &S::latency_s, time_s(), Need::required,
                "first-byte latency (`simple`; `ideal` has none)")
        .applies_if([](const S& s) { return s.model == DramModel::simple; })
        .size("capacity", &S::capacity, 1, uint64_t{1} << 50, Need::optional,
              "DRAM bytes (`dram`: this core's share; `chip.dram`: the chip's, shared by its "
              "cores): they hold the weights and a decoder's KV caches, which bound the batch "
              "(planner/capacity.h)")
        .written_if([](const S& s) { return s.capacity > 0; })
        .fallback_text("unbounded");
    return k;
  }();
  return t;
}

const KeyTable<DramTimingConfig>& dram_timing_keys_table() {
  using S = DramTimingConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.integer("burst_bytes", &S::burst_bytes, 1, 4096, Need::optional,
              "bytes one burst moves on the channel")
        .in_preset();
    for (const auto& [key, field, doc] : kTimingKeys)  // ns inside, seconds in a file
      k.number(key, field, time_ns(0, 1), Need::optional, doc, ns_as_seconds).in_preset();
    k.integer("banks", &S::banks, 1, 1024, Need::optional, "banks per channel")
        .in_preset()
        .integer("bank_groups", &S::bank_groups, 1, 64, Need::optional,
                 "bank groups; must divide `banks`")
        .in_preset()
        .integer("row_bytes", &S::row_bytes, 64, 1 << 20, Need::optional, "page size per bank")
        .in_preset()
        .integer("group_interleave_bytes", &S::group_interleave_bytes, 1, 1 << 20, Need::optional,
                 "consecutive bytes in one bank group before the next; a multiple of "
                 "`burst_bytes` dividing `row_bytes`")
        .in_preset()
        .integer("interleave_bytes", &S::interleave_bytes, 64, 1 << 24, Need::optional,
                 "consecutive bytes per channel before the next")
        .in_preset()
        .choice<bool>("page_policy", &S::open_page, {{"open", true}, {"closed", false}},
                      Need::optional, "`closed`: auto-precharge after each access")
        .integer("queue_depth", &S::queue_depth, 1, 4096, Need::optional,
                 "pieces the FR-FCFS scheduler looks at per channel")
        .integer("hit_cap", &S::hit_cap, 0, 1 << 20, Need::optional,
                 "younger row hits a waiting miss lets pass")
        .number("pj_per_byte", &S::pj_per_byte, number_in(0, 1e6), Need::optional,
                "DRAM energy per byte moved (array access and I/O), used by the energy table")
        .in_preset()
        .number("activate_pj", &S::activate_pj, number_in(0, 1e9), Need::optional,
                "DRAM energy per row activation + precharge")
        .in_preset();
    return k;
  }();
  return t;
}

const KeyTable<DmaConfig>& dma_keys() {
  using S = DmaConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.integer("queues", &S::queues, 1, 256, Need::required, "DMA queues")
        .number("queue_bandwidth", &S::queue_bandwidth, rate(), Need::required, "each queue's rate")
        .number("start_latency", &S::start_latency_s, time_s(0, 1e-3), Need::optional,
                "from the moment a transfer's semaphores are met to its start: latency, the queue "
                "meanwhile free to finish earlier transfers (NKI DMA bandwidth guide: ~1.3 µs "
                "cross-engine on NeuronCore-v2)")
        .written_if([](const S& s) { return s.start_latency_s > 0; })
        .fallback_text("0 (none)")
        .number("transfer_overhead", &S::transfer_overhead_s, time_s(0, 1e-3), Need::optional,
                "fixed cost of each transfer (descriptor setup): its queue is busy this long "
                "before the data moves, so small transfers fall short of the queue's rate")
        .written_if([](const S& s) { return s.transfer_overhead_s > 0; })
        .fallback_text("0 (none)");
    return k;
  }();
  return t;
}

const KeyTable<HostConfig>& host_keys() {
  using S = HostConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    k.number("overhead", &S::overhead_s, time_s(), Need::required,
             "per-invocation host overhead (runtime, framework, driver)")
        .number("link_bandwidth", &S::link_bandwidth, rate(), Need::required,
                "host↔device link for inputs and outputs")
        .number("requests_in_flight", &S::requests_in_flight, number_in(0, 1e6), Need::optional,
                "requests the framework keeps outstanding per core: with N, throughput is b / "
                "max(seconds, latency_s / N) (a closed loop: the device a queue, the host a "
                "delay); 0: unbounded, b / seconds")
        .written_if([](const S& s) { return s.requests_in_flight > 0; })
        .fallback_text("0 (unbounded)");
    return k;
  }();
  return t;
}

const KeyTable<EnergyConfig>& energy_keys() {
  using S = EnergyConfig;
  static const KeyTable<S> t = [] {
    KeyTable<S> k;
    const auto pj = number_in(0, 1e6);
    dtype_keys(k, "mac_pj", &S::mac_pj, pj, Need::required, "pJ per MAC");
    k.number("sbuf_pj_per_byte", &S::sbuf_pj_per_byte, pj, Need::required,
             "pJ per byte through the SBUF ports")
        .number("psum_pj_per_byte", &S::psum_pj_per_byte, pj, Need::required, "pJ per PSUM byte")
        .number("dram_pj_per_byte", &S::dram_pj_per_byte, pj, Need::required,
                "pJ per DRAM byte (`simple`, `ideal`; with `banks` the preset's "
                "`dram.pj_per_byte` and `dram.activate_pj` apply)")
        .number("vector_pj_per_op", &S::vector_pj_per_op, pj, Need::required,
                "pJ per vector lane-cycle");
    const auto w = number_in(0, 1e4);
    const std::string doc = "static power while the core runs (W)";
    k.number("static_w.tensor_engine", &S::static_tensor_w, w, Need::required, doc)
        .number("static_w.vector_engine", &S::static_vector_w, w, Need::required, doc)
        .number("static_w.dma", &S::static_dma_w, w, Need::required, doc)
        .number("static_w.state_buffer", &S::static_sbuf_w, w, Need::required, doc);
    return k;
  }();
  return t;
}

namespace {

template <class S>
S read_section(MapReader& r, const KeyTable<S>& table, S s = S{}) {
  table.read(r, s);
  return s;
}

PsumConfig read_psum(MapReader r) {
  PsumConfig c = read_section(r, psum_keys());
  if (c.moving_limit() < 1)
    r.fail("capacity",
           "too small: a bank must hold at least one FP32 accumulator per partition "
           "(capacity / partitions / banks >= 4 bytes)");
  if (c.moving_limit() > 65536)
    r.fail("capacity", "too large: a bank would hold " + std::to_string(c.moving_limit()) +
                           " FP32 accumulators per partition (at most 65536)");
  r.finish();
  return c;
}

void check_dram_timing(MapReader& r, const DramTimingConfig& t) {
  if (t.banks % t.bank_groups != 0)
    r.fail(r.has("bank_groups") ? "bank_groups" : "banks",
           "banks (" + std::to_string(t.banks) + ") must be a multiple of bank_groups (" +
               std::to_string(t.bank_groups) + ")");
  if (t.group_interleave_bytes % t.burst_bytes != 0 || t.row_bytes % t.group_interleave_bytes != 0)
    r.fail(r.has("group_interleave_bytes") ? "group_interleave_bytes" : "row_bytes",
           "group_interleave_bytes (" + std::to_string(t.group_interleave_bytes) +
               ") must be a multiple of burst_bytes (" + std::to_string(t.burst_bytes) +
               ") and divide row_bytes (" + std::to_string(t.row_bytes) + ")");
  if (t.t_burst <= 0) r.fail("t_burst", "must be positive");
  if (t.t_rfc >= t.t_refi) r.fail("t_rfc", "must be shorter than t_refi");
}

}  // namespace

DramConfig read_dram(MapReader r) {
  // The simple model's keys may stay in a file switched to banks (--set hw.dram.model=banks):
  // still validated, then superseded by the preset's timing (config.yaml shows what ran).
  DramConfig c = read_section(r, dram_keys());
  if (c.model != DramModel::banks) {
    if (c.model == DramModel::ideal) c.latency_s = 0;
    if (r.has("preset")) r.fail("preset", "a preset needs model: banks");
    r.finish();
    return c;
  }
  const std::string name = r.get("preset", text());
  const auto* preset = DramPresetRegistry::instance().find(name);
  if (!preset)
    r.fail("preset", "unknown DRAM preset '" + name +
                         "' (known: " + base::join(DramPresetRegistry::instance().names()) + ")");
  DramTimingConfig& t = c.timing;
  t = preset->timing;
  dram_timing_keys_table().read(r, t);
  check_dram_timing(r, t);
  c.bandwidth = c.channels * t.burst_bytes / (t.t_burst * 1e-9);  // peak, for the roofline
  c.latency_s = 0;
  r.finish();
  return c;
}

void write_dram(YAML::Emitter& out, const DramConfig& d) {
  dram_keys().write(out, d);
  if (d.model == DramModel::banks) {
    out << YAML::Key << "preset" << YAML::Value << d.timing.preset;
    dram_timing_keys_table().write(out, d.timing);
  }
}

namespace {

template <class S>
S read_finished(MapReader r, const KeyTable<S>& table) {
  S s = read_section(r, table);
  r.finish();
  return s;
}

// `engines`: a list naming tensor and vector (always there) and any of scalar, gpsimd, once each.
EngineSet read_engines(MapReader& r) {
  EngineSet set;
  if (!r.has("engines")) return set;
  std::vector<std::string> seen;
  for (const YAML::Node& n : r.seq("engines")) {
    const std::string e = n.IsScalar() ? n.Scalar() : std::string();
    if (e != "tensor" && e != "vector" && e != "scalar" && e != "gpsimd")
      r.fail_at(n, "engines", "unknown engine '" + e + "' (known: tensor, vector, scalar, gpsimd)");
    if (std::find(seen.begin(), seen.end(), e) != seen.end())
      r.fail_at(n, "engines", "'" + e + "' is listed twice");
    seen.push_back(e);
  }
  for (const char* must : {"tensor", "vector"})
    if (std::find(seen.begin(), seen.end(), must) == seen.end())
      r.fail("engines", std::string("must include ") + must);
  set.scalar = std::find(seen.begin(), seen.end(), "scalar") != seen.end();
  set.gpsimd = std::find(seen.begin(), seen.end(), "gpsimd") != seen.end();
  return set;
}

// An optional engine's section: required when `engines` names it; otherwise validated if
// present, then ignored (so `--set hw.engines=[tensor, vector]` switches an engine off).
template <class S>
S read_engine(MapReader& r, const char* key, bool present, const KeyTable<S>& table) {
  if (present) return read_finished(r.map(key), table);
  if (r.has(key)) read_finished(r.map(key), table);
  return S{};
}

}  // namespace

HwConfig read_hw(MapReader r, const std::string& default_name) {
  HwConfig hw;
  hw.name = r.get("name", text(), default_name);
  hw.engines = read_engines(r);
  hw.tensor_engine = read_finished(r.map("tensor_engine"), tensor_engine_keys());
  hw.vector_engine = read_finished(r.map("vector_engine"), vector_engine_keys());
  hw.scalar_engine = read_engine(r, "scalar_engine", hw.engines.scalar, scalar_engine_keys());
  hw.gpsimd_engine = read_engine(r, "gpsimd_engine", hw.engines.gpsimd, gpsimd_engine_keys());
  hw.state_buffer = read_finished(r.map("state_buffer"), state_buffer_keys());
  hw.psum = read_psum(r.map("psum"));
  hw.dram = read_dram(r.map("dram"));
  hw.dma = read_finished(r.map("dma"), dma_keys());
  hw.host = read_finished(r.map("host"), host_keys());
  if (auto e = r.opt_map("energy")) {
    hw.energy = read_finished(*e, energy_keys());
    hw.energy.enabled = true;
  }
  if (auto c = r.opt_map("chip")) hw.chip = read_chip(*c, hw.host);
  r.finish();
  // Cross-checks: the array's columns write PSUM partitions, its rows read SBUF partitions.
  if (hw.tensor_engine.cols > hw.psum.partitions)
    r.map("tensor_engine")
        .fail("cols", "the array has " + std::to_string(hw.tensor_engine.cols) +
                          " columns but PSUM only " + std::to_string(hw.psum.partitions) +
                          " partitions");
  if (hw.tensor_engine.rows > hw.state_buffer.partitions)
    r.map("tensor_engine")
        .fail("rows", "the array has " + std::to_string(hw.tensor_engine.rows) +
                          " rows but the state buffer only " +
                          std::to_string(hw.state_buffer.partitions) + " partitions");
  return hw;
}

void emit_hw(YAML::Emitter& out, const HwConfig& hw) {
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << hw.name;
  if (hw.engines.scalar || hw.engines.gpsimd) {  // written only when not the default
    out << YAML::Key << "engines" << YAML::Value << YAML::Flow << YAML::BeginSeq << "tensor"
        << "vector";
    if (hw.engines.scalar) out << "scalar";
    if (hw.engines.gpsimd) out << "gpsimd";
    out << YAML::EndSeq;
  }
  write_section(out, "tensor_engine", tensor_engine_keys(), hw.tensor_engine);
  write_section(out, "vector_engine", vector_engine_keys(), hw.vector_engine);
  if (hw.engines.scalar)
    write_section(out, "scalar_engine", scalar_engine_keys(), hw.scalar_engine);
  if (hw.engines.gpsimd)
    write_section(out, "gpsimd_engine", gpsimd_engine_keys(), hw.gpsimd_engine);
  write_section(out, "state_buffer", state_buffer_keys(), hw.state_buffer);
  write_section(out, "psum", psum_keys(), hw.psum);
  out << YAML::Key << "dram" << YAML::Value << YAML::BeginMap;
  write_dram(out, hw.dram);
  out << YAML::EndMap;
  write_section(out, "dma", dma_keys(), hw.dma);
  write_section(out, "host", host_keys(), hw.host);
  if (hw.energy.enabled) write_section(out, "energy", energy_keys(), hw.energy);
  if (hw.chip) emit_chip(out, *hw.chip);
  out << YAML::EndMap;
}

}  // namespace ncore::config
