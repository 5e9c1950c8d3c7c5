// The cost bound of a point (see estimate.h): closed-form counts with saturating arithmetic, so
// that a 2^24-row input or a batch of 2^20 is refused in microseconds instead of being tiled.
#include "planner/estimate.h"

#include "base/checked.h"
#include "base/math.h"
#include "planner/plan_error.h"

namespace ncore::planner {
namespace {

using base::sat_add;
using base::sat_mul;

// n_chunks without overflow: (total / span) spans of ceil(span / chunk) chunks.
uint64_t sat_chunks(const workload::Layer& l, const Tiling& t) {
  const uint64_t per = l.gemm ? l.gemm->positions : l.vector ? l.vector->positions : 1;
  const uint64_t span = per_sample(l) ? per : sat_mul(t.batch, per);
  const uint64_t spans = per_sample(l) ? t.batch : 1;
  const uint64_t chunk = std::max<uint64_t>(1, std::min(t.chunk_cap, span));
  return sat_mul(spans, base::ceil_div(span, chunk));
}

std::string mib(uint64_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

}  // namespace

uint64_t min_instructions(const workload::Layer& l, const Tiling& t, uint64_t lanes) {
  if (l.shape_only || l.external) return 0;
  const uint64_t chunks = sat_chunks(l, t);
  if (l.vector) return sat_mul(chunks, base::ceil_div(l.vector->channels, lanes));
  if (!l.gemm) return 0;
  // A grouped layer may be lowered onto the vector engine: one op per chunk. Otherwise every
  // output-channel block and chunk takes at least one MatMul per K block and an eviction.
  if (l.gemm->groups != 1) return chunks;
  const uint64_t blocks = n_blocks(*l.gemm, t), k_blocks = n_k_blocks(*l.gemm, t);
  return sat_mul(sat_mul(blocks, chunks), k_blocks + 1);
}

CostEstimate estimate_cost(const PlanInputs& in, uint64_t instructions) {
  CostEstimate e;
  e.instructions = instructions;
  if (in.trace) e.trace_bytes = sat_mul(instructions, kTraceBytesPerInstruction);
  e.memory_bytes = sat_add(sat_mul(instructions, kBytesPerInstruction), e.trace_bytes);
  return e;
}

CostEstimate estimate_cost(const PlanInputs& in, const Tiling& t) {
  uint64_t n = 0;
  for (const workload::Layer& l : in.g.layers)
    n = sat_add(n, min_instructions(l, t, in.hw.vector_engine.lanes));
  return estimate_cost(in, n);
}

void check_cost(const PlanInputs& in, const CostEstimate& e, const std::string& what) {
  const std::string point = " at batch " + std::to_string(in.batch);
  if (e.instructions > kMaxInstructions)
    throw PlanError("the plan needs " + what + " " + std::to_string(e.instructions) +
                    " compute instructions" + point + ", over the limit of " +
                    std::to_string(kMaxInstructions) + ": reduce the batch or the input size");
  if (e.memory_bytes > kMaxMemoryBytes)
    throw PlanError("the point needs an estimated " + mib(e.memory_bytes) + " of memory" + point +
                    (e.trace_bytes ? " (" + mib(e.trace_bytes) + " of it for the trace)" : "") +
                    ", over the limit of " + mib(kMaxMemoryBytes) + ": reduce the batch" +
                    (e.trace_bytes ? " or run with --no-trace" : ""));
}

}  // namespace ncore::planner
