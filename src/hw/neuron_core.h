// NeuronCore: the top that wires one core's modules and replays a Program: DMA queues and the
// compute engines (tensor, vector, and scalar and GpSimd where the hardware has them), each an
// SC_THREAD over its own instruction queue, synchronised by semaphores; DRAM and the state buffer
// as shared resources behind ports. The core's own DRAM share, or (a multi-core deployment) its
// chip's DRAM, shared with the chip's other cores. One design per SystemC context.
#pragma once
#include <memory>
#include <systemc>
#include <vector>

#include "base/stats.h"
#include "config/hw_config.h"
#include "hw/dma.h"
#include "hw/dram.h"
#include "hw/functional.h"
#include "hw/gpsimd_engine.h"
#include "hw/psum.h"
#include "hw/scalar_engine.h"
#include "hw/state_buffer.h"
#include "hw/sync.h"
#include "hw/tensor_engine.h"
#include "hw/vector_engine.h"
#include "isa/program.h"
#include "workload/graph.h"

namespace ncore::hw {

class NeuronCore : public sc_core::sc_module {
 public:
  NeuronCore(sc_core::sc_module_name n, const config::HwConfig& hw, const isa::Program& p,
             workload::DType dtype, base::Stats& s, Functional* functional = nullptr,
             DramIf* shared_dram = nullptr, PassGate* gate = nullptr);

  // True when every engine ran its whole queue, every pass (false means the replay deadlocked:
  // a bug).
  bool drained() const;

 private:
  const isa::Program& m_program;
  PassGate* const m_gate;
  Semaphores m_sem;
  std::unique_ptr<Dram> m_own_dram;  // without a shared one
  DramIf& m_dram;
  StateBuffer m_sbuf;
  Psum m_psum;
  TensorEngine m_tensor;
  VectorEngine m_vector;
  std::unique_ptr<ScalarEngine> m_scalar;  // when the program has one
  std::unique_ptr<GpSimdEngine> m_gpsimd;
  std::vector<std::unique_ptr<DmaQueue>> m_dma;
};

}  // namespace ncore::hw
