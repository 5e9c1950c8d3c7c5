// Tensor-engine timing and replay (see tensor_engine.h for the formula and its sources).
#include "hw/tensor_engine.h"

#include <algorithm>
#include <cmath>

#include "base/math.h"

namespace ncore::hw {

uint64_t stream_cycles(const config::TensorEngineConfig& c, uint64_t n, double rate) {
  const auto stream = base::ceil_cycles(static_cast<double>(n) / rate);
  return std::max<uint64_t>(stream, c.issue_interval) + c.rows + c.cols - 2;
}

uint64_t load_cycles(const config::TensorEngineConfig& c) {
  if (c.weight_preload == config::WeightPreload::none) return c.rows;
  return base::ceil_cycles(c.rows / c.preload_speedup);
}

TensorEngine::TensorEngine(sc_core::sc_module_name n, const config::TensorEngineConfig& c,
                           double rate, const isa::InstrQueue& queue, Semaphores& sem,
                           base::Stats& s, Functional* functional)
    : sc_module(n),
      sbuf("sbuf"),
      psum("psum"),
      m_cfg(c),
      m_rate(rate),
      m_queue(queue),
      m_sem(sem),
      m_stats(s),
      m_busy(s.counter("tensor_engine.busy_cycles")),
      m_macs(s.counter("tensor_engine.macs")),
      m_matmuls(s.counter("tensor_engine.matmuls")),
      m_port_stalls(s.counter("state_buffer.port_stall_cycles")),
      m_functional(functional) {
  SC_HAS_PROCESS(TensorEngine);
  SC_THREAD(run);
}

uint64_t TensorEngine::execute(const isa::Instr& i, uint64_t t0) {
  const isa::MatMul& mm = i.matmul();
  uint64_t load = load_cycles(m_cfg);
  if (m_cfg.weight_preload == config::WeightPreload::background && !m_first) {
    uint64_t weights_ready = 0;
    for (size_t d = 0; d < mm.weight_deps; ++d)
      weights_ready = std::max(weights_ready, m_sem.completed_at(i.deps[d]));
    const uint64_t load_end = std::max(m_prev_stream_start, weights_ready) + load;
    load = load_end > t0 ? load_end - t0 : 0;
  }
  m_first = false;
  m_prev_stream_start = t0 + load;
  const uint64_t compute = load + stream_cycles(m_cfg, mm.n, m_rate);
  const uint64_t port_done = sbuf->access(t0, i.sbuf_read, i.sbuf_write, i.layer);
  psum->accumulate(mm.m, mm.n);
  if (m_functional) m_functional->matmul(i);
  m_port_stall = port_done - t0 > compute ? port_done - t0 - compute : 0;
  return compute + m_port_stall;
}

void TensorEngine::run() {
  replay(
      isa::kTensorEngine, m_queue, m_sem,
      [this](const isa::Instr& i, uint64_t t0) { return execute(i, t0); },
      [](uint32_t) { return true; },
      [this](const isa::Instr& i, uint64_t t_free, uint64_t t0, uint64_t t1, bool) {
        const isa::MatMul& mm = i.matmul();
        const uint64_t macs = uint64_t{mm.k} * mm.m * mm.n;
        m_busy += t1 - t0;
        m_macs += macs;
        ++m_matmuls;
        const uint64_t layer_start = m_stats.touch(i.layer, t0, t1);
        base::LayerStats& ls = m_stats.layer(i.layer);
        ls.tensor_busy += t1 - t0;
        ls.port_stall += m_port_stall;
        m_port_stalls += m_port_stall;
        ls.macs += macs;
        const uint64_t from = std::max(t_free, layer_start);
        if (t0 > from) ls.stall += t0 - from;
        if (m_stats.tracing)
          m_stats.trace.push_back({isa::kTensorEngine, static_cast<uint8_t>(i.op()), i.layer, t0,
                                   t1, mm.k, mm.m, mm.n});
      });
}

}  // namespace ncore::hw
