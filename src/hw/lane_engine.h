// LaneEngine: what the vector, scalar and GpSimd engines share. `lanes` elements per engine cycle
// (one lane per partition) at the engine's own clock; an instruction's work of s engine cycles
// (the planner's, already divided by the lanes) runs with the engine's fixed costs (lane_timing)
// and converts to core cycles once, rounding up (DESIGN.md "Time"). An eviction reads its PSUM
// bank; functional mode computes what the instruction computes. Cross-engine port limits (the
// vector and GpSimd engines share an SBUF port, the vector and scalar engines PSUM) are left out.
#pragma once
#include <array>
#include <cstdint>
#include <systemc>

#include "config/hw_config.h"
#include "hw/engine.h"
#include "hw/psum.h"

namespace ncore::hw {

uint64_t vector_core_cycles(uint64_t vector_cycles, double core_hz, double vector_hz);

// One instruction of s engine cycles of streaming, with static overhead O and access overhead A
// (config::FixedCosts), in core cycles from its start. Source: the NKI architecture guide
// (NeuronCore-v2): "roughly N cycles" for N elements per lane, plus "a static instruction
// overhead of 100 engine cycles" only when instructions are short (N << 128) or each depends on
// the previous one's output; initiating an SBUF/PSUM access costs ~60 cycles that "compute
// engines can typically hide through instruction level parallelism". So the overheads are
// latency an independent successor overlaps, and O bounds the issue rate:
//     busy  = max(s, O)            what the engine is occupied (the next instruction issues then)
//     ready = O + 2A + s           when its output is committed: A to read, A to write
// (a chain of dependent one-element ScalarE instructions: 100 + 120 + 1 = 221 cycles each; the
// NKI performance guide measured ~264, its semaphore hand-off not modelled).
struct LaneTiming {
  uint64_t busy = 0, ready = 0;
};
LaneTiming lane_timing(uint64_t s, const config::FixedCosts& f, double core_hz, double engine_hz);

class LaneEngine : public Engine {
 public:
  sc_core::sc_port<PsumIf> psum;

  struct Params {
    double core_hz, clock_hz;
    uint32_t lanes;
    config::FixedCosts fixed;
    const char* busy_counter;                // e.g. "vector_engine.busy_cycles"
    const char* lane_counter;                // e.g. "vector_engine.lane_cycles"
    uint64_t base::LayerStats::*layer_busy;  // its layers.csv column
  };

 protected:
  LaneEngine(sc_core::sc_module_name n, const Params& p, const EngineWiring& w);
  // Instruction i's streaming in engine cycles (before the fixed costs): the planner's work.
  virtual uint64_t work(const isa::Instr& i) const;
  void account(const isa::Instr& i, base::LayerStats& ls, uint64_t t0, uint64_t t1) override;

 private:
  uint64_t cycles(const isa::Instr& i, uint64_t t0) override;
  uint64_t result_latency(const isa::Instr&) const override { return m_latency; }
  std::array<uint64_t, 3> trace_fields(const isa::Instr& i) const override;

  const Params m_p;
  uint64_t& m_lane_cycles;
  uint64_t m_latency = 0;  // the last instruction's ready - busy
};

}  // namespace ncore::hw
