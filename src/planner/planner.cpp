// The planner's top (see planner.h): the residency pass decides what stays in SBUF and each
// layer's order, then the layers are emitted in program order into the per-engine queues. Every
// dependency points at an instruction emitted before it, so the replay cannot deadlock.
#include "planner/planner.h"

#include <algorithm>

#include "base/checked.h"
#include "planner/emitter.h"
#include "planner/estimate.h"
#include "planner/gemm_emit.h"
#include "planner/lowering.h"
#include "planner/residency.h"
#include "planner/tiling.h"
#include "planner/vector_emit.h"

namespace ncore::planner {
namespace {

using isa::Program;

// Refuses a plan too large to simulate in reasonable time and memory (before emitting it), by
// its exact compute instructions once the lowerings are chosen (estimate.h).
void check_size(const PlanInputs& in, const Residency& r) {
  uint64_t n = 0;
  for (size_t l = 0; l < in.g.layers.size(); ++l)
    n = base::sat_add(n, lowered_instructions(in.g.layers[l], r.lowering[l], r.tiling,
                                              in.hw.vector_engine.lanes));
  check_cost(in, estimate_cost(in, n), "about");
}

// options.prefetch: fill. The weight buffers a plan that fits with prefetch_depth of them can
// have: each added buffer holds one largest weight block and adds the same bytes to every
// layer's occupancy, so as many as the SBUF left free at the peak layer holds keep every layer
// within capacity (at most the key's own maximum, 64).
uint32_t fill_depth(const PlanInputs& in, const Residency& r) {
  constexpr uint64_t kMaxBuffers = 64;
  const uint32_t d = in.opt.prefetch_depth;
  if (!r.fits || !r.feasible || r.weight_region_bytes == 0) return d;
  uint64_t peak = 0;
  for (size_t l = 0; l < in.g.layers.size(); ++l)
    if (!in.g.layers[l].shape_only) peak = std::max(peak, occupancy(in, r, l));
  const uint64_t block = r.weight_region_bytes / d;
  const uint64_t room = in.hw.state_buffer.capacity - std::min(peak, in.hw.state_buffer.capacity);
  return static_cast<uint32_t>(
      std::min<uint64_t>(kMaxBuffers, std::max<uint64_t>(d, d + room / block)));
}

// The residency pass, with the weight buffers options.prefetch asks for.
Residency residency_for(PlanInputs& in) {
  Residency r = plan_residency(in);
  if (!in.opt.prefetch_fill) return r;
  const uint32_t base = in.opt.prefetch_depth, d = fill_depth(in, r);
  if (d == base) return r;
  in.opt.prefetch_depth = d;
  Residency filled = plan_residency(in);
  if (filled.fits) return filled;
  in.opt.prefetch_depth = base;  // cannot happen (see fill_depth); the fixed plan stands
  return r;
}

// The program's header from the residency pass, with empty queues.
Program program_for(const PlanInputs& in, const Residency& r) {
  Program p;
  if (in.hw.engines.scalar) p.compute.push_back(isa::ComputeEngine::scalar);
  if (in.hw.engines.gpsimd) p.compute.push_back(isa::ComputeEngine::gpsimd);
  p.dma_queues = in.hw.dma.queues;
  p.queues.resize(p.first_dma() + in.hw.dma.queues);
  p.sbuf_capacity = in.hw.state_buffer.capacity;
  p.input_bytes = r.tensors[0].bytes;
  for (int t : in.g.outputs())
    p.output_bytes += r.tensors[static_cast<size_t>(in.g.resolve(t))].bytes;
  p.fits = r.fits;
  p.feasible = r.feasible;
  p.infeasible = r.infeasible;
  p.spilled_tensors = r.spilled_tensors;
  p.weight_region_bytes = r.weight_region_bytes;
  p.weight_buffers = in.opt.prefetch_depth;
  p.tiled = r.tiling.m_cap < in.hw.tensor_engine.cols;
  p.tiling_m_cap = r.tiling.m_cap;
  p.tiling_chunk_cap = r.tiling.chunk_cap;
  return p;
}

isa::LayerPlan layer_plan(const PlanInputs& in, const Residency& r, size_t l, uint64_t sbuf_bytes) {
  const workload::Layer& layer = in.g.layers[l];
  isa::LayerPlan lp;
  lp.name = layer.name;
  lp.kind = layer.kind;
  lp.order = r.orders[l];
  lp.lowering = r.lowering[l].kind;
  lp.macs = layer.macs_per_sample() * in.batch;
  lp.weight_bytes = layer.weight_elems() * in.dtype_bytes;
  lp.output_resident = r.tensors[static_cast<size_t>(in.out_tensor(l))].resident;
  if (!layer.shape_only) {
    lp.sbuf_bytes = sbuf_bytes;
    lp.n_chunks = n_chunks(chunking(layer, r.tiling));
  }
  return lp;
}

// The network input, loaded whole before its first consumer runs (when it stays in SBUF).
void emit_network_input(Emitter& e) {
  const auto& layers = e.in().g.layers;
  if (!e.tensor(0).resident) return;
  uint32_t first = 0;
  while (first + 1 < layers.size() && layers[first].shape_only) ++first;
  e.ready(0) = e.queues().read(e.tensor(0).bytes, isa::TrafficClass::io, first, {},
                               moves(isa::DmaData::whole, 0));
}

// An external layer's output: read whole into SBUF, or left in DRAM for its consumers.
void emit_external(Emitter& e, size_t l) {
  const int t = static_cast<int>(l + 1);
  if (!e.tensor(t).resident) return;
  e.ready(t) = e.queues().read(e.tensor(t).bytes, e.home_class(t), static_cast<uint32_t>(l), {},
                               moves(isa::DmaData::whole, t));
}

void emit_layer(Emitter& e, size_t l, isa::LayerPlan& lp) {
  switch (lp.order) {
    case isa::Order::external:
      emit_external(e, l);
      break;
    case isa::Order::gather:
      emit_gather(e, l);
      break;
    case isa::Order::vector:
      emit_vector(e, l);
      break;
    default:
      emit_gemm(e, l, lp);
  }
}

void emit_layers(const PlanInputs& in, const Residency& r, Program& p) {
  Emitter e(in, r, p);
  emit_network_input(e);
  const std::vector<uint64_t> occ = occupancies(in, r);
  for (size_t l = 0; l < in.g.layers.size(); ++l) {
    isa::LayerPlan lp = layer_plan(in, r, l, occ[l]);
    if (!in.g.layers[l].shape_only) emit_layer(e, l, lp);
    p.sbuf_peak = std::max(p.sbuf_peak, lp.sbuf_bytes);
    p.macs += lp.macs;
    p.layers.push_back(std::move(lp));
  }
}

// Each layer's planned DRAM traffic by class, from its DMAs.
void count_traffic(Program& p) {
  for (size_t e = p.first_dma(); e < p.engines(); ++e)
    for (const isa::Instr& i : p.queues[e]) {
      const isa::Dma& d = i.dma();
      if (d.on_chip) continue;  // an im2col copy: no DRAM bytes
      isa::LayerPlan& lp = p.layers[i.layer];
      (d.write ? lp.write_bytes : lp.read_bytes)[static_cast<int>(d.cls)] += d.bytes;
    }
}

}  // namespace

Program plan(const workload::Graph& g, const config::HwConfig& hw, uint64_t batch,
             workload::DType dtype, const config::Options& opt, bool trace) {
  PlanInputs in{g, hw, batch, workload::dtype_bytes(dtype), opt, dtype, trace};
  check_cost(in, estimate_cost(in, array_tiling(hw, batch)), "at least");
  const Residency r = residency_for(in);
  Program p = program_for(in, r);
  if (!r.feasible) return p;
  check_size(in, r);
  for (size_t t = 0; t < r.tensors.size(); ++t)
    p.resident.push_back(r.tensors[static_cast<size_t>(g.resolve(static_cast<int>(t)))].resident);
  emit_layers(in, r, p);
  count_traffic(p);
  return p;
}

MaxBatch max_batch(const workload::Graph& g, const config::HwConfig& hw, workload::DType dtype,
                   config::Options opt, uint64_t limit) {
  opt.allow_spill = false;
  auto fits = [&](uint64_t b) {
    return plan_residency(PlanInputs{g, hw, b, workload::dtype_bytes(dtype), opt, dtype});
  };
  // A model that cannot be simulated even at batch 1 is refused before the search (estimate.h).
  const PlanInputs one{g, hw, 1, workload::dtype_bytes(dtype), opt, dtype};
  check_cost(one, estimate_cost(one, array_tiling(hw, 1)), "at least");
  MaxBatch r;
  const Residency at = fits(1);
  if (!at.feasible) {
    r.binding_layer = at.infeasible.layer;
    r.shortfall_bytes = at.infeasible.shortfall_bytes;
    return r;
  }
  // Doubling, then bisection between the last batch that fits and the first that does not.
  uint64_t lo = 1, hi = 2;
  while (hi <= limit && fits(hi).feasible) {
    lo = hi;
    hi *= 2;
  }
  if (hi > limit) {
    hi = limit + 1;
    if (lo < limit && fits(limit).feasible) lo = limit;
  }
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    (fits(mid).feasible ? lo : hi) = mid;
  }
  r.max_batch = lo;
  r.limit_reached = lo >= limit;
  if (!r.limit_reached) {
    const Residency next = fits(lo + 1);
    r.binding_layer = next.infeasible.layer;
    r.shortfall_bytes = next.infeasible.shortfall_bytes;
  }
  return r;
}

void check_deployment_cost(const config::RunConfig& rc, uint64_t compute_instructions, bool trace) {
  const PlanInputs in{rc.model,   rc.hw,    rc.batch, workload::dtype_bytes(rc.dtype),
                      rc.options, rc.dtype, trace};
  check_cost(in, estimate_cost(in, compute_instructions), "about");
}

config::HwConfig planner_view(const config::HwConfig& hw) {
  config::HwConfig v = hw;
  v.name.clear();
  v.dram = config::DramConfig{};
  v.host = config::HostConfig{};
  v.energy = config::EnergyConfig{};
  v.chip.reset();  // read by the deployments only (issue 15)
  return v;
}

std::string plan_key(const config::RunConfig& rc, bool trace) {
  config::RunConfig v;
  v.hw = planner_view(rc.hw);
  v.model_file = rc.model_file;
  v.batch = rc.batch;
  v.dtype = rc.dtype;
  v.io_dtype = rc.io_dtype;
  v.options = rc.options;
  return config::resolved_yaml(v, ".") + "model_file: " + rc.model_file +
         "\ntrace: " + (trace ? "true" : "false") + "\n";
}

}  // namespace ncore::planner
