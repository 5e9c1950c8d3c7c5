// What every pass of the planner reads: the graph, the hardware, the compiled batch, the dtype's
// bytes and the options, and the tensor ids a layer reads and writes (shape-only layers
// resolved to the tensor whose data they alias). No decisions here.
#pragma once
#include <cstdint>
#include <vector>

#include "config/hw_config.h"
#include "config/run_config.h"
#include "workload/graph.h"

namespace ncore::planner {

struct PlanInputs {
  const workload::Graph& g;
  const config::HwConfig& hw;
  uint64_t batch = 1;
  uint32_t dtype_bytes = 2;
  config::Options opt;
  workload::DType dtype = workload::DType::fp16;  // the MatMuls' rate (lowering estimates)
  bool trace = false;  // the run writes a trace (its memory counts in the cost bound)

  int out_tensor(size_t l) const { return g.resolve(static_cast<int>(l + 1)); }
  std::vector<int> in_tensors(size_t l) const {
    std::vector<int> v;
    for (int t : g.layers[l].inputs) v.push_back(g.resolve(t));
    return v;
  }
};

}  // namespace ncore::planner
