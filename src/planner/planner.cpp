// The planner (see planner.h for the policy). Two passes: residency and loop orders (what stays
// in SBUF), then emission of the per-engine queues in program order. Every dependency points at
// an instruction emitted before it, so the replay cannot deadlock.
#include "planner/planner.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/math.h"

namespace ncore::planner {
namespace {

using base::ceil_div;
using workload::Graph;
using workload::Layer;

constexpr uint64_t kMinDmaPiece = 4096;  // a transfer is split over queues in pieces >= this
constexpr int kStreamSlots = 2;          // double-buffered DRAM streams
constexpr uint64_t kMaxInstructions = 20'000'000;
constexpr uint64_t kMaxBytes = uint64_t{1} << 56;

// The part of `bytes` spread over `total` items that items [lo, lo + n) hold; the parts of
// consecutive ranges add up to `bytes` exactly (128-bit intermediates: no overflow).
uint64_t part(uint64_t bytes, uint64_t lo, uint64_t n, uint64_t total) {
  using u128 = unsigned __int128;
  return static_cast<uint64_t>(u128{bytes} * (lo + n) / total - u128{bytes} * lo / total);
}

// Keeps the largest count per engine.
void merge(std::vector<Dep>& into, const std::vector<Dep>& more) {
  for (const Dep& d : more) {
    auto it =
        std::find_if(into.begin(), into.end(), [&](const Dep& x) { return x.engine == d.engine; });
    if (it == into.end())
      into.push_back(d);
    else
      it->count = std::max(it->count, d.count);
  }
}

struct Tensor {
  uint64_t bytes = 0;
  int producer = -1;  // layer index; -1 for the network input
  int last_use = -1;  // last consuming layer index
  bool io_home = false;
  bool source = false;  // the network input or an external layer's: read from DRAM by design
  bool resident = false;
};

// Per-layer chunking of output positions. `span` is the range a chunk may not cross: the whole
// batch, or one sample when the stationary operand differs per sample.
struct Chunking {
  uint64_t total = 0;  // b * output positions per sample
  uint64_t chunk = 0;  // <= the PSUM moving limit
  uint64_t span = 0;
};

class Planner {
 public:
  Planner(const Graph& g, const config::HwConfig& hw, uint64_t b, workload::DType dt,
          const config::Options& opt)
      : m_g(g),
        m_hw(hw),
        m_b(b),
        m_dtb(workload::dtype_bytes(dt)),
        m_opt(opt),
        m_rows(hw.tensor_engine.rows),
        m_mcap(hw.tensor_engine.cols),
        m_chunk_cap(hw.psum.moving_limit()) {}

  // `emit` false: decide residency only (for the max-batch search), no instruction queues.
  // When even with every activation spilled a layer's working set (weight buffers, stream
  // slots) exceeds the state buffer, the plan is tiled finer rather than failed: output-channel
  // blocks narrower than the array and chunks of fewer positions, halving both until it fits.
  Program run(bool emit = true) {
    build_tensors();
    while (true) {
      m_p = Program{};
      m_p.dma_queues = m_hw.dma.queues;
      m_p.queues.resize(kFirstDmaQueue + m_hw.dma.queues);
      m_p.sbuf_capacity = m_hw.state_buffer.capacity;
      m_p.input_bytes = m_t[0].bytes;
      for (int t : m_g.outputs()) m_p.output_bytes += tensor(resolve(t)).bytes;
      // Sources are loaded into SBUF once (unless they have to give way: then their consumers
      // stream them); outputs stream to DRAM as they are produced.
      for (auto& t : m_t) t.resident = t.source ? t.last_use >= 0 : !t.io_home;
      size_weight_region();
      const bool ok = decide_residency();
      if (ok || !m_working_set_too_big || (m_mcap == 1 && m_chunk_cap == 1)) {
        m_p.tiled = m_mcap < m_hw.tensor_engine.cols;
        m_p.tiling_m_cap = m_mcap;
        m_p.tiling_chunk_cap = m_chunk_cap;
        if (!ok || !emit) return std::move(m_p);
        break;
      }
      m_mcap = std::max<uint64_t>(1, m_mcap / 2);
      m_chunk_cap = std::max<uint64_t>(1, m_chunk_cap / 2);
    }
    check_size();
    for (size_t t = 0; t < m_t.size(); ++t)
      m_p.resident.push_back(tensor(resolve(static_cast<int>(t))).resident);
    emit_all();
    for (size_t e = kFirstDmaQueue; e < m_p.engines(); ++e)
      for (const Instr& i : m_p.queues[e]) {
        LayerPlan& lp = m_p.layers[i.layer];
        (i.op == Op::dma_write ? lp.write_bytes : lp.read_bytes)[static_cast<int>(i.cls)] +=
            i.bytes;
      }
    return std::move(m_p);
  }

 private:
  // ---- shapes, tensors and sizes ------------------------------------------------------

  int resolve(int t) const { return m_g.resolve(t); }
  int out_tensor(size_t l) const { return resolve(static_cast<int>(l + 1)); }
  std::vector<int> in_tensors(size_t l) const {
    std::vector<int> v;
    for (int t : m_g.layers[l].inputs) v.push_back(resolve(t));
    return v;
  }
  Tensor& tensor(int t) { return m_t[static_cast<size_t>(t)]; }
  const Tensor& tensor(int t) const { return m_t[static_cast<size_t>(t)]; }
  uint64_t R() const { return m_rows; }

  // Lane-cycles of `ops` element operations of class `op`: ops x the configured passes.
  uint64_t passes(workload::VectorOp op, uint64_t ops) const {
    // vector_pass_keys() lists the op classes in workload::VectorOp's order
    const double f =
        m_hw.vector_engine.passes.*config::vector_pass_keys()[static_cast<size_t>(op)].second;
    return base::ceil_cycles(static_cast<double>(ops) * f);
  }

