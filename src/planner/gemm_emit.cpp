// MatMul layers (see gemm_emit.h): one per-layer context, GemmLayer, shared by the three loop
// orders, each a method that walks its blocks and chunks and emits tiles through the one tile()
// (MatMuls and eviction). Data placement and buffer reuse are the emitter's (emitter.h).
#include "planner/gemm_emit.h"

#include <algorithm>

#include "base/math.h"
#include "planner/vector_emit.h"

namespace ncore::planner {
namespace {

using isa::DmaData;
using isa::DmaRegion;
using isa::Instr;

uint32_t u32(uint64_t x) {
  return static_cast<uint32_t>(x);
}

// Where a tile is: group, first output channel of the group, first position, the prefetch slot
// of its weight tile (weights from DRAM), and the groups it packs (block_diagonal: gp groups from
// `group`, m0 counting from the first one's first channel).
struct TileAt {
  uint64_t group, m0, c0;
  uint32_t slot = 0;
  uint64_t gp = 1;
};

class GemmLayer {
 public:
  GemmLayer(Emitter& e, size_t l, isa::LayerPlan& lp)
      : m_e(e),
        m_in(e.in()),
        m_layer(m_in.g.layers[l]),
        m_gm(*m_layer.gemm),
        m_tiling(e.residency().tiling),
        m_lid(u32(l)),
        m_ins(m_in.in_tensors(l)),
        m_out(m_in.out_tensor(l)),
        m_c(chunking(m_layer, m_tiling)),
        m_low(e.residency().lowering[l]),
        m_steps(k_steps(m_layer, m_low, m_tiling)),
        m_mb(tile_m(m_gm, m_low, m_tiling)),
        m_lp(lp) {}

  void weight_stationary();
  void activation_stationary();
  DepList stationary_tile(uint64_t g, uint64_t m0, uint64_t m, uint64_t s0, int& slot,
                          const DepList& cache);
  void activation_operands();
  // Evicts the PSUM bank that packed tiles share (m_pack), if any.
  void flush();
  // The output is complete when every tile's eviction (or write) is.
  void finish() { m_e.ready(m_out) = std::move(m_ready); }

 private:
  template <class KInput, class KDone>
  Dep tile(const TileAt& at, uint64_t m, uint64_t nn, const DepList& stationary, KInput k_input,
           KDone k_done);
  // `elems`: the elements evicted when not m x nn (a packed bank's tiles of other widths).
  void evict(const TileAt& at, uint64_t m, uint64_t nn, uint32_t bank, const Dep& last_mm,
             uint64_t elems = 0);
  // The deps under which im2col rows [k0, k0 + kk) of the moving input's chunk [c0, c0 + nn) (of
  // `bytes` per group) of gp groups from `group` are in SBUF.
  DepList moving_input(const TileAt& at, uint64_t nn, uint64_t bytes, const KStep& st,
                       int& slot) const;
  // The explicit im2col copy of `rows` rows for nn positions, after `input`, into the next
  // im2col buffer (returned in `slot`).
  DepList im2col_copy(uint64_t rows, uint64_t nn, const DepList& input, size_t& slot);
  uint64_t share(uint64_t c0, uint64_t nn) const {
    return input_share(m_in, m_e.residency(), m_layer, m_ins[0], c0, nn, m_c);
  }

