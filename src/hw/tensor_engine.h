// TensorEngine: a weight-stationary systolic array of R rows x C cols PEs (DESIGN.md
// "Tensor-engine timing"). A MatMul{K, M, N} (a K x M stationary tile, K <= R, M <= C, N moving
// columns) occupies the engine for
//     cycles = load + max(ceil(N / rate), I) + R + C - 2
// rate: MACs per PE per cycle for the dtype relative to FP16 (FP32 1/4, INT8 2 where configured);
// I: the minimum issue interval; R + C - 2: the skewed fill and drain through the whole array.
// load with weight_preload none: R (weights shift in through every row). With background and
// speed-up s: the tile's ceil(R / s)-cycle load starts when the previous MatMul starts streaming
// (or when its weights are in SBUF, if later) and the MatMul pays only what is left of it; the
// first MatMul pays ceil(R / s). Per-PE data is not modelled. Sources: DESIGN.md; SCALE-Sim
// (Samajdar et al., ISPASS 2020) for the fill/drain; the Neuron NKI guide for I = 64 and 4x.
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
#include "workload/graph.h"

namespace ncore::hw {

// max(ceil(N / rate), I) + R + C - 2: the streaming part, without the weight load.
uint64_t stream_cycles(const config::TensorEngineConfig& c, uint64_t n, double rate);
// The weight load a MatMul pays in full: R (none) or ceil(R / s) (background).
uint64_t load_cycles(const config::TensorEngineConfig& c);
// The whole MatMul with a foreground load (weight_preload none, or the first MatMul).
inline uint64_t matmul_cycles(const config::TensorEngineConfig& c, uint64_t n, double rate) {
  return load_cycles(c) + stream_cycles(c, n, rate);
}

class TensorEngine : public sc_core::sc_module {
 public:
  sc_core::sc_port<SbufIf> sbuf;
  sc_core::sc_port<PsumIf> psum;

  TensorEngine(sc_core::sc_module_name n, const config::TensorEngineConfig& c, double rate,
               const isa::InstrQueue& queue, Semaphores& sem, base::Stats& s,
               Functional* functional = nullptr);

 private:
  void run();
  uint64_t execute(const isa::Instr& i, uint64_t t0);

  const config::TensorEngineConfig m_cfg;
  const double m_rate;
  const isa::InstrQueue& m_queue;
  Semaphores& m_sem;
  base::Stats& m_stats;
  uint64_t& m_busy;
  uint64_t& m_macs;
  uint64_t& m_matmuls;
  uint64_t& m_port_stalls;
  Functional* m_functional;
  uint64_t m_port_stall = 0;  // of the instruction just executed
  bool m_first = true;
  uint64_t m_prev_stream_start = 0;
};

}  // namespace ncore::hw
