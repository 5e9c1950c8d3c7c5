// Dram channel reservation (see dram.h).
#include "hw/dram.h"

#include <algorithm>
#include <cmath>

namespace ncore::hw {

Dram::Dram(sc_core::sc_module_name n, const config::DramConfig& c, double core_hz)
    : sc_module(n),
      m_cfg(c),
      m_bytes_per_cycle_per_channel(c.bandwidth / c.channels / core_hz),
      m_latency(static_cast<uint64_t>(std::ceil(c.latency_s * core_hz - 1e-9))),
      m_free_at(c.channels, 0) {}

uint64_t Dram::transfer(uint64_t now, uint64_t bytes) {
  uint64_t done = now;
  const uint64_t ch = m_cfg.channels;
  for (uint64_t c = 0; c < ch; ++c) {
    const uint64_t share = bytes * (c + 1) / ch - bytes * c / ch;
    if (share == 0) continue;
    const uint64_t start = std::max(now, m_free_at[c]);
    const auto busy = static_cast<uint64_t>(
        std::ceil(static_cast<double>(share) / m_bytes_per_cycle_per_channel - 1e-9));
    m_free_at[c] = start + busy;
    done = std::max(done, m_free_at[c]);
  }
  return done + m_latency;
}

}  // namespace ncore::hw