  static bool per_sample(const Layer& l) { return l.gemm && l.gemm->stationary_activation; }

  Chunking chunking(const Layer& l) const {
    const uint64_t per = l.gemm ? l.gemm->positions : l.vector ? l.vector->positions : 1;
    Chunking c;
    c.total = m_b * per;
    c.span = per_sample(l) ? per : c.total;
    c.chunk = std::min({m_hw.psum.moving_limit(), m_chunk_cap, c.span});
    return c;
  }
  uint64_t n_chunks(const Layer& l) const {
    const Chunking c = chunking(l);
    return (c.total / c.span) * ceil_div(c.span, c.chunk);
  }
  // Calls f(c0, n) for each chunk, never crossing a span.
  template <class F>
  static void for_chunks(const Chunking& c, F f) {
    for (uint64_t s0 = 0; s0 < c.total; s0 += c.span)
      for (uint64_t c0 = s0; c0 < s0 + c.span; c0 += c.chunk)
        f(c0, std::min(c.chunk, s0 + c.span - c0));
  }

  uint64_t block_m(const Layer& l) const {
    return std::min({l.gemm->m, uint64_t{m_hw.tensor_engine.cols}, m_mcap});
  }
  uint64_t n_blocks(const Layer& l) const { return ceil_div(l.gemm->m, block_m(l)); }
  bool has_weight_blocks(const Layer& l) const { return l.gemm && !l.gemm->stationary_activation; }
  uint64_t block_bytes(const Layer& l, uint64_t m) const {
    return (l.gemm->k * m + (l.gemm->bias ? m : 0)) * m_dtb;
  }

  void build_tensors() {
    const size_t n = m_g.layers.size();
    m_t.assign(n + 1, Tensor{});
    auto bytes = [&](const workload::Shape& s) {
      const unsigned __int128 b = static_cast<unsigned __int128>(s.elems()) * m_b * m_dtb;
      if (b > kMaxBytes)
        throw PlanError("a tensor of " + s.str() + " at batch " + std::to_string(m_b) +
                        " exceeds 2^56 bytes: reduce the batch");
      return static_cast<uint64_t>(b);
    };
    m_t[0].bytes = bytes(m_g.input);
    m_t[0].io_home = m_t[0].source = true;
    for (size_t i = 0; i < n; ++i) {
      m_t[i + 1].bytes = bytes(m_g.layers[i].out);
      m_t[i + 1].producer = static_cast<int>(i);
      m_t[i + 1].io_home = m_t[i + 1].source = m_g.layers[i].external;
    }
    for (size_t i = 0; i < n; ++i) {
      if (m_g.layers[i].shape_only) continue;
      for (int t : in_tensors(i)) tensor(t).last_use = static_cast<int>(i);
    }
    // Outputs stream to DRAM as they are produced; the input is loaded into SBUF once (unless it
    // has to give way, then its consumers stream it). Both count as io.
    for (int t : m_g.outputs()) tensor(resolve(t)).io_home = true;
  }

  void size_weight_region() {
    uint64_t largest = 0;
    for (const auto& l : m_g.layers)
      if (has_weight_blocks(l)) largest = std::max(largest, block_bytes(l, block_m(l)));
    m_p.weight_region_bytes = largest * m_opt.prefetch_depth;
  }

  // Refuses a plan too large to simulate in reasonable time and memory (before emitting it).
  void check_size() const {
    uint64_t n = 0;
    for (size_t l = 0; l < m_g.layers.size(); ++l) {
      const Layer& layer = m_g.layers[l];
      const uint64_t chunks = n_chunks(layer);
      if (layer.gemm)
        n += layer.gemm->groups * n_blocks(layer) * chunks * (ceil_div(layer.gemm->k, R()) + 1);
      else if (layer.vector)
        n += chunks * ceil_div(layer.vector->channels, m_hw.vector_engine.lanes);
      if (n > kMaxInstructions)
        throw PlanError("the plan needs more than " + std::to_string(kMaxInstructions) +
                        " instructions (at layer " + layer.name + ", batch " + std::to_string(m_b) +
                        "): reduce the batch");
    }
  }

  // ---- SBUF accounting ----------------------------------------------------------------

  // The bytes of input tensor t that chunk [c0, c0 + n) of layer l's output positions needs
  // from one group: its proportional share, but for a MatMul never more than the K x n moving
  // data (a strided 1x1 conv reads only the pixels it uses). Halos are not re-read.
  uint64_t input_share(const Layer& l, int t, uint64_t c0, uint64_t n, const Chunking& c) const {
    const uint64_t groups = l.gemm ? l.gemm->groups : 1;
    const uint64_t share = part(tensor(t).bytes / groups, c0, n, c.total);
    return l.gemm ? std::min(share, l.gemm->k * n * m_dtb) : share;
  }
  // One lane-wide channel block's part of a vector layer's chunk (rounded up).
  uint64_t lane_share(const Layer& l, uint64_t chunk) const {
    const uint64_t ch = l.vector->channels;
    return ceil_div(chunk * std::min<uint64_t>(m_hw.vector_engine.lanes, ch), ch);
  }
  // A stationary activation tile (K x M block) of layer l.
  uint64_t stationary_tile_bytes(const Layer& l) const { return l.gemm->k * block_m(l) * m_dtb; }

