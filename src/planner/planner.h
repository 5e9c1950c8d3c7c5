// Planner v1: lowers a graph at compiled batch b onto a hardware config as a Program
// (DESIGN.md "The loop nest of one layer at batch b", "State-buffer accounting").
//  - Every MatMul layer is weight_stationary: per output-channel block (M <= cols) its weights
//    (all K blocks) are read from DRAM once per invocation into one of `prefetch_depth` weight
//    buffers, then for each chunk of <= moving-limit output positions of all b samples, one
//    MatMul per K block (K <= rows) accumulates in a PSUM bank, and the vector engine evicts it.
//  - Weight loads run ahead of compute by prefetch_depth - 1 blocks, across layer boundaries.
//  - SBUF holds the live activations of the batch (each tensor from its producer to its last
//    consumer), the weight buffers (prefetch_depth x the largest block) and two stream buffers
//    per tensor a layer reads from or writes to DRAM. Capacity is counted in bytes: packing into
//    partitions is not modelled (an optimism). Halo rows of a streamed conv input are not re-read.
//  - When that does not fit, tensors are moved to DRAM (class spill) one at a time, first those
//    the overflowing layer does not touch, largest first. The network input and outputs live in
//    DRAM by design (class io). With options.allow_spill false the first overflow is infeasible.
#pragma once
#include <stdexcept>
#include <string>

#include "config/hw_config.h"
#include "config/run_config.h"
#include "planner/program.h"
#include "workload/graph.h"

namespace ncore::planner {

// A valid input the planner cannot plan: tensors beyond 2^56 bytes, or a program too large to
// simulate (more than 20 million instructions). The cli reports it as a bad input (exit 2).
class PlanError : public std::runtime_error {
 public:
  explicit PlanError(const std::string& what) : std::runtime_error(what) {}
};

Program plan(const workload::Graph& g, const config::HwConfig& hw, uint64_t batch,
             workload::DType dtype, const config::Options& opt);

inline Program plan(const config::RunConfig& rc) {
  return plan(rc.model, rc.hw, rc.batch, rc.dtype, rc.options);
}

// The largest compiled batch (up to `limit`) whose activations fit without spilling, found by
// doubling then bisection (fitting is monotone in b: every live tensor grows with it). The
// binding layer is the first that does not fit at max_batch + 1, short of shortfall_bytes;
// max_batch 0 means even batch 1 does not fit (binding layer and shortfall at batch 1).
struct MaxBatch {
  uint64_t max_batch = 0;
  std::string binding_layer;
  uint64_t shortfall_bytes = 0;
  bool limit_reached = false;
};
MaxBatch max_batch(const workload::Graph& g, const config::HwConfig& hw, workload::DType dtype,
                   config::Options opt, uint64_t limit = 1 << 16);

}  // namespace ncore::planner
