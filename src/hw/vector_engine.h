// VectorEngine: `lanes` elements per vector cycle (one lane per partition) at its own clock. An
// op of v vector cycles (the planner's work already divided by the lanes, multi-pass ops by their
// vector_engine.passes) occupies ceil(v * f_core / f_vector) core cycles, converted once
// (DESIGN.md "Time"). It evicts PSUM (activation fused) and runs the vector layers. Per-op fixed
// overheads are not modelled.
#pragma once
#include <array>
#include <cstdint>
#include <systemc>
#include <vector>

#include "config/hw_config.h"
#include "hw/engine.h"
#include "hw/psum.h"

namespace ncore::hw {

uint64_t vector_core_cycles(uint64_t vector_cycles, double core_hz, double vector_hz);

class VectorEngine : public Engine {
 public:
  sc_core::sc_port<PsumIf> psum;

  // `layer_has_matmul`: per layer; semaphore waits are stall cycles of layers without MatMuls.
  VectorEngine(sc_core::sc_module_name n, const config::VectorEngineConfig& c, double core_hz,
               std::vector<bool> layer_has_matmul, const EngineWiring& w);

 private:
  uint64_t cycles(const isa::Instr& i, uint64_t t0) override;
  std::array<uint64_t, 3> trace_fields(const isa::Instr& i) const override;
  void account(const isa::Instr& i, base::LayerStats& ls, uint64_t t0, uint64_t t1) override;
  bool counts_stall(uint32_t layer) const override { return !m_has_matmul[layer]; }

  const config::VectorEngineConfig m_cfg;
  const double m_core_hz;
  const std::vector<bool> m_has_matmul;
  uint64_t& m_lane_cycles;
};

}  // namespace ncore::hw