  uint64_t occupancy(size_t l) const {
    const Layer& layer = m_g.layers[l];
    uint64_t occ = m_p.weight_region_bytes;
    for (const Tensor& x : m_t)
      if (x.resident && x.producer <= static_cast<int>(l) && x.last_use >= static_cast<int>(l))
        occ += x.bytes;
    if (layer.vector) occ += layer.vector->param_elems * m_dtb;
    const Chunking c = chunking(layer);
    // Stream slots: a MatMul layer reads one K block of its moving input and writes one
    // output-channel block at a time; a vector layer moves one lane-wide channel block at a time.
    const auto ins = in_tensors(l);
    for (size_t k = 0; k < ins.size(); ++k) {
      if (tensor(ins[k]).resident || layer.gather) continue;
      if (layer.gemm && k == 1) {  // a stationary activation tile
        occ += kStreamSlots * stationary_tile_bytes(layer);
        continue;
      }
      const uint64_t chunk = input_share(layer, ins[k], 0, c.chunk, c);
      if (m_as[l])  // activation_stationary: the whole chunk stays while the weights stream
        occ += kStreamSlots * chunk;
      else if (layer.gemm)
        occ +=
            kStreamSlots * ceil_div(chunk * std::min<uint64_t>(R(), layer.gemm->k), layer.gemm->k);
      else
        occ += kStreamSlots * lane_share(layer, chunk);
    }
    const Tensor& out = tensor(out_tensor(l));
    if (!out.resident && !layer.external) {
      if (layer.gemm)
        occ += kStreamSlots * block_m(layer) * c.chunk * m_dtb;
      else if (layer.vector)
        occ += kStreamSlots * lane_share(layer, ceil_div(out.bytes * c.chunk, c.total));
      else  // a gather to DRAM passes through SBUF a chunk of rows at a time
        occ += kStreamSlots * gather_chunk_rows(layer) * layer.gather->row_elems * m_dtb;
    }
    return occ;
  }

  bool touches(size_t l, int t) const {
    if (out_tensor(l) == t) return true;
    const auto ins = in_tensors(l);
    return std::find(ins.begin(), ins.end(), t) != ins.end();
  }

  // Streamed input bytes of one pass of layer l over its chunks, all groups.
  uint64_t input_pass_bytes(size_t l) const {
    const Layer& layer = m_g.layers[l];
    const Chunking c = chunking(layer);
    const int t = in_tensors(l)[0];
    uint64_t bytes = 0;
    for_chunks(c, [&](uint64_t c0, uint64_t n) { bytes += input_share(layer, t, c0, n, c); });
    return bytes * layer.gemm->groups;
  }

  // Loop order per MatMul layer (DESIGN.md "The loop nest"): weight_stationary, unless its input
  // comes from DRAM (spilled, or the streamed network input) and streaming the weights again per
  // chunk of positions moves fewer bytes than streaming the input again per output-channel
  // block: then activation_stationary. Only for ungrouped layers with weights, and never where
  // its whole-chunk input slot alone would overflow the state buffer.
  void choose_orders() {
    m_as.assign(m_g.layers.size(), false);
    for (size_t l = 0; l < m_g.layers.size() && m_opt.auto_order; ++l) {
      const Layer& layer = m_g.layers[l];
      if (!has_weight_blocks(layer) || layer.gemm->groups != 1) continue;
      if (tensor(in_tensors(l)[0]).resident) continue;
      const uint64_t blocks = n_blocks(layer), chunks = n_chunks(layer);
      if (blocks < 2 || chunks < 2) continue;
      const uint64_t ws_extra = input_pass_bytes(l) * (blocks - 1);
      const uint64_t as_extra = layer.dense_weight_elems() * m_dtb * (chunks - 1);
      m_as[l] = as_extra < ws_extra;
      if (m_as[l] && occupancy(l) > m_hw.state_buffer.capacity) m_as[l] = false;
    }
  }

  // Spills tensors until every layer fits. A victim must be live at the first overflowing layer
  // and lower its occupancy; those the layer does not touch go first, largest first.
  bool decide_residency() {
    const uint64_t cap = m_hw.state_buffer.capacity;
    uint64_t first_shortfall = 0;
    while (true) {
      choose_orders();
      size_t over = m_g.layers.size();
      uint64_t over_occ = 0;
      for (size_t l = 0; l < m_g.layers.size(); ++l) {
        if (m_g.layers[l].shape_only) continue;
        const uint64_t occ = occupancy(l);
        if (occ > cap) {
          over = l;
          over_occ = occ;
          break;
        }
      }
      if (over == m_g.layers.size()) return true;
      if (!m_opt.allow_spill)
        return infeasible(over, over_occ - cap,
                          "the live activations do not fit in the state buffer and "
                          "options.allow_spill is false");
      if (m_p.spilled_tensors == 0) first_shortfall = over_occ - cap;
      int victim = -1;
      bool victim_touched = true;
      for (size_t t = 0; t < m_t.size(); ++t) {
        Tensor& x = m_t[t];
        if (!x.resident || x.producer > static_cast<int>(over) ||
            x.last_use < static_cast<int>(over))
          continue;
        x.resident = false;  // would it help?
        const bool helps = occupancy(over) < over_occ;
        x.resident = true;
        if (!helps) continue;
        const bool touched = touches(over, static_cast<int>(t));
        const bool better =
            victim < 0 || (!touched && victim_touched) ||
            (touched == victim_touched && x.bytes > m_t[static_cast<size_t>(victim)].bytes);
        if (better) {
          victim = static_cast<int>(t);
          victim_touched = touched;
        }
      }
      m_working_set_too_big = victim < 0;
      if (victim < 0)
        return infeasible(over, over_occ - cap,
                          m_p.spilled_tensors == 0
                              ? "the weight buffers and DRAM stream buffers alone exceed the "
                                "state buffer"
                              : "spilling every activation live there does not make it fit (" +
                                    std::to_string(first_shortfall) +
                                    " bytes short before spilling)");
      tensor(victim).resident = false;
      ++m_p.spilled_tensors;
      m_p.fits = false;
    }
  }

