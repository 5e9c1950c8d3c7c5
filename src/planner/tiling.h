// Tiling of one layer at compiled batch b, as pure functions (DESIGN.md "The loop nest of one
// layer at batch b"): K blocks of at most the array's rows, output-channel blocks of at most its
// columns, chunks of output positions of all b samples of at most the PSUM bank's moving limit,
// never crossing a sample when the stationary operand differs per sample (attention). The caps
// shrink when the planner tiles finer to fit (planner.h). No SBUF or DRAM accounting here.
#pragma once
#include <algorithm>
#include <cstdint>

#include "config/hw_config.h"
#include "isa/program.h"
#include "workload/graph.h"

namespace ncore::planner {

struct Tiling {
  uint64_t batch = 1;
  uint64_t rows = 128;       // K blocks: at most the array's rows
  uint64_t m_cap = 128;      // output-channel blocks: the array's cols, or narrower
  uint64_t chunk_cap = 512;  // chunks: the PSUM moving limit, or fewer positions
};
Tiling array_tiling(const config::HwConfig& hw, uint64_t batch);
// Halves both caps (never below 1); false when both already were 1.
bool tile_finer(Tiling& t);

// The part of `bytes` spread over `total` items that items [lo, lo + n) hold; the parts of
// consecutive ranges add up to `bytes` exactly (128-bit intermediates: no overflow).
// Inline: the emitter calls it for every DMA piece.
inline uint64_t part(uint64_t bytes, uint64_t lo, uint64_t n, uint64_t total) {
  if ((bytes | (lo + n)) >> 32 == 0)  // the products fit in 64 bits: the same quotients, cheaper
    return bytes * (lo + n) / total - bytes * lo / total;
  using u128 = unsigned __int128;
  return static_cast<uint64_t>(u128{bytes} * (lo + n) / total - u128{bytes} * lo / total);
}

// The stationary operand is an activation that differs per sample (attention).
inline bool per_sample(const workload::Layer& l) {
  return l.gemm && l.gemm->stationary_activation;
}
// Weights read from DRAM in output-channel blocks.
inline bool has_weight_blocks(const workload::Layer& l) {
  return l.gemm && !l.gemm->stationary_activation;
}
// The order a layer's kind implies (activation_stationary is a residency decision).
isa::Order base_order(const workload::Layer& l);

// Chunking of a layer's output positions. `span` is the range a chunk may not cross: the whole
// batch, or one sample when the stationary operand differs per sample.
struct Chunking {
  uint64_t total = 0;  // b * output positions per sample
  uint64_t chunk = 0;  // <= the chunk cap
  uint64_t span = 0;
};
Chunking chunking(const workload::Layer& l, const Tiling& t);
uint64_t n_chunks(const Chunking& c);
// Calls f(c0, n) for each chunk, never crossing a span.
template <class F>
void for_chunks(const Chunking& c, F f) {
  for (uint64_t s0 = 0; s0 < c.total; s0 += c.span)
    for (uint64_t c0 = s0; c0 < s0 + c.span; c0 += c.chunk)
      f(c0, std::min(c.chunk, s0 + c.span - c0));
}

// Output-channel blocks of one group.
uint64_t block_m(const workload::Gemm& gm, const Tiling& t);
uint64_t n_blocks(const workload::Gemm& gm, const Tiling& t);
// K blocks: f(k0, k) for each, k <= rows.
template <class F>
void for_k_blocks(const workload::Gemm& gm, const Tiling& t, F f) {
  for (uint64_t k0 = 0; k0 < gm.k; k0 += t.rows) f(k0, std::min(t.rows, gm.k - k0));
}
uint64_t n_k_blocks(const workload::Gemm& gm, const Tiling& t);
// The weights (and biases) of an output-channel block m wide, in bytes.
uint64_t block_bytes(const workload::Gemm& gm, uint64_t m, uint32_t dtype_bytes);

// One lane-wide channel block's part of `bytes` spread over `channels` channels (rounded up).
uint64_t lane_share(uint64_t bytes, uint64_t channels, uint64_t lanes);
// The rows of an embedding that pass through SBUF at a time when its output lives in DRAM.
uint64_t gather_chunk_rows(const workload::Gather& ga, const Tiling& t);
// The instructions a layer's emission will need at most (MatMuls, evictions, vector ops).
uint64_t compute_instructions(const workload::Layer& l, const Tiling& t, uint64_t lanes);

}  // namespace ncore::planner
