// Tensor-engine timing and replay (see tensor_engine.h for the formula and its sources).
#include "hw/tensor_engine.h"

#include <algorithm>

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

MatMulTiming matmul_timing(const config::TensorEngineConfig& c, uint64_t n, double rate,
                           uint64_t t0, std::optional<uint64_t> preload_from) {
  MatMulTiming t;
  t.load = load_cycles(c);
  if (preload_from && c.weight_preload == config::WeightPreload::background) {
    const uint64_t load_end = *preload_from + t.load;
    t.load = load_end > t0 ? load_end - t0 : 0;
  }
  t.busy = t.load + stream_cycles(c, n, rate);
  t.ready = t.busy;
  if (c.timing == config::ArrayTiming::pipelined) {  // fill and drain: latency, not occupancy
    t.busy -= c.rows + c.cols - 2;
  }
  return t;
}

TensorEngine::TensorEngine(sc_core::sc_module_name n, const config::TensorEngineConfig& c,
                           double rate, const EngineWiring& w)
    : Engine(n, w, "tensor_engine.busy_cycles", &base::LayerStats::tensor_busy),
      psum("psum"),
      m_cfg(c),
      m_rate(rate),
      m_macs(w.stats.counter("tensor_engine.macs")),
      m_matmuls(w.stats.counter("tensor_engine.matmuls")) {}

uint64_t TensorEngine::cycles(const isa::Instr& i, uint64_t t0) {
  const isa::MatMul& mm = i.matmul();
  std::optional<uint64_t> preload_from;
  if (m_cfg.weight_preload == config::WeightPreload::background && !m_first) {
    uint64_t weights_ready = 0;  // the first `weight_deps` deps are the tile's loads
    for (size_t d = 0; d < mm.weight_deps; ++d)
      weights_ready = std::max(weights_ready, sem().completed_at(i.deps[d]));
    preload_from = std::max(m_prev_stream_start, weights_ready);
  }
  const double rate = mm.transpose && m_cfg.transpose_rate > 0 ? m_cfg.transpose_rate : m_rate;
  const MatMulTiming t = matmul_timing(m_cfg, mm.n, rate, t0, preload_from);
  m_latency = t.ready - t.busy;
  m_first = false;
  m_prev_stream_start = t0 + t.load;
  psum->accumulate(mm.m, mm.n);
  if (functional() && !mm.transpose) functional()->matmul(i);
  return t.busy;
}

uint64_t TensorEngine::result_latency(const isa::Instr&) const {
  return m_latency;  // of the MatMul cycles() just timed: ready - busy
}

std::array<uint64_t, 3> TensorEngine::trace_fields(const isa::Instr& i) const {
  const isa::MatMul& mm = i.matmul();
  return {mm.k, mm.m, mm.n};
}

void TensorEngine::account(const isa::Instr& i, base::LayerStats& ls, uint64_t, uint64_t) {
  const isa::MatMul& mm = i.matmul();
  // block_diagonal: only the diagonal blocks of the tile are the layer's MACs; a transpose is a
  // copy, no MACs
  const uint64_t macs = mm.transpose ? 0 : uint64_t{mm.k} * mm.m * mm.n / mm.groups;
  m_macs += macs;
  ++m_matmuls;
  ls.macs += macs;
}

}  // namespace ncore::hw