  bool infeasible(size_t l, uint64_t shortfall, const std::string& reason) {
    m_p.fits = false;
    m_p.feasible = false;
    m_p.infeasible = Infeasible{m_g.layers[l].name, shortfall, reason};
    return false;
  }

  // ---- emission -------------------------------------------------------------------------

  Dep emit(uint16_t engine, Instr i) {
    auto& q = m_p.queues[engine];
    q.push_back(std::move(i));
    return Dep{engine, static_cast<uint32_t>(q.size())};
  }

  // A DMA transfer split into pieces over the queues, round robin; returns one dep per queue.
  // `what` says what it moves, for functional mode (its data, tensor and tile fields).
  std::vector<Dep> dma(Op op, uint64_t bytes, TrafficClass cls, uint32_t layer,
                       const std::vector<Dep>& deps, const Instr& what = {}) {
    std::vector<Dep> done;
    if (bytes == 0) return std::vector<Dep>(deps);
    const uint64_t pieces = std::min<uint64_t>(m_hw.dma.queues, ceil_div(bytes, kMinDmaPiece));
    const uint32_t xfer = m_next_xfer++;
    for (uint64_t p = 0; p < pieces; ++p) {
      Instr i = what;
      i.xfer = xfer;
      i.pieces = static_cast<uint32_t>(pieces);
      i.op = op;
      i.layer = layer;
      i.cls = cls;
      i.bytes = part(bytes, p, 1, pieces);
      (op == Op::dma_read ? i.sbuf_write : i.sbuf_read) = i.bytes;
      i.deps = std::vector<Dep>(deps);
      const auto q = static_cast<uint16_t>(kFirstDmaQueue + m_next_queue);
      m_next_queue = (m_next_queue + 1) % m_hw.dma.queues;
      merge(done, {emit(q, std::move(i))});
    }
    return done;
  }

  TrafficClass home_class(int t) const {
    return tensor(t).io_home ? TrafficClass::io : TrafficClass::spill;
  }

  // Deps under which `share` bytes of tensor t can be read by layer l: the tensor's readiness
  // if resident, else a DMA read of that share into the next slot of the stream ring of the
  // layer's input number `ring` (returned in `slot`, -1 when resident).
  // `what`: the part of t the chunk's consumer reads (functional mode).
  std::vector<Dep> input_chunk(int t, uint32_t l, uint64_t share, size_t ring, int& slot,
                               Instr what) {
    slot = -1;
    if (tensor(t).resident) return m_ready[static_cast<size_t>(t)];
    auto& r = stream_ring(ring);
    slot = static_cast<int>(r.next++ % kStreamSlots);
    std::vector<Dep> deps = m_ready[static_cast<size_t>(t)];
    merge(deps, r.free[static_cast<size_t>(slot)]);
    what.tensor = t;
    return dma(Op::dma_read, share, home_class(t), l, deps, what);
  }
  // The DMA annotations of functional mode.
  static Instr moves(DmaData data, uint32_t group = 0, uint32_t k0 = 0, uint32_t k = 0,
                     uint32_t m0 = 0, uint32_t m = 0, uint64_t c0 = 0, uint64_t n = 0) {
    Instr i;
    i.data = data;
    i.group = group;
    i.k0 = k0;
    i.k = k;
    i.m0 = m0;
    i.ch0 = m0;
    i.m = m;
    i.c0 = c0;
    i.n = static_cast<uint32_t>(n);
    return i;
  }
  void release_slot(size_t ring, int slot, const Dep& by) {
    if (slot >= 0) stream_ring(ring).free[static_cast<size_t>(slot)] = {by};
  }

  struct Ring {
    uint64_t next = 0;
    std::vector<std::vector<Dep>> free = std::vector<std::vector<Dep>>(kStreamSlots);
  };
  Ring& stream_ring(size_t i) {
    if (m_in_rings.size() <= i) m_in_rings.resize(i + 1);
    return m_in_rings[i];
  }

  // After the vector engine produced an output chunk: keep it, or write it to DRAM.
  // Channels [ch0, ch0 + m) x positions [c0, c0 + n) of t (functional mode).
  void output_chunk(int t, uint32_t l, uint64_t bytes, const Dep& produced, int out_slot,
                    std::vector<Dep>& ready, uint64_t ch0, uint64_t m, uint64_t c0, uint64_t n) {
    if (tensor(t).resident) {
      merge(ready, {produced});
      return;
    }
    Instr what = moves(DmaData::output, 0, 0, 0, static_cast<uint32_t>(ch0),
                       static_cast<uint32_t>(m), c0, n);
    what.tensor = t;
    const auto w = dma(Op::dma_write, bytes, home_class(t), l, {produced}, what);
    m_out_free[static_cast<size_t>(out_slot)] = std::vector<Dep>(w);
    merge(ready, w);
  }

  struct Block {
    size_t layer;
    uint64_t bytes;
    uint64_t group, m0;
  };

  void ensure_weights(size_t j) {
    const size_t last = std::min(j + m_opt.prefetch_depth - 1, m_blocks.size() - 1);
    while (m_blocks_emitted <= last) {
      const size_t b = m_blocks_emitted++;
      Instr what = moves(DmaData::weights, static_cast<uint32_t>(m_blocks[b].group), 0, 0,
                         static_cast<uint32_t>(m_blocks[b].m0));
      what.bank = static_cast<uint32_t>(b % m_opt.prefetch_depth);  // its prefetch slot
      m_loaded[b] = dma(Op::dma_read, m_blocks[b].bytes, TrafficClass::weights,
                        static_cast<uint32_t>(m_blocks[b].layer),
                        m_slot_free[b % m_opt.prefetch_depth], what);
    }
  }

