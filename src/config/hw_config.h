// Plain hardware-description structs, one per module (STYLE.md section 2). Filled only by
// src/config from configs/hw/*.yaml; tests build them in C++. All values in base units
// (bytes, bytes/s, Hz, s). The tensor engine's clock is the core clock: one SystemC time unit
// is one core cycle (DESIGN.md "Time").
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "workload/graph.h"

namespace ncore::config {

enum class WeightPreload { none, background };
// serial: a MatMul occupies the array through its fill and drain (SCALE-Sim's count);
// pipelined: the next one issues after its initiation interval, R + C - 2 is latency only.
enum class ArrayTiming { serial, pipelined };
// How the planner lowers a k x k conv (groups = 1) onto the array: packed, its im2col K packed
// into R-row blocks with no copy (the simulator's original free im2col); im2col, the same with
// the copy as an on-chip DMA that costs time and SBUF; taps, kh * kw accumulating MatMuls over
// shifted windows; cost, per layer the cheaper of im2col and taps by the planner's estimate.
enum class ConvLowering { packed, cost, im2col, taps };
// Grouped and depthwise convs: array, one MatMul per group (lowered as conv_lowering says);
// vector, on the vector engine; block_diagonal, several groups per MatMul; cost, the cheaper of
// vector and block_diagonal per layer.
enum class GroupedLowering { array, cost, vector, block_diagonal };

struct DtypeRates {  // MACs per PE per cycle relative to FP16/BF16
  double fp32 = 0.25, fp16 = 1.0, bf16 = 1.0, int8 = 1.0;
};
// The entry of `r` for dtype `d`.
double rate_for(const DtypeRates& r, workload::DType d);

struct TensorEngineConfig {
  uint32_t rows = 128, cols = 128;  // R: rows the K dimension runs along; C: output channels
  double clock_hz = 1.4e9;          // the core clock
  DtypeRates rate;
  uint32_t issue_interval = 0;  // I: a MatMul streams at least this many cycles (64 on NC-v2)
  WeightPreload weight_preload = WeightPreload::none;
  double preload_speedup = 1.0;  // s: a background load takes ceil(R / s) cycles
  ArrayTiming timing = ArrayTiming::serial;
  ConvLowering conv_lowering = ConvLowering::packed;
  GroupedLowering grouped_lowering = GroupedLowering::array;
  // A layout transpose (an identity MatMul, see VectorEngineConfig::transpose_reductions) streams
  // at this rate instead of the run dtype's (0: the run dtype's).
  double transpose_rate = 0;
};

struct VectorPasses {  // passes over the data per op class (vector_engine.passes)
  double elementwise = 1, pool = 1, reduce = 1, softmax = 3, layernorm = 3, evict = 1;
};

// The passes by key, for reading, writing and looking them up alike; the first five are in
// workload::VectorOp's order (the planner indexes them by it).
inline const std::vector<std::pair<const char*, double VectorPasses::*>>& vector_pass_keys() {
  static const std::vector<std::pair<const char*, double VectorPasses::*>> keys = {
      {"elementwise", &VectorPasses::elementwise}, {"pool", &VectorPasses::pool},
      {"reduce", &VectorPasses::reduce},           {"softmax", &VectorPasses::softmax},
      {"layernorm", &VectorPasses::layernorm},     {"evict", &VectorPasses::evict}};
  return keys;
}

// The fixed costs of one instruction on a vector, scalar or GpSimd engine, in that engine's
// cycles (0: none; see hw/vector_engine.h for the rule and its source).
struct FixedCosts {
  double static_overhead = 0;  // issue and setup: hidden behind a long predecessor, else paid
  double access_overhead = 0;  // per SBUF/PSUM access request (read, write): latency only
};

struct VectorEngineConfig {
  double clock_hz = 1.4e9;
  uint32_t lanes = 128;  // elements per vector cycle, one per partition
  VectorPasses passes;
  FixedCosts fixed;
  bool per_input = false;  // an op streams each input tile: >= N cycles per input (2N for two)
  // A layer that reduces over channels (layernorm, softmax) has them on partitions, across the
  // lanes; a lane reduces only its own partition, so each block goes through the tensor engine
  // (an identity MatMul and a PSUM eviction) before the op and back after it.
  bool transpose_reductions = false;
};

// The scalar (activation) engine: PSUM evictions with the fused bias and activation, when the
// hardware has one (engines: [..., scalar]).
struct ScalarEngineConfig {
  double clock_hz = 1.4e9;
  uint32_t lanes = 128;  // elements per scalar cycle, one per partition
  FixedCosts fixed;
};

// The GpSimd engine (general-purpose SIMD processors), when the hardware has one.
struct GpSimdEngineConfig {
  double clock_hz = 1.4e9;
  uint32_t lanes = 128;
  FixedCosts fixed;
};

// The compute engines beside the tensor and vector engines (hw key `engines`).
struct EngineSet {
  bool scalar = false, gpsimd = false;
};

struct StateBufferConfig {
  uint64_t capacity = 24ull << 20;
  uint32_t partitions = 128;
  // Per partition and core cycle: the read port (the tensor engine's moving data, the vector
  // engine's inputs, DMA to DRAM) and the write port (evictions, vector outputs, DMA from DRAM).
  double read_bytes_per_cycle = 8, write_bytes_per_cycle = 8;
  // Optional: what the partition's SRAM moves per cycle in both directions together (0: no such
  // limit). Below read + write, DMA writes and engine reads contend for it.
  double shared_bytes_per_cycle = 0;
};

struct PsumConfig {
  uint64_t capacity = 2ull << 20;
  uint32_t partitions = 128;
  uint32_t banks = 8;  // per partition
  // Moving columns one MatMul may write: a bank's bytes per partition / 4 (FP32 accumulators).
  uint64_t moving_limit() const { return capacity / partitions / banks / 4; }
};

// A DRAM standard's timing per channel (dram.model: banks), all times in ns. Filled from a preset
// (dram.preset) and overridden key by key.
struct DramTimingConfig {
  std::string preset;
  uint32_t burst_bytes = 64;  // bytes one burst moves on the channel
  double t_burst = 3.333;     // data-bus time of one burst
  double t_cl = 14.16, t_rcd = 14.16, t_rp = 14.16, t_ras = 32;
  double t_rrd = 3.3, t_faw = 21;     // activate-to-activate (tRRD_S), four-activate window
  double t_rrd_l = 4.9;               // activate-to-activate within one bank group (tRRD_L)
  double t_ccd_l = 5;                 // column-to-column within one bank group (tCCD_L); across
                                      // groups the next burst follows after t_burst (tCCD_S)
  double t_rfc = 350, t_refi = 7800;  // refresh: the channel is blocked t_rfc every t_refi
  double t_wtr = 7.5, t_rtw = 5;      // bus turnaround: write to read, read to write
  uint32_t banks = 16;
  uint32_t bank_groups = 4;              // banks / bank_groups banks in each group
  uint32_t row_bytes = 8192;             // page size per bank
  uint32_t group_interleave_bytes = 64;  // consecutive bytes in one bank group before the next
  uint32_t interleave_bytes = 4096;      // consecutive addresses per channel before the next one
  bool open_page = true;                 // false: closed page (auto-precharge after each access)
  // Energy (used when the hardware file has an energy table): per byte moved (array access and
  // I/O, no activation) and per row activation + precharge.
  double pj_per_byte = 120, activate_pj = 2000;
  // The controller: pieces its scheduler looks at (oldest first), and how many younger row hits
  // a piece waiting for its row lets pass.
  uint32_t queue_depth = 64, hit_cap = 16;
};

enum class DramModel {
  simple,  // peak bandwidth shared by the channels, plus a fixed latency
  ideal,   // peak bandwidth, zero latency (for comparisons)
  banks    // per-channel banks and rows with a standard's timing and refresh (DramTimingConfig)
};

struct DramConfig {
  DramModel model = DramModel::simple;
  uint32_t channels = 1;
  double bandwidth = 12.5 * 1073741824.0;  // this core's share, bytes/s (simple, ideal)
  double latency_s = 100e-9;               // first byte of a transfer (simple)
  DramTimingConfig timing;                 // banks
  uint64_t capacity = 0;                   // bytes (0: unbounded): weights plus KV caches
};

struct DmaConfig {
  uint32_t queues = 16;
  double queue_bandwidth = 27.0 * 1073741824.0;  // bytes/s each
  double start_latency_s = 0;      // from a transfer's semaphores to its start (latency; 0: none)
  double transfer_overhead_s = 0;  // per transfer: the queue is busy this long before its data
};

struct HostConfig {
  double overhead_s = 0;        // per invocation (runtime, framework, driver)
  double link_bandwidth = 1e9;  // host <-> device, bytes/s (inputs in, outputs out)
  // Requests the framework keeps outstanding per core (0: unbounded, the device never waits for
  // the host). With N, a closed loop: an invocation every max(device, latency / N) seconds.
  double requests_in_flight = 0;
};

// Energy per event, Accelergy-style (hw file's optional `energy` section): picojoules per MAC
// by dtype, per byte through the SBUF port, per PSUM byte, per DRAM byte, and static power of
// the core while it runs. Derived in src/report from the counters; absent: no energy block.
struct EnergyConfig {
  bool enabled = false;
  DtypeRates mac_pj{0, 0, 0, 0};
  double sbuf_pj_per_byte = 0, psum_pj_per_byte = 0;
  double dram_pj_per_byte = 0;  // dram.model simple, ideal; banks: the preset's figures
  double vector_pj_per_op = 0;  // per lane-cycle of the vector engine
  // static power while the core is on, per engine
  double static_tensor_w = 0, static_vector_w = 0, static_dma_w = 0, static_sbuf_w = 0;
};

// A link between cores of one chip, or between neighbouring chips (NeuronLink), as one transfer
// sees it: its latency before the first byte, then its bandwidth.
struct LinkConfig {
  double bandwidth = 1e9;  // bytes/s
  double latency_s = 0;
};

// The chip around the core (hw file's optional `chip` block, issue 15): `cores` NeuronCores
// behind one DRAM controller, joined by links, sharing one host link. Read by the deployments
// (data_parallel, pipeline); in `single` mode nothing reads it: the core's own `dram` (its
// share) and `host` apply, and the planner does not see it (planner_view).
struct ChipConfig {
  uint32_t cores = 1;
  DramConfig dram;                 // the chip's DRAM or HBM, its whole bandwidth
  LinkConfig link;                 // core to core, on the chip
  LinkConfig chip_link;            // chip to chip (NeuronLink)
  double host_link_bandwidth = 0;  // bytes/s, shared by the chip's cores
};

struct HwConfig {
  std::string name;
  EngineSet engines;
  TensorEngineConfig tensor_engine;
  VectorEngineConfig vector_engine;
  ScalarEngineConfig scalar_engine;  // used when engines.scalar
  GpSimdEngineConfig gpsimd_engine;  // used when engines.gpsimd
  StateBufferConfig state_buffer;
  PsumConfig psum;
  DramConfig dram;
  DmaConfig dma;
  HostConfig host;
  EnergyConfig energy;
  std::optional<ChipConfig> chip;  // absent: the file has no `chip` block
};

}  // namespace ncore::config
