// Vector-engine timing and replay (see vector_engine.h).
#include "hw/vector_engine.h"

#include <algorithm>
#include <cmath>

#include "base/math.h"

namespace ncore::hw {
namespace {

// An eviction's or a vector op's work in vector-engine cycles.
uint64_t cycles(const isa::Instr& i) {
  return i.is_evict() ? i.evict().vector_cycles : i.vector().vector_cycles;
}

}  // namespace

uint64_t vector_core_cycles(uint64_t v, double core_hz, double vector_hz) {
  return base::ceil_cycles(static_cast<double>(v) * core_hz / vector_hz);
}

VectorEngine::VectorEngine(sc_core::sc_module_name n, const config::VectorEngineConfig& c,
                           double core_hz, const isa::InstrQueue& queue,
                           std::vector<bool> layer_has_matmul, Semaphores& sem, base::Stats& s,
                           Functional* functional)
    : sc_module(n),
      sbuf("sbuf"),
      psum("psum"),
      m_cfg(c),
      m_core_hz(core_hz),
      m_queue(queue),
      m_has_matmul(std::move(layer_has_matmul)),
      m_sem(sem),
      m_stats(s),
      m_busy(s.counter("vector_engine.busy_cycles")),
      m_port_stalls(s.counter("state_buffer.port_stall_cycles")),
      m_lane_cycles(s.counter("vector_engine.lane_cycles")),
      m_functional(functional) {
  SC_HAS_PROCESS(VectorEngine);
  SC_THREAD(run);
}

void VectorEngine::run() {
  replay(
      isa::kVectorEngine, m_queue, m_sem,
      [this](const isa::Instr& i, uint64_t t0) {
        const uint64_t compute = vector_core_cycles(cycles(i), m_core_hz, m_cfg.clock_hz);
        const uint64_t port_done = sbuf->access(t0, i.sbuf_read, i.sbuf_write, i.layer);
        if (i.is_evict()) psum->evict(i.evict().m, i.evict().n);  // PSUM: m x n sums
        if (m_functional) {
          if (i.is_evict())
            m_functional->evict(i);
          else
            m_functional->vector(i);
        }
        m_port_stall = port_done - t0 > compute ? port_done - t0 - compute : 0;
        return compute + m_port_stall;
      },
      [this](uint32_t layer) { return !m_has_matmul[layer]; },
      [this](const isa::Instr& i, uint64_t t_free, uint64_t t0, uint64_t t1, bool stall) {
        m_busy += t1 - t0;
        m_lane_cycles += cycles(i) * m_cfg.lanes;
        const uint64_t layer_start = m_stats.touch(i.layer, t0, t1);
        base::LayerStats& ls = m_stats.layer(i.layer);
        ls.vector_busy += t1 - t0;
        ls.port_stall += m_port_stall;
        m_port_stalls += m_port_stall;
        const uint64_t from = std::max(t_free, layer_start);
        if (stall && t0 > from) ls.stall += t0 - from;
        if (m_stats.tracing)
          m_stats.trace.push_back(
              {isa::kVectorEngine, static_cast<uint8_t>(i.op()), i.layer, t0, t1, cycles(i), 0, 0});
      });
}

}  // namespace ncore::hw