  void emit_all() {
    const size_t n = m_g.layers.size();
    for (size_t l = 0; l < n; ++l) {
      const Layer& layer = m_g.layers[l];
      if (!has_weight_blocks(layer)) continue;
      const uint64_t mb = block_m(layer);
      const uint64_t passes = m_as[l] ? n_chunks(layer) : 1;
      for (uint64_t pass = 0; pass < passes; ++pass)  // activation_stationary: once per chunk
        for (uint64_t g = 0; g < layer.gemm->groups; ++g)
          for (uint64_t m0 = 0; m0 < layer.gemm->m; m0 += mb)
            m_blocks.push_back(Block{l, block_bytes(layer, std::min(mb, layer.gemm->m - m0)),
                                     m_as[l] ? 0 : g, m0});
    }
    m_loaded.resize(m_blocks.size());
    m_slot_free.assign(m_opt.prefetch_depth, {});
    m_bank_free.assign(m_hw.psum.banks, {});
    m_out_free.assign(kStreamSlots, {});
    m_ready.assign(m_t.size(), {});

    if (m_t[0].resident) {  // the network input, loaded whole before its first consumer runs
      uint32_t first = 0;
      while (first + 1 < n && m_g.layers[first].shape_only) ++first;
      Instr what = moves(DmaData::whole);
      what.tensor = 0;
      m_ready[0] = dma(Op::dma_read, m_t[0].bytes, TrafficClass::io, first, {}, what);
    }
    for (size_t l = 0; l < n; ++l) {
      const Layer& layer = m_g.layers[l];
      LayerPlan lp;
      lp.name = layer.name;
      lp.kind = layer.kind;
      lp.order = layer.external      ? "external"
                 : !layer.gemm       ? (layer.gather ? "gather" : "vector")
                 : per_sample(layer) ? "activation_operands"
                                     : (m_as[l] ? "activation_stationary" : "weight_stationary");
      lp.macs = layer.macs_per_sample() * m_b;
      lp.weight_bytes = layer.weight_elems() * m_dtb;
      lp.output_resident = tensor(out_tensor(l)).resident;
      if (!layer.shape_only) {
        lp.sbuf_bytes = occupancy(l);
        lp.n_chunks = n_chunks(layer);
        if (layer.external) {  // read whole into SBUF, or left in DRAM for its consumers
          Instr what = moves(DmaData::whole);
          what.tensor = static_cast<int>(l + 1);
          m_ready[l + 1] = tensor(static_cast<int>(l + 1)).resident
                               ? dma(Op::dma_read, tensor(static_cast<int>(l + 1)).bytes,
                                     TrafficClass::io, static_cast<uint32_t>(l), {}, what)
                               : std::vector<Dep>{};
        } else if (layer.gather) {
          emit_gather(l);
        } else if (per_sample(layer)) {
          emit_gemm_activations(l, lp);
        } else if (layer.gemm && m_as[l]) {
          emit_gemm_activation_stationary(l, lp);
        } else if (layer.gemm) {
          emit_gemm(l, lp);
        } else {
          emit_vector(l);
        }
      }
      m_p.sbuf_peak = std::max(m_p.sbuf_peak, lp.sbuf_bytes);
      m_p.macs += lp.macs;
      m_p.layers.push_back(std::move(lp));
    }
  }

  // One output-channel block x one chunk of positions: a MatMul per K block accumulating in a
  // PSUM bank, then the eviction through the vector engine (activation fused) and, for an output
  // that lives in DRAM, its write. The MatMuls wait on `stationary` (the tile's weights: the
  // first deps, which background preload reads) and on `k_input(k0, kk)`, the deps under which
  // that K block's moving data is in SBUF; `k_done(mm)` learns each MatMul.
  struct TileAt {
    uint64_t group, m0, c0;  // group, first output channel of the group, first position
    uint64_t slot = 0;       // the prefetch slot of its weight tile (weights from DRAM)
  };
  template <class KInput, class KDone>
  Dep emit_tile(uint32_t lid, TileAt at, uint64_t m, uint64_t nn,
                const std::vector<Dep>& stationary, int t_out, LayerPlan& lp,
                std::vector<Dep>& ready, KInput k_input, KDone k_done) {
    const auto& gm = *m_g.layers[lid].gemm;
    const size_t bank = m_bank_ctr++ % m_hw.psum.banks;
    Dep last_mm{};
    for (uint64_t k0 = 0; k0 < gm.k; k0 += R()) {
      Instr i;
      i.op = Op::matmul;
      i.layer = lid;
      i.k = static_cast<uint32_t>(std::min<uint64_t>(R(), gm.k - k0));
      i.m = static_cast<uint32_t>(m);
      i.n = static_cast<uint32_t>(nn);
      i.accumulate = k0 > 0;
      i.sbuf_read = i.k * nn * m_dtb;
      i.group = static_cast<uint32_t>(at.group);
      i.k0 = static_cast<uint32_t>(k0);
      i.m0 = static_cast<uint32_t>(at.m0);
      i.c0 = at.c0;
      i.bank = static_cast<uint32_t>(bank);
      i.slot = static_cast<uint32_t>(at.slot);
      // The weight deps stay first and unmerged: background preload reads when they were met.
      std::vector<Dep> other = k_input(k0, i.k);
      merge(other, m_bank_free[bank]);
      i.deps = std::vector<Dep>(stationary);
      i.weight_deps = static_cast<uint8_t>(std::min<size_t>(i.deps.size(), 255));
      i.deps.insert(i.deps.end(), other.begin(), other.end());
      last_mm = emit(kTensorEngine, std::move(i));
      k_done(last_mm);
      ++lp.matmuls;
    }
    const int out_slot = static_cast<int>(m_out_ctr++ % kStreamSlots);
    Instr e;
    e.op = Op::vector;
    e.layer = lid;
    e.vector_cycles = ceil_div(m, m_hw.vector_engine.lanes) * nn;
    e.vector_cycles =
        base::ceil_cycles(static_cast<double>(e.vector_cycles) * m_hw.vector_engine.passes.evict);
    e.m = static_cast<uint32_t>(m);
    e.n = static_cast<uint32_t>(nn);
    e.sbuf_write = m * nn * m_dtb;
    e.group = static_cast<uint32_t>(at.group);
    e.m0 = static_cast<uint32_t>(at.m0);
    e.c0 = at.c0;
    e.bank = static_cast<uint32_t>(bank);
    e.deps = {last_mm};
    if (!tensor(t_out).resident) merge(e.deps, m_out_free[static_cast<size_t>(out_slot)]);
    const uint64_t out_bytes = e.sbuf_write;
    const Dep ev = emit(kVectorEngine, std::move(e));
    m_bank_free[bank] = {ev};
    output_chunk(t_out, lid, out_bytes, ev, out_slot, ready, at.group * gm.m + at.m0, m, at.c0, nn);
    return last_mm;
  }

