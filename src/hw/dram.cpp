// Dram channel reservation (see dram.h).
#include "hw/dram.h"

#include <algorithm>
#include <cmath>

namespace ncore::hw {

Dram::Dram(sc_core::sc_module_name n, const config::DramConfig& c, double core_hz, report::Stats& s)
    : sc_module(n),
      m_cfg(c),
      m_bytes_per_cycle_per_channel(c.bandwidth / c.channels / core_hz),
      m_latency(static_cast<uint64_t>(std::ceil(c.latency_s * core_hz - 1e-9))),
      m_free_at(c.channels, 0),
      m_stats(s) {}

DramIf::Span Dram::transfer(uint64_t now, uint64_t bytes) {
  Span span{UINT64_MAX, now};
  const uint64_t ch = m_cfg.channels;
  for (uint64_t c = 0; c < ch; ++c) {
    const uint64_t share = bytes * (c + 1) / ch - bytes * c / ch;
    if (share == 0) continue;
    const uint64_t start = std::max(now, m_free_at[c]);
    const auto busy = static_cast<uint64_t>(
        std::ceil(static_cast<double>(share) / m_bytes_per_cycle_per_channel - 1e-9));
    m_free_at[c] = start + busy;
    if (m_stats.tracing) m_stats.dram_busy.push_back({start, m_free_at[c], share});
    span.start = std::min(span.start, start);
    span.end = std::max(span.end, m_free_at[c]);
  }
  if (span.start == UINT64_MAX) span.start = now;
  span.end += m_latency;
  return span;
}

}  // namespace ncore::hw
