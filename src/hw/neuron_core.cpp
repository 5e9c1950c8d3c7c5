// NeuronCore top: construction and port binding (see neuron_core.h).
#include "hw/neuron_core.h"

namespace ncore::hw {
namespace {

std::vector<uint64_t> planned_sbuf(const isa::Program& p) {
  std::vector<uint64_t> v;
  for (const auto& l : p.layers) v.push_back(l.sbuf_bytes);
  return v;
}

std::vector<bool> has_matmul(const isa::Program& p) {
  std::vector<bool> v;
  for (const auto& l : p.layers) v.push_back(l.matmuls > 0);
  return v;
}

}  // namespace

NeuronCore::NeuronCore(sc_core::sc_module_name n, const config::HwConfig& hw, const isa::Program& p,
                       workload::DType dtype, base::Stats& s, Functional* functional,
                       DramIf* shared_dram, PassGate* gate)
    : sc_module(n),
      m_program(p),
      m_gate(gate),
      m_sem(p),
      m_own_dram(shared_dram
                     ? nullptr
                     : std::make_unique<Dram>("dram", hw.dram, hw.tensor_engine.clock_hz, s)),
      m_dram(shared_dram ? *shared_dram : *m_own_dram),
      m_sbuf("state_buffer", hw.state_buffer, planned_sbuf(p), s),
      m_psum("psum", hw.psum, s),
      m_tensor("tensor_engine", hw.tensor_engine, config::rate_for(hw.tensor_engine.rate, dtype),
               {isa::kTensorEngine, p.queues[isa::kTensorEngine], m_sem, s, functional, gate}),
      m_vector("vector_engine", hw.vector_engine, hw.tensor_engine.clock_hz, has_matmul(p),
               {isa::kVectorEngine, p.queues[isa::kVectorEngine], m_sem, s, functional, gate},
               workload::dtype_bytes(dtype)) {
  s.init_layers(p.layers.size());
  m_tensor.sbuf(m_sbuf);
  m_tensor.psum(m_psum);
  m_vector.sbuf(m_sbuf);
  m_vector.psum(m_psum);
  const double f = hw.tensor_engine.clock_hz;
  if (const int e = p.engine_id(isa::ComputeEngine::scalar); e >= 0) {
    const auto id = static_cast<uint16_t>(e);
    m_scalar =
        std::make_unique<ScalarEngine>("scalar_engine", hw.scalar_engine, f,
                                       EngineWiring{id, p.queues[id], m_sem, s, functional, gate});
    m_scalar->sbuf(m_sbuf);
    m_scalar->psum(m_psum);
  }
  if (const int e = p.engine_id(isa::ComputeEngine::gpsimd); e >= 0) {
    const auto id = static_cast<uint16_t>(e);
    m_gpsimd =
        std::make_unique<GpSimdEngine>("gpsimd_engine", hw.gpsimd_engine, f,
                                       EngineWiring{id, p.queues[id], m_sem, s, functional, gate});
    m_gpsimd->sbuf(m_sbuf);
    m_gpsimd->psum(m_psum);
  }
  for (uint32_t q = 0; q < p.dma_queues; ++q) {
    const auto engine = static_cast<uint16_t>(p.first_dma() + q);
    const std::string name = "dma_" + std::to_string(q);
    m_dma.push_back(std::make_unique<DmaQueue>(
        name.c_str(), hw.dma, hw.tensor_engine.clock_hz,
        EngineWiring{engine, p.queues[engine], m_sem, s, functional, gate}));
    m_dma.back()->dram(m_dram);
    m_dma.back()->sbuf(m_sbuf);
  }
}

bool NeuronCore::drained() const {
  for (size_t e = 0; e < m_program.engines(); ++e)
    if (m_sem.completed(static_cast<uint16_t>(e)) !=
        m_program.queues[e].size() * (m_gate ? m_gate->passes() : 1))
      return false;
  return true;
}

}  // namespace ncore::hw
