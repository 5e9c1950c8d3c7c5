// A Program: one ordered instruction queue per engine (tensor, vector, each DMA queue; see
// instr.h) and what the planner decided per layer, the contract between src/planner and the
// engines in src/hw (DESIGN.md "Engines replay a program"). The planner only ever points a
// dependency at an instruction emitted before, so replay cannot deadlock.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "isa/instr.h"
#include "isa/instr_queue.h"

namespace ncore::isa {

// How a layer's loops run (DESIGN.md "The loop nest"), as `plan`, layers.csv and tests name it.
enum class Order : uint8_t {
  weight_stationary,      // per output-channel block, every chunk of positions streams through
  activation_stationary,  // per chunk of positions, every weight block streams through again
  activation_operands,    // both operands are activations (attention): per sample, per head
  vector,                 // a vector-engine layer
  gather,                 // an embedding: table rows by DMA
  external,               // read from DRAM, not computed
};
const char* order_name(Order o);

// How a MatMul layer's convolution is put on the engines (layers.csv `lowering`): `im2col`, the
// (C_in / groups) * kh * kw reduction packed into K blocks of R rows (an explicit copy, or free
// with tensor_engine.conv_lowering packed); `taps`, kh * kw accumulating MatMuls over shifted
// windows of at most R input channels each (a 1x1 conv, linear layer or attention MatMul is
// one tap); `vector`, the MACs on the vector engine; `block_diagonal`, several groups on the
// diagonal of one stationary tile. `none` for a layer without a MatMul.
enum class Lowering : uint8_t { none, im2col, taps, vector, block_diagonal };
const char* lowering_name(Lowering l);  // "" for none

// What the planner decided for one layer (for `plan`, layers.csv and the tests).
struct LayerPlan {
  std::string name;
  std::string kind;
  Order order = Order::weight_stationary;
  Lowering lowering = Lowering::none;
  uint64_t macs = 0;  // at the compiled batch
  uint64_t weight_bytes = 0;
  uint64_t sbuf_bytes = 0;  // planned state-buffer occupancy while this layer runs
  uint64_t matmuls = 0, weight_blocks = 0, n_chunks = 0;
  bool output_resident = true;  // false: the output lives in DRAM (io by design, or spilled)
  uint64_t read_bytes[kTrafficClasses] = {};  // planned DRAM traffic by class
  uint64_t write_bytes[kTrafficClasses] = {};
};

struct Infeasible {
  std::string layer;  // "" when no layer binds (the DRAM capacity)
  uint64_t shortfall_bytes = 0;
  std::string reason;
  std::string resource = "sbuf";  // what is short: sbuf, or dram_capacity (planner/capacity.h)
};

struct Program {
  // The compute engines in id order (tensor, vector, then scalar and gpsimd when the hardware
  // has them); the DMA queues follow, from first_dma().
  std::vector<ComputeEngine> compute = {ComputeEngine::tensor, ComputeEngine::vector};
  uint32_t dma_queues = 1;
  std::vector<InstrQueue> queues;  // indexed by engine id
  DepPool dep_pool;                // every instruction's deps
  std::vector<LayerPlan> layers;
  bool fits = true;       // no activation spilled
  bool feasible = true;   // false: nothing is simulated (exit 3)
  Infeasible infeasible;  // set when !feasible
  uint64_t sbuf_capacity = 0;
  uint64_t sbuf_peak = 0;  // planned peak occupancy
  uint64_t weight_region_bytes = 0;
  uint32_t weight_buffers = 0;  // weight-block buffers the plan uses (options.prefetch)
  uint64_t input_bytes = 0, output_bytes = 0;  // the network's, at the compiled batch
  uint64_t macs = 0;
  uint64_t spilled_tensors = 0;
  std::vector<bool> resident;  // per tensor id (0: the network input, l + 1: layer l's output)
  // Finer tiling the planner fell back to when the default working set alone did not fit:
  // output-channel blocks and position chunks at most this wide.
  bool tiled = false;
  uint64_t tiling_m_cap = 0, tiling_chunk_cap = 0;

  size_t engines() const { return queues.size(); }
  uint16_t first_dma() const { return static_cast<uint16_t>(compute.size()); }
  // The id of compute engine `e`, or -1 when the program has none.
  int engine_id(ComputeEngine e) const;
  size_t instructions() const;
};

}  // namespace ncore::isa
