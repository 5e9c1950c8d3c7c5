// The emitter's shared state: queues, DMA pieces, stream rings, weight prefetch, PSUM banks
// (see emitter.h).
#include "planner/emitter.h"

#include <algorithm>

#include "base/math.h"

namespace ncore::planner {

using isa::Instr;

namespace {
constexpr uint64_t kMinDmaPiece = 4096;  // a transfer is split over queues in pieces >= this
}  // namespace

void merge(DepList& into, const DepList& more) {
  merge_after(into, 0, more);
}

void merge_after(DepList& into, size_t first, const DepList& more) {
  for (const Dep& d : more) {
    auto it = std::find_if(into.begin() + static_cast<std::ptrdiff_t>(first), into.end(),
                           [&](const Dep& x) { return x.engine == d.engine; });
    if (it == into.end())
      into.push_back(d);
    else
      it->count = std::max(it->count, d.count);
  }
}

void merge(DepList& into, const Dep& d) {
  for (Dep& x : into)
    if (x.engine == d.engine) {
      x.count = std::max(x.count, d.count);
      return;
    }
  into.push_back(d);
}

isa::Dma moves(isa::DmaData data, int tensor, const isa::DmaRegion& region) {
  isa::Dma d;
  d.data = data;
  d.tensor = tensor;
  d.region = region;
  return d;
}

Dep Queues::emit(uint16_t engine, Instr i, const DepList& deps) {
  i.deps = m_p.dep_pool.add(deps);
  return push(engine, i);
}

Dep Queues::push(uint16_t engine, const Instr& i) {
  auto& q = m_p.queues[engine];
  q.push_back(i);
  return Dep{engine, static_cast<uint32_t>(q.size())};
}

DepList Queues::transfer(bool write, uint64_t bytes, isa::TrafficClass cls, uint32_t layer,
                         const DepList& deps, const isa::Dma& what) {
  if (bytes == 0) return deps;
  const uint64_t pieces = std::min<uint64_t>(m_dma_queues, base::ceil_div(bytes, kMinDmaPiece));
  Instr i;  // the pieces differ only in their bytes
  i.layer = layer;
  i.deps = m_p.dep_pool.add(deps);  // every piece waits on the same list
  isa::Dma& d = i.payload.emplace<isa::Dma>(what);
  d.write = write;
  d.cls = cls;
  d.xfer = m_next_xfer++;
  d.pieces = static_cast<uint32_t>(pieces);
  DepList done;
  done.reserve(pieces);
  for (uint64_t p = 0; p < pieces; ++p) {
    d.bytes = part(bytes, p, 1, pieces);
    (write ? i.sbuf_read : i.sbuf_write) = d.bytes;
    if (d.on_chip) i.sbuf_read = d.bytes;
    const auto q = static_cast<uint16_t>(m_p.first_dma() + m_next_queue);
    m_next_queue = (m_next_queue + 1) % m_dma_queues;
    merge(done, push(q, i));
  }
  return done;
}

WeightPrefetch::WeightPrefetch(std::vector<WeightBlock> blocks, uint32_t depth, bool resident)
    : m_blocks(std::move(blocks)),
      m_depth(depth),
      m_resident(resident),
      m_loaded(m_blocks.size()),
      m_slot_free(depth) {}

size_t WeightPrefetch::next(Queues& q) {
  const size_t j = m_next++;
  if (m_resident) return j;  // loaded before the invocation
  const size_t last = std::min(j + m_depth - 1, m_blocks.size() - 1);
  while (m_emitted <= last) {
    const size_t b = m_emitted++;
    const WeightBlock& w = m_blocks[b];
    isa::Dma what =
        moves(isa::DmaData::weights, -1,
              isa::DmaRegion{static_cast<uint32_t>(w.group), 0, 0, static_cast<uint32_t>(w.m0)});
    what.weight_slot = slot(b);
    m_loaded[b] = q.read(w.bytes, w.kv ? isa::TrafficClass::kv : isa::TrafficClass::weights,
                         static_cast<uint32_t>(w.layer), m_slot_free[slot(b)], what);
  }
  return j;
}

Emitter::Emitter(const PlanInputs& in, const Residency& r, isa::Program& p)
    : m_in(in),
      m_res(r),
      m_queues(p, in.hw.dma.queues),
      m_weights(weight_blocks(in, r), in.opt.prefetch_depth, in.opt.static_weights),
      m_ready(r.tensors.size()),
      m_psum(in.hw.psum.banks),
      m_kv(r.kv_slots) {}

isa::TrafficClass Emitter::home_class(int t) const {
  if (tensor(t).kv) return isa::TrafficClass::kv;
  return tensor(t).io_home ? isa::TrafficClass::io : isa::TrafficClass::spill;
}

Ring& Emitter::in_ring(size_t i) {
  if (i == kKvRing) return m_kv;
  if (m_in_rings.size() <= i) m_in_rings.resize(i + 1);
  return m_in_rings[i];
}

DepList Emitter::input_chunk(int t, uint32_t l, uint64_t share, size_t ring, int& slot,
                             isa::Dma what) {
  slot = -1;
  if (tensor(t).resident) return ready(t);
  Ring& r = in_ring(ring);
  slot = static_cast<int>(r.take());
  m_scratch = ready(t);
  merge(m_scratch, r.free[static_cast<size_t>(slot)]);
  what.tensor = t;
  return m_queues.read(share, home_class(t), l, m_scratch, what);
}

void Emitter::release_slot(size_t ring, int slot, const Dep& by) {
  if (slot >= 0) in_ring(ring).free[static_cast<size_t>(slot)] = {by};
}

void Emitter::output_chunk(int t, uint32_t l, uint64_t bytes, const Dep& produced, size_t out_slot,
                           DepList& ready, const isa::DmaRegion& region) {
  if (tensor(t).resident) {
    merge(ready, produced);
    if (tensor(t).io_home && !tensor(t).source)  // an output still read here: written out too
      m_queues.write(bytes, home_class(t), l, {produced}, moves(isa::DmaData::output, t, region));
    return;
  }
  m_scratch.assign(1, produced);
  const DepList w =
      m_queues.write(bytes, home_class(t), l, m_scratch, moves(isa::DmaData::output, t, region));
  m_out.free[out_slot] = w;
  merge(ready, w);
}

}  // namespace ncore::planner