  // weight_stationary: per output-channel block, its weights stay while every chunk of
  // positions streams through; a streamed input arrives per K block (and again per block).
  void emit_gemm(size_t l, LayerPlan& lp) {
    const Layer& layer = m_g.layers[l];
    const auto& gm = *layer.gemm;
    const auto lid = static_cast<uint32_t>(l);
    const int t_in = in_tensors(l)[0], t_out = out_tensor(l);
    const Chunking c = chunking(layer);
    const uint64_t mb = block_m(layer);
    std::vector<Dep> ready;
    for (uint64_t g = 0; g < gm.groups; ++g) {
      for (uint64_t m0 = 0; m0 < gm.m; m0 += mb) {
        const size_t j = m_next_block++;
        ensure_weights(j);
        ++lp.weight_blocks;
        Dep last_mm{};
        for_chunks(c, [&](uint64_t c0, uint64_t nn) {
          const uint64_t share = input_share(layer, t_in, c0, nn, c);
          int slot = -1;
          last_mm = emit_tile(
              lid, TileAt{g, m0, c0, j % m_opt.prefetch_depth}, std::min(mb, gm.m - m0), nn,
              m_loaded[j], t_out, lp, ready,
              [&](uint64_t k0, uint64_t kk) {
                return input_chunk(
                    t_in, lid, part(share, k0, kk, gm.k), 0, slot,
                    moves(DmaData::gemm_input, static_cast<uint32_t>(g), static_cast<uint32_t>(k0),
                          static_cast<uint32_t>(kk), 0, 0, c0, nn));
              },
              [&](const Dep& mm) { release_slot(0, slot, mm); });
        });
        m_slot_free[j % m_opt.prefetch_depth] = {last_mm};
      }
    }
    m_ready[static_cast<size_t>(t_out)] = std::move(ready);
  }

  // activation_stationary: per chunk of positions, the input chunk (all K blocks) is read once
  // into a stream slot and stays while every output-channel block's weights stream through the
  // weight buffers again (counted as weights).
  void emit_gemm_activation_stationary(size_t l, LayerPlan& lp) {
    const Layer& layer = m_g.layers[l];
    const auto& gm = *layer.gemm;
    const auto lid = static_cast<uint32_t>(l);
    const int t_in = in_tensors(l)[0], t_out = out_tensor(l);
    const Chunking c = chunking(layer);
    const uint64_t mb = block_m(layer);
    std::vector<Dep> ready;
    for_chunks(c, [&](uint64_t c0, uint64_t nn) {
      const uint64_t share = input_share(layer, t_in, c0, nn, c);
      Ring& ring = stream_ring(0);
      const size_t slot = ring.next++ % kStreamSlots;
      std::vector<std::vector<Dep>> k_ready;  // one DMA per K block, all into `slot`
      for (uint64_t k0 = 0; k0 < gm.k; k0 += R()) {
        std::vector<Dep> deps = m_ready[static_cast<size_t>(t_in)];
        merge(deps, ring.free[slot]);
        const uint64_t kk = std::min<uint64_t>(R(), gm.k - k0);
        Instr what = moves(DmaData::gemm_input, 0, static_cast<uint32_t>(k0),
                           static_cast<uint32_t>(kk), 0, 0, c0, nn);
        what.tensor = t_in;
        k_ready.push_back(
            dma(Op::dma_read, part(share, k0, kk, gm.k), home_class(t_in), lid, deps, what));
      }
      Dep last_mm{};
      for (uint64_t m0 = 0; m0 < gm.m; m0 += mb) {
        const size_t j = m_next_block++;
        ensure_weights(j);
        ++lp.weight_blocks;
        last_mm = emit_tile(
            lid, TileAt{0, m0, c0, j % m_opt.prefetch_depth}, std::min(mb, gm.m - m0), nn,
            m_loaded[j], t_out, lp, ready, [&](uint64_t k0, uint64_t) { return k_ready[k0 / R()]; },
            [](const Dep&) {});
        m_slot_free[j % m_opt.prefetch_depth] = {last_mm};
      }
      stream_ring(0).free[slot] = {last_mm};
    });
    m_ready[static_cast<size_t>(t_out)] = std::move(ready);
  }

