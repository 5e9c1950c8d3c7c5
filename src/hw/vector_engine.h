// VectorEngine: `lanes` elements per vector cycle (one lane per partition) at its own clock, with
// the fixed costs and clock conversion every lane engine has (lane_engine.h). It runs the vector
// layers, and evicts PSUM (activation fused) when the hardware has no scalar engine. An op's work
// is the planner's (lane-cycles / lanes x vector_engine.passes); with vector_engine.per_input it
// streams each input tile too: at least N cycles per input of N elements per lane (NKI
// architecture guide, VectorE cost model: "roughly N cycles" with one input tile, "2N" with two).
// It also runs the convs the planner lowered `vector`, their MACs (vector_engine.macs) spread over
// every lane.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "config/hw_config.h"
#include "hw/lane_engine.h"

namespace ncore::hw {

// A vector op's streaming in vector cycles: its work w, or with per_input at least the elements
// it reads per lane, ceil(sbuf_read / (elem_bytes x channels)) (a conv lowered `vector`: x lanes).
uint64_t vector_op_cycles(const config::VectorEngineConfig& c, const isa::Instr& i,
                          uint32_t elem_bytes);

class VectorEngine : public LaneEngine {
 public:
  // `layer_has_matmul`: per layer; semaphore waits are stall cycles of layers without MatMuls.
  // `elem_bytes`: the bytes of one element of the run's dtype.
  VectorEngine(sc_core::sc_module_name n, const config::VectorEngineConfig& c, double core_hz,
               std::vector<bool> layer_has_matmul, const EngineWiring& w, uint32_t elem_bytes = 2);

 private:
  uint64_t work(const isa::Instr& i) const override;
  void account(const isa::Instr& i, base::LayerStats& ls, uint64_t t0, uint64_t t1) override;
  bool counts_stall(uint32_t layer) const override { return !m_has_matmul[layer]; }

  const config::VectorEngineConfig m_cfg;
  const std::vector<bool> m_has_matmul;
  const uint32_t m_elem_bytes;
  uint64_t& m_macs;  // of convs lowered `vector`
};

}  // namespace ncore::hw
