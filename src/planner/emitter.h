// The emitter: appends instructions to the queues and keeps the state all layers' emission shares
// (DESIGN.md "Engines replay a program"): DMA pieces round robin over the queues, double-buffered
// DRAM stream slots per input number and for outputs, weight blocks prefetched prefetch_depth - 1
// ahead across layers, PSUM banks in rotation, when each tensor is complete. What a layer emits
// is gemm_emit's and vector_emit's.
#pragma once
#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "planner/plan_inputs.h"
#include "planner/residency.h"

namespace ncore::planner {

using isa::Dep;
using DepList = std::vector<Dep>;

// Keeps the largest count per engine.
void merge(DepList& into, const DepList& more);
void merge(DepList& into, const Dep& more);
// merge() into the deps of `into` from index `first` on (those before stay as they are).
void merge_after(DepList& into, size_t first, const DepList& more);

// Buffers used in turn (DRAM stream slots, PSUM banks); each is free again when the deps
// recorded for it are met.
struct Ring {
  explicit Ring(size_t slots = kStreamSlots) : free(slots) {}
  uint64_t next = 0;
  std::vector<DepList> free;  // per slot
  size_t take() { return static_cast<size_t>(next++ % free.size()); }
};

// The queues of the program being emitted.
class Queues {
 public:
  Queues(isa::Program& p, uint32_t dma_queues) : m_p(p), m_dma_queues(dma_queues) {}
  // Appends i to the engine's queue, waiting on `deps` (copied into the program's pool).
  Dep emit(uint16_t engine, isa::Instr i, const DepList& deps);
  const isa::Program& program() const { return m_p; }
  // A transfer of `bytes` DRAM -> SBUF (read) or back (write), after `deps` (none: `deps` back),
  // split into pieces of >= 4 KiB over the queues, round robin; returns one dep per queue used.
  // `what` says what it moves (functional mode): its data, tensor, region and slots.
  DepList read(uint64_t bytes, isa::TrafficClass cls, uint32_t layer, const DepList& deps,
               const isa::Dma& what = {}) {
    return transfer(false, bytes, cls, layer, deps, what);
  }
  DepList write(uint64_t bytes, isa::TrafficClass cls, uint32_t layer, const DepList& deps,
                const isa::Dma& what = {}) {
    return transfer(true, bytes, cls, layer, deps, what);
  }
  // An SBUF to SBUF copy (the explicit im2col): pieces over the queues as above, no DRAM bytes.
  DepList copy(uint64_t bytes, uint32_t layer, const DepList& deps) {
    isa::Dma what;
    what.on_chip = true;
    return transfer(false, bytes, isa::TrafficClass::io, layer, deps, what);
  }

 private:
  DepList transfer(bool write, uint64_t bytes, isa::TrafficClass cls, uint32_t layer,
                   const DepList& deps, const isa::Dma& what);
  Dep push(uint16_t engine, const isa::Instr& i);  // i's deps already in the pool

  isa::Program& m_p;
  const uint32_t m_dma_queues;
  uint32_t m_next_queue = 0, m_next_xfer = 0;
};

// Weight blocks loaded into prefetch_depth slots, running ahead of compute by depth - 1 blocks;
// with static weights (options.weights) already in SBUF: no load, no slot to wait for.
class WeightPrefetch {
 public:
  WeightPrefetch(std::vector<WeightBlock> blocks, uint32_t depth, bool resident = false);
  // The next block in program order, its load (and those ahead of it) emitted.
  size_t next(Queues& q);
  const DepList& loaded(size_t j) const { return m_loaded[j]; }
  uint32_t slot(size_t j) const { return static_cast<uint32_t>(j % m_depth); }
  // Block j's slot is free again once `last` (its last MatMul) is done.
  void release(size_t j, const Dep& last) {
    if (!m_resident) m_slot_free[slot(j)] = {last};
  }

 private:
  const std::vector<WeightBlock> m_blocks;
  const uint32_t m_depth;
  const bool m_resident;
  std::vector<DepList> m_loaded, m_slot_free;
  size_t m_emitted = 0, m_next = 0;
};

// The emission of one program: the state above, and the tensors' readiness and stream slots.
class Emitter {
 public:
  Emitter(const PlanInputs& in, const Residency& r, isa::Program& p);

  const PlanInputs& in() const { return m_in; }
  const Residency& residency() const { return m_res; }
  Queues& queues() { return m_queues; }
  WeightPrefetch& weights() { return m_weights; }

  const Tensor& tensor(int t) const { return m_res.tensors[static_cast<size_t>(t)]; }
  isa::TrafficClass home_class(int t) const;
  // Deps under which tensor t is complete.
  DepList& ready(int t) { return m_ready[static_cast<size_t>(t)]; }

  // The stream ring of a layer's input number `i` (kKvRing: a decode step's KV cache, read
  // with static weights; Residency::kv_slots deep).
  static constexpr size_t kKvRing = 64;
  Ring& in_ring(size_t i);
  // Deps under which `share` bytes of tensor t can be read by layer l: the tensor's readiness
  // if resident, else a DMA read of that share into the next slot of in_ring(ring) (returned
  // in `slot`, -1 when resident). `what`: the part of t the chunk's consumer reads.
  DepList input_chunk(int t, uint32_t l, uint64_t share, size_t ring, int& slot, isa::Dma what);
  void release_slot(size_t ring, int slot, const Dep& by);

  // The stream slots of outputs that live in DRAM (one ring for every layer).
  Ring& out_ring() { return m_out; }
  // After an engine produced bytes of tensor t: keep them (add `produced` to `ready`), or write
  // them from `out_slot` to DRAM (region: channels [m0, m0 + m) x positions [c0, c0 + n)).
  void output_chunk(int t, uint32_t l, uint64_t bytes, const Dep& produced, size_t out_slot,
                    DepList& ready, const isa::DmaRegion& region);

  // The PSUM banks, in rotation.
  Ring& psum_banks() { return m_psum; }
  // The explicit im2col copy's buffers, in rotation.
  Ring& im2col_buffers() { return m_im2col; }

 private:
  const PlanInputs& m_in;
  const Residency& m_res;
  Queues m_queues;
  WeightPrefetch m_weights;
  std::vector<DepList> m_ready;  // per tensor
  std::vector<Ring> m_in_rings;  // per input number of a layer
  Ring m_out;
  Ring m_psum;
  Ring m_im2col{kIm2colSlots};
  Ring m_kv;          // in_ring(kKvRing): a KV cache's stream, Residency::kv_slots deep
  DepList m_scratch;  // a transfer's deps being built (its capacity reused)
};

// A DMA annotation for functional mode: what it moves (see isa::DmaData) and where.
isa::Dma moves(isa::DmaData data, int tensor = -1, const isa::DmaRegion& region = {});

}  // namespace ncore::planner
