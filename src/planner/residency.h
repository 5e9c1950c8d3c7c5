// Residency (DESIGN.md "State-buffer accounting"): which tensors stay in the state buffer, each
// MatMul layer's loop order, and the SBUF occupancy while each layer runs. Tensors are spilled
// to DRAM (class spill) until every layer fits, or the first layer that cannot is reported;
// when even the working set alone does not fit, the plan is tiled finer (planner.h). Emits no
// instructions: max_batch needs only this pass. Packing into partitions is not modelled.
#pragma once
#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "planner/lowering.h"
#include "planner/plan_inputs.h"
#include "planner/tiling.h"

namespace ncore::planner {

constexpr int kStreamSlots = 2;  // double-buffered DRAM streams

struct Tensor {
  uint64_t bytes = 0;
  int producer = -1;  // layer index; -1 for the network input
  int last_use = -1;  // last consuming layer index
  bool io_home = false;
  bool source = false;  // the network input or an external layer's: read from DRAM by design
  bool kv = false;      // a KV cache's (read) or a new entry of it (written too): class kv
  bool resident = false;
};

struct Residency {
  Tiling tiling;
  std::vector<Tensor> tensors;     // per tensor id
  std::vector<isa::Order> orders;  // per layer
  std::vector<Lowered> lowering;   // per layer (lowering.h)
  uint64_t weight_region_bytes = 0;
  bool fits = true;      // nothing spilled
  bool feasible = true;  // false: `infeasible` says where and why
  isa::Infeasible infeasible;
  uint64_t spilled_tensors = 0;
  uint32_t kv_slots = 2;  // kv_slots(): the KV cache stream's
};

// One output-channel block of weights read from DRAM, in program order.
struct WeightBlock {
  size_t layer;
  uint64_t bytes;
  uint64_t group, m0;
};
// The weight blocks of the program in order (an activation_stationary layer's once per chunk of
// positions; with `once`, every block once whatever the order: the bytes static weights keep).
std::vector<WeightBlock> weight_blocks(const PlanInputs& in, const Residency& r, bool once = false);

// A decode step's KV cache part of attention matmul l's stationary operand, per sample and group
// (KV head): all its cached tokens, read as one transfer (0: the layer reads no cache).
uint64_t kv_tile_bytes(const PlanInputs& in, const workload::Layer& l);
// The stream slots of those transfers (the emitter's ring 2), the same for every layer: deep
// enough that the transfers in flight cover the DMA start latency at the queues' bandwidth (the
// bandwidth-delay product) for the smallest tile, 2 to 16. An assumption: a decode kernel
// prefetches the cache that far ahead.
uint32_t kv_slots(const PlanInputs& in);

// Decides residency and loop orders at in.batch, tiling finer while the working set alone does
// not fit (never with allow_spill false). Throws PlanError for a tensor beyond 2^56 bytes.
Residency plan_residency(const PlanInputs& in);

// The state-buffer bytes while layer l runs: weight buffers, live resident tensors, a vector
// layer's (or a conv lowered `vector`) parameters, the stream slots of what it reads from or
// writes to DRAM, and an explicit im2col copy's buffers.
uint64_t occupancy(const PlanInputs& in, const Residency& r, size_t l);

// occupancy() of every layer (0 for a shape-only one), in O(layers + tensors) together where
// occupancy() costs O(tensors) each.
std::vector<uint64_t> occupancies(const PlanInputs& in, const Residency& r);

// The bytes of input tensor t that chunk [c0, c0 + n) of layer l's output positions needs from
// one group: its proportional share, but for a MatMul never more than the K x n moving data (a
// strided 1x1 conv reads only the pixels it uses). Halos are not re-read.
uint64_t input_share(const PlanInputs& in, const Residency& r, const workload::Layer& l, int t,
                     uint64_t c0, uint64_t n, const Chunking& c);

}  // namespace ncore::planner
