// Conv lowering (see lowering.h): the MatMul steps of a tile, the pack of a block-diagonal tile,
// the planner's cost estimates and the choice per layer.
#include "planner/lowering.h"

#include <algorithm>

#include "base/math.h"

namespace ncore::planner {
namespace {

using base::ceil_div;
using config::ConvLowering;
using config::GroupedLowering;
using isa::Lowering;

uint64_t taps_of(const workload::Layer& l) {
  return l.window.kh * l.window.kw;
}

// One MatMul's occupancy as a compiler estimates it: the whole weight load (R, or ceil(R / s) in
// the background), the stream max(ceil(N / rate), I), and the fill and drain R + C - 2 unless the
// array pipelines (DESIGN.md "Tensor-engine timing").
uint64_t matmul_estimate(const config::TensorEngineConfig& te, uint64_t n, double rate) {
  const uint64_t load = te.weight_preload == config::WeightPreload::none
                            ? te.rows
                            : base::ceil_cycles(te.rows / te.preload_speedup);
  const uint64_t stream =
      std::max<uint64_t>(base::ceil_cycles(static_cast<double>(n) / rate), te.issue_interval);
  const uint64_t fill = te.timing == config::ArrayTiming::serial ? te.rows + te.cols - 2 : 0;
  return load + stream + fill;
}

// s engine cycles of a lane engine in core cycles: at least its static overhead (it occupies the
// engine that long, hw/lane_engine.h), converted once (DESIGN.md "Time").
uint64_t lane_estimate(const config::HwConfig& hw, double engine_hz, const config::FixedCosts& f,
                       uint64_t s) {
  return base::ceil_cycles(std::max(static_cast<double>(s), f.static_overhead) *
                           hw.tensor_engine.clock_hz / engine_hz);
}

// An eviction of m x nn sums on its engine (the scalar engine when there is one), core cycles.
uint64_t evict_estimate(const config::HwConfig& hw, uint64_t m, uint64_t nn) {
  const uint64_t s = evict_engine_cycles(hw, m, nn);
  return hw.engines.scalar
             ? lane_estimate(hw, hw.scalar_engine.clock_hz, hw.scalar_engine.fixed, s)
             : lane_estimate(hw, hw.vector_engine.clock_hz, hw.vector_engine.fixed, s);
}

// The im2col copy of `bytes` over the DMA queues (pieces of >= 4 KiB, emitter.cpp) with its
// start latency and per-transfer overhead, in core cycles.
uint64_t copy_estimate(const config::HwConfig& hw, uint64_t bytes) {
  const double f = hw.tensor_engine.clock_hz;
  const uint64_t queues = std::min<uint64_t>(hw.dma.queues, ceil_div(bytes, 4096));
  return base::ceil_cycles((hw.dma.start_latency_s + hw.dma.transfer_overhead_s) * f +
                           static_cast<double>(bytes) * f /
                               (hw.dma.queue_bandwidth * static_cast<double>(queues)));
}

Lowered conv_choice(const PlanInputs& in, const Tiling& t, const workload::Layer& l) {
  if (taps_of(l) == 1) return Lowered{Lowering::taps};
  switch (in.hw.tensor_engine.conv_lowering) {
    case ConvLowering::packed:
      return Lowered{Lowering::im2col};
    case ConvLowering::im2col:
      return Lowered{Lowering::im2col, 1, true};
    case ConvLowering::taps:
      return Lowered{Lowering::taps};
    case ConvLowering::cost:
      break;
  }
  const Lowered taps{Lowering::taps}, im2col{Lowering::im2col, 1, true};
  return estimate_cycles(in, t, l, taps) <= estimate_cycles(in, t, l, im2col) ? taps : im2col;
}

Lowered choose(const PlanInputs& in, const Tiling& t, const workload::Layer& l) {
  if (!l.gemm) return Lowered{};
  if (l.gemm->stationary_activation) return Lowered{Lowering::taps};
  if (l.gemm->groups == 1) return conv_choice(in, t, l);
  const Lowered vector{Lowering::vector},
      diagonal{Lowering::block_diagonal, block_diagonal_pack(l, t)};
  switch (in.hw.tensor_engine.grouped_lowering) {
    case GroupedLowering::array:
      return conv_choice(in, t, l);
    case GroupedLowering::vector:
      return vector;
    case GroupedLowering::block_diagonal:
      return diagonal;
    case GroupedLowering::cost:
      break;
  }
  return estimate_cycles(in, t, l, vector) <= estimate_cycles(in, t, l, diagonal) ? vector
                                                                                  : diagonal;
}

}  // namespace

std::vector<KStep> k_steps(const workload::Layer& l, const Lowered& low, const Tiling& t) {
  const workload::Gemm& gm = *l.gemm;
  const uint64_t khw = taps_of(l);
  std::vector<KStep> steps;
  const bool taps = khw > 1 && !gm.stationary_activation &&
                    (low.kind == Lowering::taps || low.kind == Lowering::block_diagonal);
  if (!taps) {
    for (uint64_t k0 = 0; k0 < gm.k; k0 += t.rows) {
      const uint64_t kk = std::min(t.rows, gm.k - k0);
      steps.push_back(KStep{k0, kk, -1, k0, kk, k0 / t.rows, true});
    }
    return steps;
  }
  const uint64_t channels = gm.k / khw;
  for (uint64_t c0 = 0; c0 < channels; c0 += t.rows) {
    const uint64_t cb = std::min(t.rows, channels - c0);
    for (uint64_t tap = 0; tap < khw; ++tap)
      steps.push_back(
          KStep{c0, cb, static_cast<int32_t>(tap), c0 * khw, cb * khw, c0 / t.rows, tap == 0});
  }
  return steps;
}

uint64_t block_diagonal_pack(const workload::Layer& l, const Tiling& t) {
  const workload::Gemm& gm = *l.gemm;
  const uint64_t channels = gm.k / taps_of(l);  // per group, per tap
  const uint64_t pack = std::min({gm.groups, t.rows / channels, t.m_cap / gm.m});
  return std::max<uint64_t>(pack, 1);
}

uint64_t evict_engine_cycles(const config::HwConfig& hw, uint64_t m, uint64_t nn) {
  if (hw.engines.scalar) return ceil_div(m, hw.scalar_engine.lanes) * nn;
  const auto& ve = hw.vector_engine;
  return base::ceil_cycles(static_cast<double>(ceil_div(m, ve.lanes) * nn) * ve.passes.evict);
}

uint64_t conv_vector_cycles(uint64_t channels, uint64_t n, uint64_t k, uint64_t lanes) {
  return ceil_div(channels * n * k, lanes);
}

uint64_t im2col_slot_bytes(const PlanInputs& in, const workload::Layer& l, const Tiling& t,
                           bool resident_input) {
  const uint64_t chunk = chunking(l, t).chunk;
  const uint64_t rows = resident_input ? l.gemm->k : std::min(t.rows, l.gemm->k);
  return kIm2colSlots * rows * chunk * in.dtype_bytes;
}

uint64_t lowered_instructions(const workload::Layer& l, const Lowered& low, const Tiling& t,
                              uint64_t lanes) {
  if (!l.gemm) return compute_instructions(l, t, lanes);
  const uint64_t chunks = n_chunks(chunking(l, t));
  if (low.kind == Lowering::vector) return chunks;
  const uint64_t mb = tile_m(*l.gemm, low, t);
  uint64_t tiles = 0;
  for_packs(*l.gemm, low, [&](uint64_t, uint64_t gp) { tiles += ceil_div(gp * l.gemm->m, mb); });
  return tiles * chunks * (k_steps(l, low, t).size() + 1);
}

uint64_t vector_pass_cycles(const config::VectorEngineConfig& ve, workload::VectorOp op,
                            uint64_t ops) {
  // vector_pass_keys() lists the op classes in workload::VectorOp's order
  const double f = ve.passes.*config::vector_pass_keys()[static_cast<size_t>(op)].second;
  return base::ceil_cycles(static_cast<double>(ops) * f);
}

uint64_t estimate_vector_cycles(const PlanInputs& in, const Tiling& t, const workload::Layer& l) {
  const workload::VectorWork& vw = *l.vector;
  const auto& ve = in.hw.vector_engine;
  const uint64_t blocks = ceil_div(vw.channels, ve.lanes);
  uint64_t cycles = 0;
  for_chunks(chunking(l, t), [&](uint64_t, uint64_t nn) {
    const uint64_t s = vector_pass_cycles(ve, vw.op, nn * vw.ops_per_position);
    cycles += blocks * lane_estimate(in.hw, ve.clock_hz, ve.fixed, s);
  });
  return cycles;
}

uint64_t estimate_cycles(const PlanInputs& in, const Tiling& t, const workload::Layer& l,
                         const Lowered& low) {
  const workload::Gemm& gm = *l.gemm;
  const Chunking c = chunking(l, t);
  const auto& hw = in.hw;
  uint64_t cycles = 0;
  if (low.kind == Lowering::vector) {
    for_chunks(c, [&](uint64_t, uint64_t nn) {
      cycles +=
          lane_estimate(hw, hw.vector_engine.clock_hz, hw.vector_engine.fixed,
                        conv_vector_cycles(gm.groups * gm.m, nn, gm.k, hw.vector_engine.lanes));
    });
    return cycles;
  }
  const double rate = config::rate_for(hw.tensor_engine.rate, in.dtype);
  const std::vector<KStep> steps = k_steps(l, low, t);
  const uint64_t mb = tile_m(gm, low, t);
  // per tile: its MatMuls, or its copy when longer (the copy of the next tile runs beside them,
  // double-buffered), then its eviction
  for_packs(gm, low, [&](uint64_t, uint64_t gp) {
    for (uint64_t m0 = 0; m0 < gp * gm.m; m0 += mb) {
      const uint64_t m = std::min(mb, gp * gm.m - m0);
      for_chunks(c, [&](uint64_t, uint64_t nn) {
        const uint64_t tensor = steps.size() * matmul_estimate(hw.tensor_engine, nn, rate);
        const uint64_t copy = low.copy ? copy_estimate(hw, gm.k * nn * in.dtype_bytes) : 0;
        cycles += std::max(tensor, copy) + evict_estimate(hw, m, nn);
      });
    }
  });
  return cycles;
}

std::vector<Lowered> choose_lowerings(const PlanInputs& in, const Tiling& t) {
  std::vector<Lowered> v;
  for (const workload::Layer& l : in.g.layers) v.push_back(choose(in, t, l));
  return v;
}

}  // namespace ncore::planner
