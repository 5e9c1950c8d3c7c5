// Vector layers and embeddings (see vector_emit.h): the order of a vector layer's ops, its
// parameter read, its inputs' and outputs' stream slots, and an embedding's row reads.
#include "planner/vector_emit.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "base/math.h"
#include "planner/lowering.h"
#include "workload/layer_kind.h"

namespace ncore::planner {
namespace {

using isa::DmaData;
using isa::DmaRegion;

uint32_t u32(uint64_t x) {
  return static_cast<uint32_t>(x);
}

// The (first channel, first position) of each op in program order. Softmax and layernorm
// reduce over every channel of a position: their chunks go outermost.
std::vector<std::pair<uint64_t, uint64_t>> vector_order(const workload::VectorWork& vw,
                                                        const Chunking& c, uint64_t lanes,
                                                        bool across) {
  std::vector<std::pair<uint64_t, uint64_t>> order;
  for (uint64_t a = 0; a < (across ? c.total : vw.channels); a += (across ? c.chunk : lanes))
    for (uint64_t b = 0; b < (across ? vw.channels : c.total); b += (across ? lanes : c.chunk))
      order.emplace_back(across ? b : a, across ? a : b);
  return order;
}

// An output chunk waiting for its write: bytes, channels [ch0, ch0 + cw) x positions
// [c0, c0 + nn), from output slot `slot`.
struct PendingOut {
  uint64_t bytes, ch0, cw, c0, nn;
  size_t slot;
};

// A k x m tile (k partitions, m elements each) to transpose.
struct TransposeTile {
  uint64_t k, m;
};

// Layout transposes (vector_engine.transpose_reductions): each tile becomes m partitions of k
// elements through the tensor engine, an identity MatMul{K = k, M = m, N = k} with the data
// stationary (NKI ISA nc_transpose; architecture guide, "Alternative Use Case"), as many tiles
// per PSUM bank as its moving limit holds, then one eviction per bank to SBUF on the scalar
// engine (else the vector engine), as the GEMM's. Returns the evictions' deps.
DepList transpose(Emitter& e, uint32_t lid, const std::vector<TransposeTile>& tiles,
                  const DepList& after) {
  const PlanInputs& in = e.in();
  const uint64_t limit = in.hw.psum.moving_limit();
  const int scalar = e.queues().program().engine_id(isa::ComputeEngine::scalar);
  DepList done, deps;
  for (size_t t = 0; t < tiles.size();) {
    const auto bank = static_cast<uint32_t>(e.psum_banks().take());
    uint64_t cols = 0, parts = 0;
    Dep last{};
    for (; t < tiles.size() && (cols == 0 || cols + tiles[t].k <= limit); ++t) {
      isa::MatMul mm;
      mm.k = u32(tiles[t].k);
      mm.m = u32(tiles[t].m);
      mm.n = u32(tiles[t].k);
      mm.psum_bank = bank;
      mm.transpose = true;
      isa::Instr i;
      i.layer = lid;
      i.sbuf_read = tiles[t].k * tiles[t].m * in.dtype_bytes;
      deps.assign(after.begin(), after.end());  // not `= after`: GCC 12 -Wnonnull false alarm
      merge(deps, e.psum_banks().free[bank]);
      i.payload = mm;
      last = e.queues().emit(isa::kTensorEngine, std::move(i), deps);
      cols += tiles[t].k;
      parts = std::max(parts, tiles[t].m);
    }
    isa::Evict ev;
    const auto& ve = in.hw.vector_engine;
    ev.vector_cycles =
        scalar >= 0
            ? base::ceil_div(parts, in.hw.scalar_engine.lanes) * cols
            : base::ceil_cycles(static_cast<double>(base::ceil_div(parts, ve.lanes) * cols) *
                                ve.passes.evict);
    ev.m = u32(parts);
    ev.n = u32(cols);
    ev.psum_bank = bank;
    ev.transpose = true;
    isa::Instr x;
    x.layer = lid;
    x.sbuf_write = parts * cols * in.dtype_bytes;
    x.payload = ev;
    const Dep evicted = e.queues().emit(
        scalar >= 0 ? static_cast<uint16_t>(scalar) : isa::kVectorEngine, std::move(x), {last});
    e.psum_banks().free[bank] = {evicted};
    merge(done, evicted);
  }
  return done;
}

// The tiles of a cw-channel x nn-position block: in, positions onto partitions (tiles of
// cw x <= cols positions); out, back (tiles of <= rows positions x cw).
std::vector<TransposeTile> transpose_tiles(const PlanInputs& in, uint64_t cw, uint64_t nn,
                                           bool back) {
  const uint64_t step = back ? in.hw.tensor_engine.rows : in.hw.tensor_engine.cols;
  std::vector<TransposeTile> tiles;
  for (uint64_t p0 = 0; p0 < nn; p0 += step) {
    const uint64_t pp = std::min(step, nn - p0);
    tiles.push_back(back ? TransposeTile{pp, cw} : TransposeTile{cw, pp});
  }
  return tiles;
}

}  // namespace

// Its parameters (if any) are read first, once. A reducing layer's chunk leaves for DRAM only
// after its last channel block.
void emit_vector(Emitter& e, size_t l) {
  const PlanInputs& in = e.in();
  const workload::VectorWork& vw = *in.g.layers[l].vector;
  const uint32_t lid = u32(l);
  const auto ins = in.in_tensors(l);
  const int t_out = in.out_tensor(l);
  const Chunking c = chunking(in.g.layers[l], e.residency().tiling);
  const uint64_t lanes = in.hw.vector_engine.lanes;
  const DepList params =
      in.opt.static_weights
          ? DepList{}
          : e.queues().read(vw.param_elems * in.dtype_bytes, isa::TrafficClass::weights, lid, {});
  DepList ready;
  const bool across = workload::kind_of(in.g.layers[l]).flags.reduces_channels;
  const bool turn = across && in.hw.vector_engine.transpose_reductions;
  std::vector<PendingOut> pending;  // across: the chunk's outputs, written after its last block
  // A block's op done; with `turn` its transposes back are emitted after the next block's
  // transposes in, so that the in-order tensor engine does not wait on the op (software
  // pipelining, as the NKI performance guide's Opt #3).
  struct Open {
    Dep done;
    uint64_t cw, nn;
    bool closes_chunk;
  };
  std::optional<Open> open;
  auto close = [&](const Open& o) {
    Dep done = o.done;
    if (turn) done = transpose(e, lid, transpose_tiles(in, o.cw, o.nn, true), {done}).front();
    if (!o.closes_chunk) return;
    for (const PendingOut& p : pending)
      e.output_chunk(t_out, lid, p.bytes, done, p.slot, ready,
                     DmaRegion{0, 0, 0, u32(p.ch0), u32(p.cw), u32(p.nn), p.c0});
    pending.clear();
  };
  for (const auto& [ch0, c0] : vector_order(vw, c, lanes, across)) {
    const uint64_t cw = std::min(lanes, vw.channels - ch0);
    const uint64_t nn = std::min(c.chunk, c.total - c0);
    isa::Instr v;
    v.layer = lid;
    v.payload =
        isa::Vector{vector_pass_cycles(in.hw.vector_engine, vw.op, nn * vw.ops_per_position), c0,
                    u32(ch0), u32(cw), u32(nn)};
    DepList deps = params;
    std::vector<int> slots(ins.size(), -1);
    for (size_t k = 0; k < ins.size(); ++k) {
      const uint64_t block = part(e.tensor(ins[k]).bytes, ch0, cw, vw.channels);
      const uint64_t share = part(block, c0, nn, c.total);
      v.sbuf_read += share;
      isa::Dma what =
          moves(DmaData::vector_input, -1, DmaRegion{0, 0, 0, u32(ch0), u32(cw), u32(nn), c0});
      what.input = u32(k);
      merge(deps, e.input_chunk(ins[k], lid, share, k, slots[k], what));
    }
    const uint64_t out_share =
        part(part(e.tensor(t_out).bytes, ch0, cw, vw.channels), c0, nn, c.total);
    v.sbuf_write += out_share;
    const size_t out_slot = e.out_ring().take();
    if (!e.tensor(t_out).resident) merge(deps, e.out_ring().free[out_slot]);
    if (turn) deps = transpose(e, lid, transpose_tiles(in, cw, nn, false), deps);
    const Dep done = e.queues().emit(isa::kVectorEngine, std::move(v), deps);
    for (size_t k = 0; k < ins.size(); ++k) e.release_slot(k, slots[k], done);
    if (open) close(*open);
    pending.push_back(PendingOut{out_share, ch0, cw, c0, nn, out_slot});
    open = Open{done, cw, nn, !across || ch0 + cw == vw.channels};
    if (!turn) {
      close(*open);
      open.reset();
    }
  }
  if (open) close(*open);
  e.ready(t_out) = std::move(ready);
}

// The rows are read once the token ids are in SBUF. An output that lives in DRAM passes through
// two stream slots a chunk of rows at a time (the rows of a broadcast table are read once, then
// copied out).
void emit_gather(Emitter& e, size_t l) {
  const PlanInputs& in = e.in();
  const workload::Gather& ga = *in.g.layers[l].gather;
  const uint32_t lid = u32(l);
  const int t_in = in.in_tensors(l)[0], t_out = in.out_tensor(l);
  const uint64_t row_bytes = ga.row_elems * in.dtype_bytes;
  DepList ids = e.ready(t_in);
  if (!e.tensor(t_in).resident)  // the token ids live in DRAM: read them in first
    ids = e.queues().read(e.tensor(t_in).bytes, e.home_class(t_in), lid, ids,
                          moves(DmaData::whole, t_in));
  if (e.tensor(t_out).resident) {
    const uint64_t rows = ga.broadcast ? ga.rows : ga.rows * in.batch;
    e.ready(t_out) = e.queues().read(rows * row_bytes, isa::TrafficClass::weights, lid, ids);
    if (e.tensor(t_out).io_home)  // an output still read here: written out too
      e.queues().write(ga.rows * in.batch * row_bytes, e.home_class(t_out), lid, e.ready(t_out),
                       moves(DmaData::output, t_out,
                             DmaRegion{0, 0, 0, 0, u32(ga.row_elems), u32(ga.rows * in.batch), 0}));
    return;
  }
  const uint64_t total = ga.rows * in.batch;
  const uint64_t chunk = gather_chunk_rows(ga, e.residency().tiling);
  DepList ready;
  for (uint64_t r0 = 0; r0 < total; r0 += chunk) {
    const uint64_t n = std::min(chunk, total - r0);
    const size_t slot = e.out_ring().take();
    DepList deps = ids;
    merge(deps, e.out_ring().free[slot]);
    const bool read = !ga.broadcast || r0 < ga.rows;  // a broadcast table is read once
    const DepList rows =
        read ? e.queues().read(std::min(n, ga.broadcast ? ga.rows - r0 : n) * row_bytes,
                               isa::TrafficClass::weights, lid, deps)
             : deps;
    const DepList w = e.queues().write(
        n * row_bytes, e.home_class(t_out), lid, rows,
        moves(DmaData::output, t_out, DmaRegion{0, 0, 0, 0, u32(ga.row_elems), u32(n), r0}));
    e.out_ring().free[slot] = w;
    merge(ready, w);
  }
  e.ready(t_out) = std::move(ready);
}

// Each op reads one input element per MAC (the shifted window of each tap) and writes its
// outputs; an input that lives in DRAM arrives per chunk, every group's channels at once.
void emit_conv_vector(Emitter& e, size_t l) {
  const PlanInputs& in = e.in();
  const workload::Layer& layer = in.g.layers[l];
  const workload::Gemm& gm = *layer.gemm;
  const uint32_t lid = u32(l);
  const int t_in = in.in_tensors(l)[0], t_out = in.out_tensor(l);
  const Chunking c = chunking(layer, e.residency().tiling);
  const uint64_t channels = gm.groups * gm.m;
  const DepList params = in.opt.static_weights
                             ? DepList{}
                             : e.queues().read(layer.dense_weight_elems() * in.dtype_bytes,
                                               isa::TrafficClass::weights, lid, {});
  DepList ready;
  for_chunks(c, [&](uint64_t c0, uint64_t nn) {
    isa::Vector op;
    op.vector_cycles = conv_vector_cycles(channels, nn, gm.k, in.hw.vector_engine.lanes);
    op.macs = channels * nn * gm.k;
    op.c0 = c0;
    op.channels = u32(channels);
    op.n = u32(nn);
    isa::Instr v;
    v.layer = lid;
    v.sbuf_read = op.macs * in.dtype_bytes;
    v.sbuf_write = channels * nn * in.dtype_bytes;
    v.payload = op;
    DepList deps = params;
    int slot = -1;
    const uint64_t share = input_share(in, e.residency(), layer, t_in, c0, nn, c) * gm.groups;
    merge(deps, e.input_chunk(t_in, lid, share, 0, slot,
                              moves(DmaData::gemm_input, -1,
                                    DmaRegion{0, 0, u32(gm.groups * gm.k), 0, 0, u32(nn), c0})));
    const size_t out_slot = e.out_ring().take();
    if (!e.tensor(t_out).resident) merge(deps, e.out_ring().free[out_slot]);
    const uint64_t out_bytes = v.sbuf_write;
    const Dep done = e.queues().emit(isa::kVectorEngine, std::move(v), deps);
    e.release_slot(0, slot, done);
    e.output_chunk(t_out, lid, out_bytes, done, out_slot, ready,
                   DmaRegion{0, 0, 0, 0, u32(channels), u32(nn), c0});
  });
  e.ready(t_out) = std::move(ready);
}

}  // namespace ncore::planner
