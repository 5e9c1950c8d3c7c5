// VectorEngine: `lanes` elements per vector cycle (one lane per partition) at its own clock.
// An op of v vector cycles (the planner divides the work by the lanes: ceil(channels / lanes)
// x positions x ops per position) occupies ceil(v * f_core / f_vector) core cycles, converted
// once (DESIGN.md "Time"). It evicts PSUM (activation fused) and runs the vector layers;
// multi-pass ops (softmax, layernorm, ...) arrive with the planner's ops per position already
// multiplied by their vector_engine.passes factor. Per-op fixed overheads are not modelled.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "base/stats.h"
#include "config/hw_config.h"
#include "hw/functional.h"
#include "hw/psum.h"
#include "hw/state_buffer.h"
#include "hw/sync.h"

namespace ncore::hw {

uint64_t vector_core_cycles(uint64_t vector_cycles, double core_hz, double vector_hz);

class VectorEngine : public sc_core::sc_module {
 public:
  sc_core::sc_port<SbufIf> sbuf;
  sc_core::sc_port<PsumIf> psum;

  VectorEngine(sc_core::sc_module_name n, const config::VectorEngineConfig& c, double core_hz,
               const isa::InstrQueue& queue, std::vector<bool> layer_has_matmul, Semaphores& sem,
               base::Stats& s, Functional* functional = nullptr);

 private:
  void run();

  const config::VectorEngineConfig m_cfg;
  const double m_core_hz;
  const isa::InstrQueue& m_queue;
  const std::vector<bool> m_has_matmul;
  Semaphores& m_sem;
  base::Stats& m_stats;
  uint64_t& m_busy;
  uint64_t& m_port_stalls;
  uint64_t& m_lane_cycles;
  Functional* m_functional;
  uint64_t m_port_stall = 0;  // of the instruction just executed
};

}  // namespace ncore::hw