  // Both operands are activations (attention): per sample, per head, per block of the second
  // input's stationary tile (loaded into the array from SBUF, or first read from DRAM if that
  // tensor was spilled), the first input's columns of that sample stream through.
  void emit_gemm_activations(size_t l, LayerPlan& lp) {
    const Layer& layer = m_g.layers[l];
    const auto& gm = *layer.gemm;
    const auto lid = static_cast<uint32_t>(l);
    const auto ins = in_tensors(l);
    const int t_mov = ins[0], t_sta = ins[1], t_out = out_tensor(l);
    const Chunking c = chunking(layer);
    const uint64_t mb = block_m(layer);
    std::vector<Dep> ready;
    for (uint64_t s0 = 0; s0 < c.total; s0 += c.span) {
      for (uint64_t g = 0; g < gm.groups; ++g) {
        for (uint64_t m0 = 0; m0 < gm.m; m0 += mb) {
          const uint64_t m = std::min(mb, gm.m - m0);
          int sta_slot = -1;
          const std::vector<Dep> stationary =
              input_chunk(t_sta, lid, gm.k * m * m_dtb, 1, sta_slot,
                          moves(DmaData::stationary_input, static_cast<uint32_t>(g), 0, 0,
                                static_cast<uint32_t>(m0), static_cast<uint32_t>(m), s0));
          ++lp.weight_blocks;
          Dep last_mm{};
          for (uint64_t c0 = s0; c0 < s0 + c.span; c0 += c.chunk) {
            const uint64_t nn = std::min(c.chunk, s0 + c.span - c0);
            const uint64_t share = input_share(layer, t_mov, c0, nn, c);
            int slot = -1;
            last_mm = emit_tile(
                lid, TileAt{g, m0, c0}, m, nn, stationary, t_out, lp, ready,
                [&](uint64_t k0, uint64_t kk) {
                  return input_chunk(
                      t_mov, lid, part(share, k0, kk, gm.k), 0, slot,
                      moves(DmaData::gemm_input, static_cast<uint32_t>(g),
                            static_cast<uint32_t>(k0), static_cast<uint32_t>(kk), 0, 0, c0, nn));
                },
                [&](const Dep& mm) { release_slot(0, slot, mm); });
          }
          release_slot(1, sta_slot, last_mm);
        }
      }
    }
    m_ready[static_cast<size_t>(t_out)] = std::move(ready);
  }

  uint64_t gather_chunk_rows(const Layer& l) const {
    return std::min({m_hw.psum.moving_limit(), m_chunk_cap, l.gather->rows * m_b});
  }

  // An embedding: the rows read from the table in DRAM straight into SBUF (class weights), once
  // the token ids are there. An output that lives in DRAM passes through two stream slots a
  // chunk of rows at a time (the rows of a broadcast table are read once, then copied out).
  void emit_gather(size_t l) {
    const Layer& layer = m_g.layers[l];
    const auto& ga = *layer.gather;
    const auto lid = static_cast<uint32_t>(l);
    const int t_in = in_tensors(l)[0], t_out = out_tensor(l);
    const uint64_t row_bytes = ga.row_elems * m_dtb;
    std::vector<Dep> ids = m_ready[static_cast<size_t>(t_in)];
    if (!tensor(t_in).resident) {  // the token ids live in DRAM: read them in first
      Instr what = moves(DmaData::whole);
      what.tensor = t_in;
      ids = dma(Op::dma_read, tensor(t_in).bytes, home_class(t_in), lid, ids, what);
    }
    if (tensor(t_out).resident) {
      const uint64_t rows = ga.broadcast ? ga.rows : ga.rows * m_b;
      m_ready[static_cast<size_t>(t_out)] =
          dma(Op::dma_read, rows * row_bytes, TrafficClass::weights, lid, ids);
      return;
    }
    const uint64_t total = ga.rows * m_b, chunk = gather_chunk_rows(layer);
    std::vector<Dep> ready;
    for (uint64_t r0 = 0; r0 < total; r0 += chunk) {
      const uint64_t n = std::min(chunk, total - r0);
      const int slot = static_cast<int>(m_out_ctr++ % kStreamSlots);
      std::vector<Dep> deps = ids;
      merge(deps, m_out_free[static_cast<size_t>(slot)]);
      const bool read = !ga.broadcast || r0 < ga.rows;  // a broadcast table is read once
      const auto in =
          read ? dma(Op::dma_read, std::min(n, read && ga.broadcast ? ga.rows - r0 : n) * row_bytes,
                     TrafficClass::weights, lid, deps)
               : deps;
      Instr what = moves(DmaData::output, 0, 0, 0, 0, static_cast<uint32_t>(ga.row_elems), r0, n);
      what.tensor = t_out;
      const auto w = dma(Op::dma_write, n * row_bytes, home_class(t_out), lid, in, what);
      m_out_free[static_cast<size_t>(slot)] = std::vector<Dep>(w);
      merge(ready, w);
    }
    m_ready[static_cast<size_t>(t_out)] = std::move(ready);
  }