  Emitter& m_e;
  const PlanInputs& m_in;
  const workload::Layer& m_layer;
  const workload::Gemm& m_gm;
  const Tiling m_tiling;
  const uint32_t m_lid;
  const std::vector<int> m_ins;  // the moving input, then (attention) the stationary one
  const int m_out;
  const Chunking m_c;
  const Lowered m_low;
  const std::vector<KStep> m_steps;  // each tile's MatMuls
  const uint64_t m_mb;               // output-channel block
  isa::LayerPlan& m_lp;
  DepList m_ready;  // the output is complete when these are
  DepList m_deps;   // the instruction being emitted's (its capacity reused)
  // A decode step's attention: tiles of a few columns (one per sequence) share a PSUM bank at
  // column offsets until it is full (the tiling's chunk cap) or the sample ends, and one
  // eviction moves them all, as a decode kernel fills a PSUM tile's free dimension.
  struct Pack {
    bool on = false;
    uint32_t bank = 0;
    uint64_t cols = 0, m = 0, elems = 0;
    TileAt at{};
    Dep last{};
  } m_pack;
};

// The MatMuls wait on `stationary` (the tile's weights: the first deps, which background
// preload reads) and on `k_input(step)`, the deps under which the step's input block is in SBUF
// (asked at its first step), through an im2col copy when the lowering pays one; `k_done(mm)`
// learns each MatMul. Returns the last.
template <class KInput, class KDone>
Dep GemmLayer::tile(const TileAt& at, uint64_t m, uint64_t nn, const DepList& stationary,
                    KInput k_input, KDone k_done) {
  const bool join = m_pack.on && m_pack.cols && m_pack.cols + nn <= m_tiling.chunk_cap;
  if (!join) flush();
  const auto bank = join ? m_pack.bank : static_cast<uint32_t>(m_e.psum_banks().take());
  Dep last_mm{};
  DepList input, copied;
  size_t copy_slot = 0;
  // An input in SBUF is expanded once per tile (all K rows); one streamed from DRAM per K block.
  const bool whole = m_low.copy && m_e.tensor(m_ins[0]).resident;
  for (size_t s = 0; s < m_steps.size(); ++s) {
    const KStep& st = m_steps[s];
    if (st.first) input = k_input(st);
    if (m_low.copy && (!whole || s == 0))
      copied = im2col_copy(whole ? m_gm.k : st.k, nn, input, copy_slot);
    isa::MatMul mm;
    mm.k = u32(st.k * at.gp);
    mm.m = u32(m);
    mm.n = u32(nn);
    mm.accumulate = s > 0;
    mm.group = u32(at.group);
    mm.k0 = u32(st.k0);
    mm.m0 = u32(at.m0);
    mm.tap = st.tap;
    mm.groups = u32(at.gp);
    mm.c0 = at.c0;
    mm.psum_bank = bank;
    mm.weight_slot = at.slot;
    // The weight deps stay first and unmerged: background preload reads when they were met.
    // After them the input's (or its copy's), merged with the PSUM bank's.
    m_deps.assign(stationary.begin(), stationary.end());
    mm.weight_deps = static_cast<uint8_t>(std::min<size_t>(m_deps.size(), 255));
    const DepList& other = m_low.copy ? copied : input;
    m_deps.insert(m_deps.end(), other.begin(), other.end());
    merge_after(m_deps, stationary.size(), m_e.psum_banks().free[bank]);
    Instr i;
    i.layer = m_lid;
    i.sbuf_read = uint64_t{mm.k} * nn * m_in.dtype_bytes;
    i.payload = mm;
    last_mm = m_e.queues().emit(isa::kTensorEngine, std::move(i), m_deps);
    if (m_low.copy) m_e.im2col_buffers().free[copy_slot] = {last_mm};
    k_done(last_mm);
    ++m_lp.matmuls;
  }
  if (!m_pack.on) {
    evict(at, m, nn, bank, last_mm);
    return last_mm;
  }
  if (!join) m_pack.at = at;
  m_pack.bank = bank;
  m_pack.cols += nn;
  m_pack.m = std::max(m_pack.m, m);
  m_pack.elems += m * nn;
  m_pack.last = last_mm;
  return last_mm;
}

void GemmLayer::flush() {
  if (!m_pack.cols) return;
  evict(m_pack.at, m_pack.m, m_pack.cols, m_pack.bank, m_pack.last, m_pack.elems);
  m_pack.cols = m_pack.m = m_pack.elems = 0;
}

// The tile's PSUM bank to SBUF, then (an output in DRAM) its write.
void GemmLayer::evict(const TileAt& at, uint64_t m, uint64_t nn, uint32_t bank, const Dep& last_mm,
                      uint64_t elems) {
  // On the scalar engine when there is one, else on the vector engine (evict_engine_cycles).
  const int scalar = m_e.queues().program().engine_id(isa::ComputeEngine::scalar);
  const size_t out_slot = m_e.out_ring().take();
  isa::Evict ev;
  ev.vector_cycles = evict_engine_cycles(m_in.hw, m, nn);
  ev.m = u32(m);
  ev.n = u32(nn);
  ev.group = u32(at.group);
  ev.m0 = u32(at.m0);
  ev.c0 = at.c0;
  ev.psum_bank = bank;
  Instr e;
  e.layer = m_lid;
  e.sbuf_write = (elems ? elems : m * nn) * m_in.dtype_bytes;
  m_deps.assign(1, last_mm);
  if (!m_e.tensor(m_out).resident) merge(m_deps, m_e.out_ring().free[out_slot]);
  e.payload = ev;
  const uint64_t out_bytes = e.sbuf_write;
  const Dep done = m_e.queues().emit(
      scalar >= 0 ? static_cast<uint16_t>(scalar) : isa::kVectorEngine, std::move(e), m_deps);
  m_e.psum_banks().free[bank] = {done};
  m_e.output_chunk(m_out, m_lid, out_bytes, done, out_slot, m_ready,
                   DmaRegion{0, 0, 0, u32(at.group * m_gm.m + at.m0), u32(m), u32(nn), at.c0});
}

DepList GemmLayer::moving_input(const TileAt& at, uint64_t nn, uint64_t bytes, const KStep& st,
                                int& slot) const {
  // gp groups' channels are consecutive: their rows run on to the last group's
  const uint64_t k = st.in_k + (at.gp - 1) * m_gm.k;
  return m_e.input_chunk(
      m_ins[0], m_lid, part(bytes * at.gp, st.in_k0 * at.gp, k, m_gm.k * at.gp), 0, slot,
      moves(DmaData::gemm_input, -1,
            DmaRegion{u32(at.group), u32(st.in_k0), u32(k), 0, 0, u32(nn), at.c0}));
}

DepList GemmLayer::im2col_copy(uint64_t rows, uint64_t nn, const DepList& input, size_t& slot) {
  Ring& ring = m_e.im2col_buffers();
  slot = ring.take();
  DepList deps = input;
  merge(deps, ring.free[slot]);
  return m_e.queues().copy(rows * nn * m_in.dtype_bytes, m_lid, deps);
}

// Per output-channel block, its weights (all K blocks) stay in a prefetch slot while every chunk
// of positions streams through; a streamed input arrives per K block (and again per block).
void GemmLayer::weight_stationary() {
  WeightPrefetch& w = m_e.weights();
  for_packs(m_gm, m_low, [&](uint64_t g, uint64_t gp) {
    const uint64_t mt = gp * m_gm.m;  // the output channels of the pack
    for (uint64_t m0 = 0; m0 < mt; m0 += m_mb) {
      const size_t j = w.next(m_e.queues());
      ++m_lp.weight_blocks;
      Dep last_mm{};
      for_chunks(m_c, [&](uint64_t c0, uint64_t nn) {
        const uint64_t bytes = share(c0, nn);
        const TileAt at{g, m0, c0, w.slot(j), gp};
        int slot = -1;
        last_mm = tile(
            at, std::min(m_mb, mt - m0), nn, w.loaded(j),
            [&](const KStep& st) { return moving_input(at, nn, bytes, st, slot); },
            [&](const Dep& mm) { m_e.release_slot(0, slot, mm); });
      });
      w.release(j, last_mm);
    }
  });
}

// Per chunk of positions, the input chunk (all K blocks) is read once into a stream slot and
// stays while every block's weights stream through the prefetch slots again (class weights).
void GemmLayer::activation_stationary() {
  WeightPrefetch& w = m_e.weights();
  const int t_in = m_ins[0];
  for_chunks(m_c, [&](uint64_t c0, uint64_t nn) {
    const uint64_t bytes = share(c0, nn);
    Ring& ring = m_e.in_ring(0);
    const size_t slot = ring.take();
    std::vector<DepList> k_ready;  // one DMA per input block, all into `slot`
    for (const KStep& st : m_steps) {
      if (!st.first) continue;
      DepList deps = m_e.ready(t_in);
      merge(deps, ring.free[slot]);
      k_ready.push_back(m_e.queues().read(
          part(bytes, st.in_k0, st.in_k, m_gm.k), m_e.home_class(t_in), m_lid, deps,
          moves(DmaData::gemm_input, t_in,
                DmaRegion{0, u32(st.in_k0), u32(st.in_k), 0, 0, u32(nn), c0})));
    }
    Dep last_mm{};
    for (uint64_t m0 = 0; m0 < m_gm.m; m0 += m_mb) {
      const size_t j = w.next(m_e.queues());
      ++m_lp.weight_blocks;
      last_mm = tile(
          TileAt{0, m0, c0, w.slot(j)}, std::min(m_mb, m_gm.m - m0), nn, w.loaded(j),
          [&](const KStep& st) { return k_ready[st.input_block]; }, [](const Dep&) {});
      w.release(j, last_mm);
    }
    m_e.in_ring(0).free[slot] = {last_mm};
  });
}

// The deps under which the stationary tile of keys-block m0 (m wide) of group g, sample s0, is in
// SBUF: the second input's part (from SBUF, or read from DRAM if that tensor was spilled), and in
// a decode step the KV cache's (its earlier tokens, the third input: `cache`, read per sample and
// group by activation_operands). The keys are the tile's columns in Q·Kᵀ (m), its rows in P·V.
DepList GemmLayer::stationary_tile(uint64_t g, uint64_t m0, uint64_t m, uint64_t s0, int& slot,
                                   const DepList& cache) {
  const isa::Dma what =
      moves(DmaData::stationary_input, -1, DmaRegion{u32(g), 0, 0, u32(m0), u32(m), 0, s0});
  const uint64_t bytes = m_gm.k * m * m_in.dtype_bytes;
  slot = -1;
  if (m_ins.size() < 3) return m_e.input_chunk(m_ins[1], m_lid, bytes, 1, slot, what);
  const uint64_t cached = m_layer.in_shapes[2].h;  // keys [0, cached) are in the cache
  const uint64_t keys = m_gm.transpose_b ? m : m_gm.k;
  const uint64_t first = m_gm.transpose_b ? m0 : 0;
  const uint64_t from_cache = std::min(keys, cached > first ? cached - first : 0);
  DepList deps = cache;
  if (from_cache < keys)
    merge(deps, m_e.input_chunk(m_ins[1], m_lid, bytes - part(bytes, 0, from_cache, keys), 1, slot,
                                what));
  return deps;
}

// Attention: per sample, per head (KV head), per block of the stationary tile (stationary_tile),
// the first input's columns of that sample stream through. With grouped-query attention a group
// is a KV head, loaded once, and its columns are the tokens of every query head sharing it
// (input_share: Q is read whole once). A decode step's KV cache is read per sample in tiles of
// kv_tile_heads() heads (residency.h), through the weight prefetch buffers (streamed weights) or
// the cache's stream ring (static weights, kv_slots deep).
void GemmLayer::activation_operands() {
  const uint64_t head_bytes = kv_head_bytes(m_in, m_layer), hp = kv_tile_heads(m_in, m_layer);
  const bool prefetched = head_bytes && !m_in.opt.static_weights;  // residency.h weight_blocks
  m_pack.on = head_bytes > 0;
  for (uint64_t s0 = 0; s0 < m_c.total; s0 += m_c.span) {
    DepList cache;
    size_t j = 0;
    int cache_slot = -1;
    for (uint64_t g = 0; g < m_gm.groups; ++g) {
      const uint64_t tile_end = hp ? std::min(m_gm.groups, g - g % hp + hp) : 0;
      if (head_bytes && g % hp == 0) {  // the next tile of the cache
        const uint64_t heads = tile_end - g;
        if (prefetched) {
          j = m_e.weights().next(m_e.queues());
          cache = m_e.weights().loaded(j);
        } else {
          cache = m_e.input_chunk(
              m_ins[2], m_lid, head_bytes * heads, Emitter::kKvRing, cache_slot,
              moves(DmaData::stationary_input, -1, DmaRegion{u32(g), 0, 0, 0, u32(m_gm.m), 0, s0}));
        }
      }
      Dep last_mm{};
      for (uint64_t m0 = 0; m0 < m_gm.m; m0 += m_mb) {
        const uint64_t m = std::min(m_mb, m_gm.m - m0);
        int sta_slot = -1;
        const DepList stationary = stationary_tile(g, m0, m, s0, sta_slot, cache);
        ++m_lp.weight_blocks;
        for (uint64_t c0 = s0; c0 < s0 + m_c.span; c0 += m_c.chunk) {
          const uint64_t nn = std::min(m_c.chunk, s0 + m_c.span - c0);
          const uint64_t bytes = share(c0, nn);
          int slot = -1;
          const TileAt at{g, m0, c0};
          last_mm = tile(
              at, m, nn, stationary,
              [&](const KStep& st) { return moving_input(at, nn, bytes, st, slot); },
              [&](const Dep& mm) { m_e.release_slot(0, slot, mm); });
        }
        m_e.release_slot(1, sta_slot, last_mm);
      }
      if (head_bytes && g + 1 == tile_end) {  // the tile's last head done
        m_e.release_slot(Emitter::kKvRing, cache_slot, last_mm);
        if (prefetched) m_e.weights().release(j, last_mm);
      }
    }
    flush();
  }
}

}  // namespace

void emit_gemm(Emitter& e, size_t l, isa::LayerPlan& lp) {
  if (e.residency().lowering[l].kind == isa::Lowering::vector) {
    emit_conv_vector(e, l);
    return;
  }
  GemmLayer layer(e, l, lp);
  switch (e.residency().orders[l]) {
    case isa::Order::activation_stationary:
      layer.activation_stationary();
      break;
    case isa::Order::activation_operands:
      layer.activation_operands();
      break;
    default:
      layer.weight_stationary();
  }
  layer.finish();
}

}  // namespace ncore::planner
