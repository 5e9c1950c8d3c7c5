// Timing and replay shared by the vector, scalar and GpSimd engines (see lane_engine.h).
#include "hw/lane_engine.h"

#include <algorithm>

#include "base/math.h"

namespace ncore::hw {

uint64_t vector_core_cycles(uint64_t v, double core_hz, double vector_hz) {
  return base::ceil_cycles(static_cast<double>(v) * core_hz / vector_hz);
}

LaneTiming lane_timing(uint64_t s, const config::FixedCosts& f, double core_hz, double engine_hz) {
  const double stream = static_cast<double>(s);
  const double busy = std::max(stream, f.static_overhead);
  const double ready = f.static_overhead + 2 * f.access_overhead + stream;
  const double per = core_hz / engine_hz;  // core cycles per engine cycle
  return {base::ceil_cycles(busy * per), base::ceil_cycles(ready * per)};
}

LaneEngine::LaneEngine(sc_core::sc_module_name n, const Params& p, const EngineWiring& w)
    : Engine(n, w, p.busy_counter, p.layer_busy),
      psum("psum"),
      m_p(p),
      m_lane_cycles(w.stats.counter(p.lane_counter)) {}

uint64_t LaneEngine::work(const isa::Instr& i) const {
  return i.is_evict() ? i.evict().vector_cycles : i.vector().vector_cycles;
}

uint64_t LaneEngine::cycles(const isa::Instr& i, uint64_t) {
  if (i.is_evict()) psum->evict(i.evict().m, i.evict().n);  // PSUM: m x n sums
  if (functional()) {
    if (i.is_evict() && i.evict().transpose)
      ;  // a layout transpose's copy: the data is already where functional mode keeps it
    else if (i.is_evict())
      functional()->evict(i);
    else
      functional()->vector(i);
  }
  const LaneTiming t = lane_timing(work(i), m_p.fixed, m_p.core_hz, m_p.clock_hz);
  m_latency = t.ready - std::min(t.ready, t.busy);
  return t.busy;
}

std::array<uint64_t, 3> LaneEngine::trace_fields(const isa::Instr& i) const {
  return {work(i), 0, 0};
}

void LaneEngine::account(const isa::Instr& i, base::LayerStats&, uint64_t, uint64_t) {
  m_lane_cycles += work(i) * m_p.lanes;
}

}  // namespace ncore::hw
