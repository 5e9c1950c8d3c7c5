// Conv lowering per MatMul layer (issue 11, "Convolution lowering onto partitions" and "Depthwise
// and grouped convolutions"). The contraction runs over SBUF partitions, at most R per MatMul
// (NKI architecture guide, "Tile Size"): a k x k conv is either kh * kw accumulating MatMuls over
// shifted windows (`taps`, K = the group's input channels of one tap, in blocks of <= R) or its
// (C_in / groups) * kh * kw im2col rows packed in R-row blocks (`im2col`). The im2col rows put
// (channel, tap) pairs on partitions, which the compute engines cannot do for more than 64
// partitions (NKI architecture guide, "Cross-Partition Connectivity"): the copy is an SBUF to SBUF
// DMA (unless tensor_engine.conv_lowering is `packed`, the original free im2col). A grouped conv
// runs a MatMul per group, on the vector engine, or `block_diagonal`. The planner's estimates are
// a compiler's cost model, not the engines' timing.
#pragma once
#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "planner/plan_inputs.h"
#include "planner/tiling.h"

namespace ncore::planner {

constexpr int kIm2colSlots = 2;  // the explicit im2col copy is double-buffered

// A layer's lowering; block_diagonal: `pack` groups per MatMul; `copy`: im2col pays its copy.
struct Lowered {
  isa::Lowering kind = isa::Lowering::none;
  uint64_t pack = 1;
  bool copy = false;
};

// One MatMul of a tile's reduction: rows [k0, k0 + k) (im2col rows; with tap >= 0 the group's
// input channels at that kernel tap), reading im2col rows [in_k0, in_k0 + in_k) of its moving
// input, input block `input_block` (read by its `first` step; the taps of a channel block share
// one read).
struct KStep {
  uint64_t k0 = 0, k = 0;
  int32_t tap = -1;
  uint64_t in_k0 = 0, in_k = 0;
  uint64_t input_block = 0;
  bool first = true;
};
std::vector<KStep> k_steps(const workload::Layer& l, const Lowered& low, const Tiling& t);

// block_diagonal: the groups one tile holds, min(groups, R / (C_in / groups), m_cap / M_g), >= 1.
uint64_t block_diagonal_pack(const workload::Layer& l, const Tiling& t);
// The output channels one MatMul tile covers: its groups' (pack of them) blocks of <= m_cap.
inline uint64_t tile_m(const workload::Gemm& gm, const Lowered& low, const Tiling& t) {
  return std::min(low.pack * gm.m, t.m_cap);
}
// Calls f(g, gp) for each set of gp groups from group g that one stationary tile packs.
template <class F>
void for_packs(const workload::Gemm& gm, const Lowered& low, F f) {
  for (uint64_t g = 0; g < gm.groups; g += low.pack) f(g, std::min(low.pack, gm.groups - g));
}

// An eviction of m x nn sums in its engine's cycles: on the scalar engine when the hardware has
// one (its activation instruction applies bias and function in one pass: NKI architecture guide,
// ScalarE), ceil(m / lanes) x nn; else on the vector engine, x vector_engine.passes.evict.
uint64_t evict_engine_cycles(const config::HwConfig& hw, uint64_t m, uint64_t nn);
// A conv op on the vector engine: `channels` output channels x n positions, k MACs each, one
// MAC per lane per vector cycle (the bound; the MACs spread over every lane: channels and,
// where fewer than the lanes, slabs of positions folded onto partitions, halos not modelled).
uint64_t conv_vector_cycles(uint64_t channels, uint64_t n, uint64_t k, uint64_t lanes);
// The im2col copy's SBUF buffers: two of a chunk's expanded moving tensor, all K rows (kh * kw x
// its input window) when the input is in SBUF, one K block (<= R rows) when it streams from DRAM.
uint64_t im2col_slot_bytes(const PlanInputs& in, const workload::Layer& l, const Tiling& t,
                           bool resident_input);

// The compute instructions (MatMuls, evictions, vector ops) the layer's emission needs at most.
uint64_t lowered_instructions(const workload::Layer& l, const Lowered& low, const Tiling& t,
                              uint64_t lanes);

// Lane-cycles of `ops` element operations of class `op`: ops x the configured passes.
uint64_t vector_pass_cycles(const config::VectorEngineConfig& ve, workload::VectorOp op,
                            uint64_t ops);
// The planner's estimate of a vector layer's engine time (core cycles): per chunk of positions
// and lane-wide block of channels, its ops at vector_engine.passes, at least the engine's static
// overhead each. (Transposes around reductions are not counted.)
uint64_t estimate_vector_cycles(const PlanInputs& in, const Tiling& t, const workload::Layer& l);
// The planner's estimate of a MatMul layer's engine time under a lowering (core cycles): per tile
// the longer of its MatMuls and its im2col copy (with the DMA's fixed costs), plus its eviction; or
// the vector ops; lane-engine instructions at least their static overhead.
uint64_t estimate_cycles(const PlanInputs& in, const Tiling& t, const workload::Layer& l,
                         const Lowered& low);
// What tensor_engine.conv_lowering and grouped_lowering choose for each layer (by
// estimate_cycles under `cost`; ties go to taps and to vector).
std::vector<Lowered> choose_lowerings(const PlanInputs& in, const Tiling& t);

}  // namespace ncore::planner
