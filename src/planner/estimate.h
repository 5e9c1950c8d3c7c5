// The cost bound of a point (issue 12, "Bounded cost"): before the planner allocates anything
// that grows with the batch, it estimates in closed form the compute instructions (MatMuls,
// evictions, vector ops) the program will need, the host memory the run will take and the size
// of its trace, and refuses (PlanError: exit 2, the estimate and the limit in the message) a
// point beyond a limit. The instruction estimate is a lower bound at the tiling it is given
// (finer tiling only adds instructions), so nothing the exact count would accept is refused by
// it; the exact count is checked again once the residency pass has chosen the lowerings.
#pragma once
#include <cstdint>
#include <string>

#include "planner/plan_inputs.h"
#include "planner/tiling.h"

namespace ncore::planner {

constexpr uint64_t kMaxInstructions = 20'000'000;        // compute instructions of one program
constexpr uint64_t kMaxMemoryBytes = uint64_t{4} << 30;  // estimated host memory of one point
// Host memory per compute instruction, measured (peak RSS / compute instructions) on ResNet-50
// FP16 on inf1 at batch 256 and 1024: about 2,000 B without a trace (the instruction, the ~9
// DMAs that stream its operands from DRAM, their queue entries, semaphores and stats) and
// 4,400 B more with one (the trace records, then the trace.json text built from them). A model
// that moves fewer DMAs per MatMul needs less: the estimate errs on the safe side.
constexpr uint64_t kBytesPerInstruction = 2000;
constexpr uint64_t kTraceBytesPerInstruction = 4400;

struct CostEstimate {
  uint64_t instructions = 0;  // compute instructions (saturating)
  uint64_t trace_bytes = 0;   // 0 without tracing
  uint64_t memory_bytes = 0;  // instructions' and trace's host memory
};

// A lower bound of the compute instructions layer l needs at tiling t, whatever its lowering.
uint64_t min_instructions(const workload::Layer& l, const Tiling& t, uint64_t lanes);

CostEstimate estimate_cost(const PlanInputs& in, uint64_t instructions);
// estimate_cost over the lower bound of every layer at tiling t.
CostEstimate estimate_cost(const PlanInputs& in, const Tiling& t);

// Throws PlanError when the estimate is beyond kMaxInstructions or kMaxMemoryBytes; `what`
// says which count it is ("at least", "exactly").
void check_cost(const PlanInputs& in, const CostEstimate& e, const std::string& what);

}  // namespace ncore::planner
