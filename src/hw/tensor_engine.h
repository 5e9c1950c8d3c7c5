// TensorEngine: a weight-stationary systolic array, R x C PEs; per-PE data is not modelled. A
// MatMul{K, M, N} occupies load + max(ceil(N / rate), I) + R + C - 2 cycles (DESIGN.md
// "Tensor-engine timing"): rate per dtype vs FP16 (FP32 1/4), I the minimum issue interval,
// R + C - 2 the skewed fill and drain, load R or what background preload left (matmul_timing).
// A layout transpose (MatMul::transpose) streams at tensor_engine.transpose_rate when set, no MACs.
// Sources: DESIGN.md; SCALE-Sim (ISPASS 2020) for fill/drain; Neuron NKI guide for I = 64, 4x.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <systemc>

#include "config/hw_config.h"
#include "hw/engine.h"
#include "hw/psum.h"

namespace ncore::hw {

// max(ceil(N / rate), I) + R + C - 2: the streaming part, without the weight load.
uint64_t stream_cycles(const config::TensorEngineConfig& c, uint64_t n, double rate);
// The weight load a MatMul pays in full: R (none) or ceil(R / s) (background).
uint64_t load_cycles(const config::TensorEngineConfig& c);

// One MatMul's timing, the one formula the engine and its tests share: `busy`, the cycles it
// occupies the engine, and `ready`, the cycles from its start until its sums are in PSUM (DESIGN.md
// "occupancy is not latency"): serial, busy = ready = load + max(ceil(N / rate), I) + R + C - 2;
// pipelined (tensor_engine.timing), busy = load + max(ceil(N / rate), I) and ready = busy + R +
// C - 2, the next MatMul issuing at busy (the NKI performance guide's initiation interval).
struct MatMulTiming {
  uint64_t load = 0;  // the weight-load cycles it pays (what preload did not hide)
  uint64_t busy = 0;
  uint64_t ready = 0;
};
// A MatMul of n moving columns starting at cycle t0. Its load: R with weight_preload none; with
// background and speed-up s, ceil(R / s) from `preload_from` (the previous MatMul's stream start,
// or its weights' arrival in SBUF if later) running beside the previous MatMul, the MatMul paying
// what is left at t0; nullopt (the first MatMul), or preload none: paid in full.
MatMulTiming matmul_timing(const config::TensorEngineConfig& c, uint64_t n, double rate,
                           uint64_t t0 = 0, std::optional<uint64_t> preload_from = std::nullopt);
// The whole MatMul with a foreground load (weight_preload none, or the first MatMul).
inline uint64_t matmul_cycles(const config::TensorEngineConfig& c, uint64_t n, double rate) {
  return matmul_timing(c, n, rate).busy;
}

class TensorEngine : public Engine {
 public:
  sc_core::sc_port<PsumIf> psum;

  TensorEngine(sc_core::sc_module_name n, const config::TensorEngineConfig& c, double rate,
               const EngineWiring& w);

 private:
  uint64_t cycles(const isa::Instr& i, uint64_t t0) override;
  uint64_t result_latency(const isa::Instr& i) const override;
  std::array<uint64_t, 3> trace_fields(const isa::Instr& i) const override;
  void account(const isa::Instr& i, base::LayerStats& ls, uint64_t t0, uint64_t t1) override;
  bool counts_stall(uint32_t) const override { return true; }

  const config::TensorEngineConfig m_cfg;
  const double m_rate;
  uint64_t& m_macs;
  uint64_t& m_matmuls;
  bool m_first = true;
  uint64_t m_prev_stream_start = 0;
  uint64_t m_latency = 0;  // the last MatMul's ready - busy (its result latency)
};

}  // namespace ncore::hw