  // A vector layer: per lane-wide block of channels, per chunk of output positions, one op;
  // its parameters (if any) are read first, once. Softmax and layernorm reduce over every
  // channel of a position: their chunks go outermost, and a chunk's outputs leave for DRAM only
  // after its last channel block.
  void emit_vector(size_t l) {
    const Layer& layer = m_g.layers[l];
    const auto& vw = *layer.vector;
    const auto lid = static_cast<uint32_t>(l);
    const auto ins = in_tensors(l);
    const int t_out = out_tensor(l);
    const Chunking c = chunking(layer);
    const uint64_t lanes = m_hw.vector_engine.lanes;
    const std::vector<Dep> params =
        dma(Op::dma_read, vw.param_elems * m_dtb, TrafficClass::weights, lid, {});
    std::vector<Dep> ready;
    const bool across =
        vw.op == workload::VectorOp::softmax || vw.op == workload::VectorOp::layernorm;
    std::vector<std::pair<uint64_t, uint64_t>> order;  // (first channel, first position)
    for (uint64_t a = 0; a < (across ? c.total : vw.channels); a += (across ? c.chunk : lanes))
      for (uint64_t b = 0; b < (across ? vw.channels : c.total); b += (across ? lanes : c.chunk))
        order.emplace_back(across ? b : a, across ? a : b);
    struct Out {
      uint64_t bytes, ch0, cw, c0, nn;
      int slot;
    };
    std::vector<Out> pending;  // across: the chunk's outputs, written after its last block
    for (const auto& [ch0, c0] : order) {
      const uint64_t cw = std::min(lanes, vw.channels - ch0);
      const uint64_t nn = std::min(c.chunk, c.total - c0);
      Instr v;
      v.op = Op::vector;
      v.layer = lid;
      v.vector_cycles = passes(vw.op, nn * vw.ops_per_position);
      v.ch0 = static_cast<uint32_t>(ch0);
      v.m = static_cast<uint32_t>(cw);
      v.n = static_cast<uint32_t>(nn);
      v.c0 = c0;
      v.deps = params;
      std::vector<int> slots(ins.size(), -1);
      for (size_t k = 0; k < ins.size(); ++k) {
        const uint64_t block = part(tensor(ins[k]).bytes, ch0, cw, vw.channels);
        const uint64_t share = part(block, c0, nn, c.total);
        v.sbuf_read += share;
        Instr what = moves(DmaData::vector_input, 0, 0, 0, static_cast<uint32_t>(ch0),
                           static_cast<uint32_t>(cw), c0, nn);
        what.bank = static_cast<uint32_t>(k);  // its input number
        merge(v.deps, input_chunk(ins[k], lid, share, k, slots[k], what));
      }
      const uint64_t out_share =
          part(part(tensor(t_out).bytes, ch0, cw, vw.channels), c0, nn, c.total);
      v.sbuf_write += out_share;
      const int out_slot = static_cast<int>(m_out_ctr++ % kStreamSlots);
      if (!tensor(t_out).resident) merge(v.deps, m_out_free[static_cast<size_t>(out_slot)]);
      const Dep ev = emit(kVectorEngine, std::move(v));
      for (size_t k = 0; k < ins.size(); ++k) release_slot(k, slots[k], ev);
      pending.push_back(Out{out_share, ch0, cw, c0, nn, out_slot});
      if (!across || ch0 + cw == vw.channels) {
        for (const Out& o : pending)
          output_chunk(t_out, lid, o.bytes, ev, o.slot, ready, o.ch0, o.cw, o.c0, o.nn);
        pending.clear();
      }
    }
    m_ready[static_cast<size_t>(t_out)] = std::move(ready);
  }

  const Graph& m_g;
  const config::HwConfig& m_hw;
  const uint64_t m_b;
  const uint32_t m_dtb;
  const config::Options m_opt;
  const uint64_t m_rows;
  uint64_t m_mcap, m_chunk_cap;  // tiling caps (see run): the array's cols, the moving limit

  bool m_working_set_too_big = false;
  Program m_p;
  std::vector<Tensor> m_t;
  std::vector<bool> m_as;                 // per layer: activation_stationary
  std::vector<std::vector<Dep>> m_ready;  // per tensor: complete when these are
  std::vector<Block> m_blocks;
  std::vector<std::vector<Dep>> m_loaded, m_slot_free, m_bank_free, m_out_free;
  std::vector<Ring> m_in_rings;  // per input number of a layer: its DRAM stream slots
  size_t m_blocks_emitted = 0, m_next_block = 0;
  uint64_t m_bank_ctr = 0, m_out_ctr = 0;
  uint32_t m_next_queue = 0, m_next_xfer = 0;
};

}  // namespace

Program plan(const workload::Graph& g, const config::HwConfig& hw, uint64_t batch,
             workload::DType dtype, const config::Options& opt) {
  return Planner(g, hw, batch, dtype, opt).run();
}

MaxBatch max_batch(const workload::Graph& g, const config::HwConfig& hw, workload::DType dtype,
                   config::Options opt, uint64_t limit) {
  opt.allow_spill = false;
  auto fits = [&](uint64_t b) { return Planner(g, hw, b, dtype, opt).run(false); };
  MaxBatch r;
  const Program at = fits(1);
  if (!at.feasible) {
    r.binding_layer = at.infeasible.layer;
    r.shortfall_bytes = at.infeasible.shortfall_bytes;
    return r;
  }
  // Doubling, then bisection between the last batch that fits and the first that does not.
  uint64_t lo = 1, hi = 2;
  while (hi <= limit && fits(hi).feasible) {
    lo = hi;
    hi *= 2;
  }
  if (hi > limit) {
    hi = limit + 1;
    if (lo < limit && fits(limit).feasible) lo = limit;
  }
  while (hi - lo > 1) {
    const uint64_t mid = lo + (hi - lo) / 2;
    (fits(mid).feasible ? lo : hi) = mid;
  }
  r.max_batch = lo;
  r.limit_reached = lo >= limit;
  if (!r.limit_reached) {
    const Program next = fits(lo + 1);
    r.binding_layer = next.infeasible.layer;
    r.shortfall_bytes = next.infeasible.shortfall_bytes;
  }
  return r;
}

}  // namespace ncore::planner
