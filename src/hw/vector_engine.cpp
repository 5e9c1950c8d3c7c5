// Vector-engine timing and replay (see vector_engine.h).
#include "hw/vector_engine.h"

#include <utility>

#include "base/math.h"

namespace ncore::hw {
namespace {

// An eviction's or a vector op's work in vector-engine cycles.
uint64_t work(const isa::Instr& i) {
  return i.is_evict() ? i.evict().vector_cycles : i.vector().vector_cycles;
}

}  // namespace

uint64_t vector_core_cycles(uint64_t v, double core_hz, double vector_hz) {
  return base::ceil_cycles(static_cast<double>(v) * core_hz / vector_hz);
}

VectorEngine::VectorEngine(sc_core::sc_module_name n, const config::VectorEngineConfig& c,
                           double core_hz, std::vector<bool> layer_has_matmul,
                           const EngineWiring& w)
    : Engine(n, w, "vector_engine.busy_cycles", &base::LayerStats::vector_busy),
      psum("psum"),
      m_cfg(c),
      m_core_hz(core_hz),
      m_has_matmul(std::move(layer_has_matmul)),
      m_lane_cycles(w.stats.counter("vector_engine.lane_cycles")) {}

uint64_t VectorEngine::cycles(const isa::Instr& i, uint64_t) {
  if (i.is_evict()) psum->evict(i.evict().m, i.evict().n);  // PSUM: m x n sums
  if (functional()) {
    if (i.is_evict())
      functional()->evict(i);
    else
      functional()->vector(i);
  }
  return vector_core_cycles(work(i), m_core_hz, m_cfg.clock_hz);
}

std::array<uint64_t, 3> VectorEngine::trace_fields(const isa::Instr& i) const {
  return {work(i), 0, 0};
}

void VectorEngine::account(const isa::Instr& i, base::LayerStats&, uint64_t, uint64_t) {
  m_lane_cycles += work(i) * m_cfg.lanes;
}

}  // namespace ncore::hw
