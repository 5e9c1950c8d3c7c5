// Reads a hardware description (configs/hw/*.yaml) into HwConfig. Every key is checked; see the
// README's config reference for the keys, their units and defaults.
#include <limits>

#include "base/strings.h"
#include "config/hw_loader.h"
#include "hw/dram_presets/registry.h"

namespace ncore::config {
namespace {

constexpr int64_t kMaxDim = 1 << 16;
constexpr uint64_t kMaxBytes = 1ull << 50;

TensorEngineConfig read_tensor_engine(MapReader r) {
  TensorEngineConfig c;
  c.rows = static_cast<uint32_t>(r.get("rows", integer_in(1, kMaxDim)));
  c.cols = static_cast<uint32_t>(r.get("cols", integer_in(1, kMaxDim)));
  c.clock_hz = r.get("clock", freq());
  if (auto rate = r.opt_map("rate")) {
    c.rate.fp32 = rate->get("fp32", number_in(1.0 / 64, 64), c.rate.fp32);
    c.rate.fp16 = rate->get("fp16", number_in(1.0 / 64, 64), c.rate.fp16);
    c.rate.bf16 = rate->get("bf16", number_in(1.0 / 64, 64), c.rate.bf16);
    c.rate.int8 = rate->get("int8", number_in(1.0 / 64, 64), c.rate.int8);
    rate->finish();
  }
  c.issue_interval = static_cast<uint32_t>(r.get("issue_interval", integer_in(0, 1 << 20), 0));
  const std::string preload = r.get("weight_preload", one_of({"none", "background"}), "none");
  c.weight_preload = preload == "background" ? WeightPreload::background : WeightPreload::none;
  c.preload_speedup = r.get("preload_speedup", number_in(1, 1024), 1.0);
  r.finish();
  return c;
}

VectorEngineConfig read_vector_engine(MapReader r) {
  VectorEngineConfig c;
  c.clock_hz = r.get("clock", freq());
  c.lanes = static_cast<uint32_t>(r.get("lanes", integer_in(1, kMaxDim)));
  if (auto p = r.opt_map("passes")) {
    for (const auto& [key, field] : vector_pass_keys())
      c.passes.*field = p->get(key, number_in(0.01, 1000), c.passes.*field);
    p->finish();
  }
  r.finish();
  return c;
}

StateBufferConfig read_state_buffer(MapReader r) {
  StateBufferConfig c;
  c.capacity = r.get("capacity", size_in(1, kMaxBytes));
  c.partitions = static_cast<uint32_t>(r.get("partitions", integer_in(1, kMaxDim)));
  c.read_bytes_per_cycle = r.get("read_bytes_per_cycle", number_in(0.001, 1 << 24));
  c.write_bytes_per_cycle = r.get("write_bytes_per_cycle", number_in(0.001, 1 << 24));
  if (r.has("shared_bytes_per_cycle"))
    c.shared_bytes_per_cycle = r.get("shared_bytes_per_cycle", number_in(0.001, 1 << 24));
  r.finish();
  return c;
}

PsumConfig read_psum(MapReader r) {
  PsumConfig c;
  c.capacity = r.get("capacity", size_in(1, kMaxBytes));
  c.partitions = static_cast<uint32_t>(r.get("partitions", integer_in(1, kMaxDim)));
  c.banks = static_cast<uint32_t>(r.get("banks", integer_in(1, 1024)));
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

DramConfig read_dram(MapReader r) {
  DramConfig c;
  const std::string model = r.get("model", one_of({"simple", "ideal", "banks"}), "simple");
  c.model = model == "banks"   ? DramModel::banks
            : model == "ideal" ? DramModel::ideal
                               : DramModel::simple;
  c.channels = static_cast<uint32_t>(r.get("channels", integer_in(1, 1024)));
  if (c.model != DramModel::banks) {
    c.bandwidth = r.get("bandwidth", rate());
    // ideal: zero latency (a file's latency key, as for a switch to banks, is checked, then
    // superseded).
    c.latency_s = c.model == DramModel::ideal ? 0.0 : r.get("latency", time_s());
    if (c.model == DramModel::ideal && r.has("latency")) r.get("latency", time_s());
    if (r.has("preset")) r.fail("preset", "a preset needs model: banks");
    r.finish();
    return c;
  }
  // The simple model's keys may stay in a file switched to banks (--set hw.dram.model=banks):
  // still validated, then superseded by the preset's timing (config.yaml shows what ran).
  if (r.has("bandwidth")) r.get("bandwidth", rate());
  if (r.has("latency")) r.get("latency", time_s());
  const std::string name = r.get("preset", text());
  const auto* preset = hw::DramPresetRegistry::instance().find(name);
  if (!preset)
    r.fail("preset", "unknown DRAM preset '" + name + "' (known: " +
                         base::join(hw::DramPresetRegistry::instance().names()) + ")");
  DramTimingConfig& t = c.timing;
  t = preset->timing;
  t.burst_bytes =
      static_cast<uint32_t>(r.get("burst_bytes", integer_in(1, 4096), int64_t{t.burst_bytes}));
  for (const auto& [key, field] : dram_timing_keys())  // seconds in the file, ns inside
    t.*field = r.get(key, time_s(0, 1), t.*field * 1e-9) * 1e9;
  t.banks = static_cast<uint32_t>(r.get("banks", integer_in(1, 1024), int64_t{t.banks}));
  t.bank_groups =
      static_cast<uint32_t>(r.get("bank_groups", integer_in(1, 64), int64_t{t.bank_groups}));
  if (t.banks % t.bank_groups != 0)
    r.fail(r.has("bank_groups") ? "bank_groups" : "banks",
           "banks (" + std::to_string(t.banks) + ") must be a multiple of bank_groups (" +
               std::to_string(t.bank_groups) + ")");
  t.row_bytes =
      static_cast<uint32_t>(r.get("row_bytes", integer_in(64, 1 << 20), int64_t{t.row_bytes}));
  t.group_interleave_bytes = static_cast<uint32_t>(
      r.get("group_interleave_bytes", integer_in(1, 1 << 20), int64_t{t.group_interleave_bytes}));
  if (t.group_interleave_bytes % t.burst_bytes != 0 || t.row_bytes % t.group_interleave_bytes != 0)
    r.fail(r.has("group_interleave_bytes") ? "group_interleave_bytes" : "row_bytes",
           "group_interleave_bytes (" + std::to_string(t.group_interleave_bytes) +
               ") must be a multiple of burst_bytes (" + std::to_string(t.burst_bytes) +
               ") and divide row_bytes (" + std::to_string(t.row_bytes) + ")");
  t.interleave_bytes = static_cast<uint32_t>(
      r.get("interleave_bytes", integer_in(64, 1 << 24), int64_t{t.interleave_bytes}));
  t.open_page = r.get("page_policy", one_of({"open", "closed"}), "open") == "open";
  t.queue_depth =
      static_cast<uint32_t>(r.get("queue_depth", integer_in(1, 4096), int64_t{t.queue_depth}));
  t.hit_cap = static_cast<uint32_t>(r.get("hit_cap", integer_in(0, 1 << 20), int64_t{t.hit_cap}));
  t.pj_per_byte = r.get("pj_per_byte", number_in(0, 1e6), t.pj_per_byte);
  t.activate_pj = r.get("activate_pj", number_in(0, 1e9), t.activate_pj);
  if (t.t_burst <= 0) r.fail("t_burst", "must be positive");
  if (t.t_rfc >= t.t_refi) r.fail("t_rfc", "must be shorter than t_refi");
  c.bandwidth = c.channels * t.burst_bytes / (t.t_burst * 1e-9);  // peak, for the roofline
  c.latency_s = 0;
  r.finish();
  return c;
}

DmaConfig read_dma(MapReader r) {
  DmaConfig c;
  c.queues = static_cast<uint32_t>(r.get("queues", integer_in(1, 256)));
  c.queue_bandwidth = r.get("queue_bandwidth", rate());
  r.finish();
  return c;
}

HostConfig read_host(MapReader r) {
  HostConfig c;
  c.overhead_s = r.get("overhead", time_s());
  c.link_bandwidth = r.get("link_bandwidth", rate());
  r.finish();
  return c;
}

EnergyConfig read_energy(MapReader r) {
  EnergyConfig c;
  c.enabled = true;
  const auto pj = number_in(0, 1e6);
  MapReader mac = r.map("mac_pj");
  c.mac_pj.fp32 = mac.get("fp32", pj);
  c.mac_pj.fp16 = mac.get("fp16", pj);
  c.mac_pj.bf16 = mac.get("bf16", pj);
  c.mac_pj.int8 = mac.get("int8", pj);
  mac.finish();
  c.sbuf_pj_per_byte = r.get("sbuf_pj_per_byte", pj);
  c.psum_pj_per_byte = r.get("psum_pj_per_byte", pj);
  c.dram_pj_per_byte = r.get("dram_pj_per_byte", pj);
  c.vector_pj_per_op = r.get("vector_pj_per_op", pj);
  MapReader st = r.map("static_w");
  const auto w = number_in(0, 1e4);
  c.static_tensor_w = st.get("tensor_engine", w);
  c.static_vector_w = st.get("vector_engine", w);
  c.static_dma_w = st.get("dma", w);
  c.static_sbuf_w = st.get("state_buffer", w);
  st.finish();
  r.finish();
  return c;
}

}  // namespace

HwConfig read_hw(MapReader r, const std::string& default_name) {
  HwConfig hw;
  hw.name = r.get("name", text(), default_name);
  hw.tensor_engine = read_tensor_engine(r.map("tensor_engine"));
  hw.vector_engine = read_vector_engine(r.map("vector_engine"));
  hw.state_buffer = read_state_buffer(r.map("state_buffer"));
  hw.psum = read_psum(r.map("psum"));
  hw.dram = read_dram(r.map("dram"));
  hw.dma = read_dma(r.map("dma"));
  hw.host = read_host(r.map("host"));
  if (auto e = r.opt_map("energy")) hw.energy = read_energy(*e);
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

}  // namespace ncore::config
