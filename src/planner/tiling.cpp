// Tiling of one layer (see tiling.h): block and chunk sizes from the array's rows and cols and
// the PSUM moving limit, or the finer caps the residency pass fell back to.
#include "planner/tiling.h"

#include "base/math.h"

namespace ncore::planner {

using base::ceil_div;

Tiling array_tiling(const config::HwConfig& hw, uint64_t batch) {
  return Tiling{batch, hw.tensor_engine.rows, hw.tensor_engine.cols, hw.psum.moving_limit()};
}

bool tile_finer(Tiling& t) {
  if (t.m_cap == 1 && t.chunk_cap == 1) return false;
  t.m_cap = std::max<uint64_t>(1, t.m_cap / 2);
  t.chunk_cap = std::max<uint64_t>(1, t.chunk_cap / 2);
  return true;
}

isa::Order base_order(const workload::Layer& l) {
  if (l.external) return isa::Order::external;
  if (!l.gemm) return l.gather ? isa::Order::gather : isa::Order::vector;
  return per_sample(l) ? isa::Order::activation_operands : isa::Order::weight_stationary;
}

Chunking chunking(const workload::Layer& l, const Tiling& t) {
  const uint64_t per = l.gemm ? l.gemm->positions : l.vector ? l.vector->positions : 1;
  Chunking c;
  c.total = t.batch * per;
  c.span = per_sample(l) ? per : c.total;
  c.chunk = std::min(t.chunk_cap, c.span);
  return c;
}

uint64_t n_chunks(const Chunking& c) {
  return (c.total / c.span) * ceil_div(c.span, c.chunk);
}

uint64_t block_m(const workload::Gemm& gm, const Tiling& t) {
  return std::min(gm.m, t.m_cap);
}

uint64_t n_blocks(const workload::Gemm& gm, const Tiling& t) {
  return ceil_div(gm.m, block_m(gm, t));
}

uint64_t n_k_blocks(const workload::Gemm& gm, const Tiling& t) {
  return ceil_div(gm.k, t.rows);
}

uint64_t block_bytes(const workload::Gemm& gm, uint64_t m, uint32_t dtype_bytes) {
  return (gm.k * m + (gm.bias ? m : 0)) * dtype_bytes;
}

uint64_t lane_share(uint64_t bytes, uint64_t channels, uint64_t lanes) {
  return ceil_div(bytes * std::min(lanes, channels), channels);
}

uint64_t gather_chunk_rows(const workload::Gather& ga, const Tiling& t) {
  return std::min(t.chunk_cap, ga.rows * t.batch);
}

uint64_t compute_instructions(const workload::Layer& l, const Tiling& t, uint64_t lanes) {
  const uint64_t chunks = n_chunks(chunking(l, t));
  if (l.gemm) return l.gemm->groups * n_blocks(*l.gemm, t) * chunks * (n_k_blocks(*l.gemm, t) + 1);
  if (l.vector) return chunks * ceil_div(l.vector->channels, lanes);
  return 0;
}

}  // namespace ncore::planner
