// DRAM capacity (issue 16): the DRAM a model runs from holds its weights and, for a decoder with
// a phase, the KV cache of every sequence in the batch. A single core has its `dram.capacity`
// (its share of the chip's); a multi-core deployment shares `chip.dram.capacity` (or the cores'
// shares added up) among its copies of the model: data-parallel cores, or pipeline replicas
// (whose stages split one copy). Activations and the host's buffers are not counted: they are
// small beside weights and caches (an optimism).
#pragma once
#include <cstdint>
#include <optional>

#include "config/run_config.h"
#include "isa/program.h"

namespace ncore::planner {

struct DramNeed {
  uint64_t capacity = 0;                 // bytes (0: unbounded)
  uint64_t copies = 1;                   // of the weights and the batch's caches
  uint64_t weight_bytes = 0;             // one copy's parameters
  uint64_t kv_bytes_per_seq = 0;         // one sequence's KV cache after the step (0: no phase)
  uint64_t bytes(uint64_t batch) const;  // at a compiled batch, all copies (saturating)
};
DramNeed dram_need(const config::RunConfig& rc);

// The largest compiled batch whose weights and caches fit: UINT64_MAX when the capacity is
// unbounded or nothing grows with the batch; 0 when not even the weights fit.
uint64_t capacity_max_batch(const DramNeed& n);

// Why rc.batch does not fit in DRAM (resource "dram_capacity"), or nothing.
std::optional<isa::Infeasible> check_dram_capacity(const config::RunConfig& rc);

}  // namespace ncore::planner
