// Vector-engine timing (see vector_engine.h).
#include "hw/vector_engine.h"

#include <algorithm>
#include <utility>

#include "base/math.h"

namespace ncore::hw {

uint64_t vector_op_cycles(const config::VectorEngineConfig& c, const isa::Instr& i,
                          uint32_t elem_bytes) {
  const isa::Vector& v = i.vector();
  if (!c.per_input || v.channels == 0) return v.vector_cycles;
  // a conv lowered `vector` spreads its MACs (one input element each) over every lane
  const uint64_t lanes = v.macs ? c.lanes : v.channels;
  const uint64_t per_lane = base::ceil_div(i.sbuf_read, uint64_t{elem_bytes} * lanes);
  return std::max(v.vector_cycles, per_lane);
}

VectorEngine::VectorEngine(sc_core::sc_module_name n, const config::VectorEngineConfig& c,
                           double core_hz, std::vector<bool> layer_has_matmul,
                           const EngineWiring& w, uint32_t elem_bytes)
    : LaneEngine(n,
                 {core_hz, c.clock_hz, c.lanes, c.fixed, "vector_engine.busy_cycles",
                  "vector_engine.lane_cycles", &base::LayerStats::vector_busy},
                 w),
      m_cfg(c),
      m_has_matmul(std::move(layer_has_matmul)),
      m_elem_bytes(elem_bytes),
      m_macs(w.stats.counter("vector_engine.macs")) {}

uint64_t VectorEngine::work(const isa::Instr& i) const {
  return i.is_evict() ? i.evict().vector_cycles : vector_op_cycles(m_cfg, i, m_elem_bytes);
}

void VectorEngine::account(const isa::Instr& i, base::LayerStats& ls, uint64_t t0, uint64_t t1) {
  LaneEngine::account(i, ls, t0, t1);
  if (i.is_evict()) return;
  m_macs += i.vector().macs;
  ls.macs += i.vector().macs;
}

}  // namespace ncore::hw
