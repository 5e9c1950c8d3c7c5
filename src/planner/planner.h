// Planner v1: lowers a graph at compiled batch b onto a hardware config as an isa::Program
// (DESIGN.md "The loop nest of one layer at batch b", "State-buffer accounting"). Its passes:
// tiling.h (pure tile sizes), residency.h (what stays in SBUF, loop orders, spills), then
// emitter.h, gemm_emit.h and vector_emit.h (the queues). The policy is under the includes.
#pragma once
#include <string>

#include "config/hw_config.h"
#include "config/run_config.h"
#include "isa/program.h"
#include "planner/plan_error.h"
#include "workload/graph.h"

// The policy:
//  - A MatMul layer is weight_stationary: per output-channel block (M <= cols) its weights
//    (all K blocks) are read from DRAM once per invocation into one of `prefetch_depth` weight
//    buffers, then for each chunk of <= moving-limit output positions of all b samples, one
//    MatMul per K block (K <= rows) accumulates in a PSUM bank, and the vector engine evicts it;
//    activation_stationary where that moves fewer DRAM bytes (residency.h).
//  - Weight loads run ahead of compute by prefetch_depth - 1 blocks, across layer boundaries.
//    With options.prefetch: fill, a plan that fits gets as many more buffers as the SBUF left
//    free at its peak layer holds (up to 64), and is planned again with them.
//  - SBUF holds the live activations of the batch (each tensor from its producer to its last
//    consumer), the weight buffers (prefetch_depth x the largest block) and two stream buffers
//    per tensor a layer reads from or writes to DRAM. Capacity is counted in bytes: packing into
//    partitions is not modelled (an optimism). Halo rows of a streamed conv input are not re-read.
//  - When that does not fit, tensors are moved to DRAM (class spill) one at a time, first those
//    the overflowing layer does not touch, largest first. The network input and outputs live in
//    DRAM by design (class io). With options.allow_spill false the first overflow is infeasible.

namespace ncore::planner {

// Throws PlanError for tensors beyond 2^56 bytes, or a point beyond the cost bound (estimate.h:
// more than 20 million compute instructions or an estimated 4 GiB of memory, the trace's
// included when `trace`), checked before anything is allocated.
isa::Program plan(const workload::Graph& g, const config::HwConfig& hw, uint64_t batch,
                  workload::DType dtype, const config::Options& opt, bool trace = false);

// The cost bound (estimate.h) of a multi-core deployment: `compute_instructions` the compute
// instructions all its cores replay (each copy's, each pass); throws PlanError beyond it.
void check_deployment_cost(const config::RunConfig& rc, uint64_t compute_instructions, bool trace);

// The hardware as the planner sees it: `hw` with what no planning decision reads (the DRAM, the
// host, the energy table, the name, the chip block) at their defaults.
config::HwConfig planner_view(const config::HwConfig& hw);

// A run's program, planned on planner_view(rc.hw).
inline isa::Program plan(const config::RunConfig& rc, bool trace = false) {
  return plan(rc.model, planner_view(rc.hw), rc.batch, rc.dtype, rc.options, trace);
}

// All plan(rc, trace) reads, as text: the run resolved with planner_view(rc.hw) (the model by
// its path). Runs with equal keys get the same program.
std::string plan_key(const config::RunConfig& rc, bool trace);

// The largest compiled batch (up to `limit`) whose activations fit without spilling, found by
// doubling then bisection (fitting is monotone in b: every live tensor grows with it). The
// binding layer is the first that does not fit at max_batch + 1, short of shortfall_bytes;
// max_batch 0 means even batch 1 does not fit (binding layer and shortfall at batch 1). Runs the
// residency pass only: no program is emitted.
struct MaxBatch {
  uint64_t max_batch = 0;
  std::string binding_layer;
  uint64_t shortfall_bytes = 0;
  bool limit_reached = false;
};
MaxBatch max_batch(const workload::Graph& g, const config::HwConfig& hw, workload::DType dtype,
                   config::Options opt, uint64_t limit = 1 << 16);

}  // namespace ncore::planner
