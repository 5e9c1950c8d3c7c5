// The instructions the planner emits and the engines in src/hw replay (DESIGN.md "Engines replay
// a program"): a MatMul (tensor engine), an Evict or a Vector op (vector engine), a Dma piece (a
// DMA queue), each a payload beside what all share (layer, SBUF bytes, deps). A dep "engine E has
// completed n instructions" is exact: each engine runs its queue in order; the lists live in
// the program's DepPool. Where-fields only serve functional mode (hw/functional.h).
#pragma once
#include <cstdint>
#include <variant>

#include "isa/dep_pool.h"

namespace ncore::isa {

// DRAM traffic by what it moves: weights, the model's inputs and outputs (io), activations that
// did not fit in SBUF (spill), and a decoder's KV cache (kv: read by a decode step's attention,
// written as a prefill or decode step appends to it; issue 16).
enum class TrafficClass : uint8_t { weights = 0, io = 1, spill = 2, kv = 3 };
constexpr int kTrafficClasses = 4;
const char* traffic_class_name(TrafficClass c);

// Engine ids: the compute engines first (tensor 0, vector 1, then the program's others, see
// Program::compute), then the DMA queues (Program::first_dma()).
constexpr uint16_t kTensorEngine = 0;
constexpr uint16_t kVectorEngine = 1;
enum class ComputeEngine : uint8_t { tensor, vector, scalar, gpsimd };
const char* compute_engine_name(ComputeEngine e);  // "tensor", ... (stats: "<name>_engine")

// The kind as traces and stats name it (an eviction is a vector op, on the vector or scalar
// engine).
enum class Op : uint8_t { dma_read, dma_write, matmul, vector };

// A stationary K x M tile (weights, or an activation for attention) and N moving columns,
// accumulating in a PSUM bank. Where (functional mode): `group`, the tile's first K row `k0` and
// first M column `m0` in it, the first moving position `c0` over the batch. K rows are rows
// k0.. of the group's im2col matrix (row c * kh * kw + tap), or with `tap` >= 0 (conv lowering
// `taps`) input channels k0.. of the group at that kernel tap. `groups` > 1 (block_diagonal):
// groups group.. packed on the tile's diagonal, each K / groups rows by M / groups columns.
struct MatMul {
  uint64_t c0 = 0;
  uint32_t k = 0, m = 0, n = 0;
  uint32_t group = 0, k0 = 0, m0 = 0;
  int32_t tap = -1;
  uint32_t groups = 1;
  uint32_t psum_bank = 0;
  uint32_t weight_slot = 0;  // the prefetch slot its weight tile was loaded into
  bool accumulate = false;   // add to the bank (every K block but the first)
  uint8_t weight_deps = 0;   // the first `weight_deps` deps are the weight tile's loads
  bool transpose = false;    // a layout transpose (identity moving): no MACs, no functional work
};

// A PSUM bank's M x N sums to the state buffer (bias and activation fused): output channels
// [group * M + m0, + m) of positions [c0, c0 + n).
struct Evict {
  uint64_t vector_cycles = 0;  // work in cycles of the engine that evicts (divided by its lanes)
  uint64_t c0 = 0;
  uint32_t m = 0, n = 0;
  uint32_t group = 0, m0 = 0;
  uint32_t psum_bank = 0;
  bool transpose = false;  // a layout transpose's result (no functional work)
};

// A vector layer's op on channels [ch0, ch0 + channels) of positions [c0, c0 + n); on a conv
// lowered `vector`, those output channels computed directly with their `macs` MACs.
struct Vector {
  uint64_t vector_cycles = 0;  // work in vector-engine cycles (already divided by the lanes)
  uint64_t c0 = 0;
  uint32_t ch0 = 0, channels = 0, n = 0;
  uint64_t macs = 0;
};

// What a DMA moves, for functional mode (which copies exactly that between its DRAM and SBUF
// copies of the tensor when the transfer's last piece completes):
//  - none: parameters not tracked (vector-op parameters, embedding tables);
//  - weights: the weight tile (layer, group, m0) into prefetch slot `weight_slot`;
//  - whole: all of `tensor` (the network input, an external layer's output);
//  - gemm_input: what MatMul tile (group, k0, k, c0, n) of `layer` reads of its moving input;
//  - stationary_input: the stationary tile (group, m0, m) of the sample at c0 (attention);
//  - vector_input: what vector op (m0 = its first channel, m channels, c0, n positions) of
//    `layer` reads of its input number `input`;
//  - output: channels [m0, m0 + m) x positions [c0, c0 + n) of `tensor`, written to DRAM.
enum class DmaData : uint8_t {
  none,
  weights,
  whole,
  gemm_input,
  stationary_input,
  vector_input,
  output
};

// The part of a tensor a DMA moves (see DmaData for what each field means per kind).
struct DmaRegion {
  uint32_t group = 0, k0 = 0, k = 0, m0 = 0, m = 0, n = 0;
  uint64_t c0 = 0;
};

// One piece of a transfer between DRAM and the state buffer; a transfer's `pieces` pieces, over
// the queues, share one `xfer`.
struct Dma {
  uint64_t bytes = 0;
  bool write = false;  // SBUF -> DRAM; false: DRAM -> SBUF
  TrafficClass cls = TrafficClass::weights;
  DmaData data = DmaData::none;
  // SBUF to SBUF (an explicit im2col copy): no DRAM bytes, both SBUF ports.
  bool on_chip = false;
  int32_t tensor = -1;
  uint32_t xfer = 0, pieces = 1;
  uint32_t weight_slot = 0;  // weights: the prefetch slot it fills
  uint32_t input = 0;        // vector_input: the consumer's input number
  DmaRegion region;
};

struct Instr {
  uint32_t layer = 0;
  // state-buffer bytes this instruction reads and writes (matmul: moving data read; vector:
  // inputs read, output written; DMA from DRAM: written; DMA to DRAM: read)
  uint64_t sbuf_read = 0, sbuf_write = 0;
  DepSpan deps;  // into the program's DepPool (or another pool that outlives the replay)
  std::variant<MatMul, Evict, Vector, Dma> payload;

  Op op() const {
    if (std::holds_alternative<MatMul>(payload)) return Op::matmul;
    if (const Dma* d = std::get_if<Dma>(&payload)) return d->write ? Op::dma_write : Op::dma_read;
    return Op::vector;
  }
  bool is_evict() const { return std::holds_alternative<Evict>(payload); }
  // The payload of the kind the caller knows it holds (an engine knows its queue's kinds);
  // std::bad_variant_access if it does not.
  const MatMul& matmul() const { return std::get<MatMul>(payload); }
  const Evict& evict() const { return std::get<Evict>(payload); }
  const Vector& vector() const { return std::get<Vector>(payload); }
  const Dma& dma() const { return std::get<Dma>(payload); }
};

}  // namespace ncore::isa
