// State-buffer port and occupancy (see state_buffer.h).
#include "hw/state_buffer.h"

#include <algorithm>
#include <cmath>

#include "base/math.h"

namespace ncore::hw {

StateBuffer::StateBuffer(sc_core::sc_module_name n, const config::StateBufferConfig& c,
                         std::vector<uint64_t> planned, base::Stats& s)
    : sc_module(n),
      m_cfg(c),
      m_planned(std::move(planned)),
      m_started(m_planned.size(), false),
      m_peak(s.counter("state_buffer.peak_bytes")),
      m_port_bytes(s.counter("state_buffer.port_bytes")),
      m_stats(s) {
  s.counter("state_buffer.capacity_bytes") = c.capacity;
}

uint64_t StateBuffer::access(uint64_t now, uint64_t read, uint64_t write, uint32_t layer) {
  if (!m_started[layer]) {
    m_started[layer] = true;
    m_peak = std::max(m_peak, m_planned[layer]);
    m_stats.sbuf_samples.emplace_back(now, m_planned[layer]);
  }
  m_port_bytes += read + write;
  auto through = [&](uint64_t& free_at, uint64_t bytes, double per_partition) {
    if (bytes == 0) return now;
    const double width = per_partition * m_cfg.partitions;
    free_at = std::max(now, free_at) + base::ceil_cycles(static_cast<double>(bytes) / width);
    return free_at;
  };
  const uint64_t ports = std::max(through(m_read_free, read, m_cfg.read_bytes_per_cycle),
                                  through(m_write_free, write, m_cfg.write_bytes_per_cycle));
  if (m_cfg.shared_bytes_per_cycle <= 0) return ports;
  return std::max(ports, through(m_shared_free, read + write, m_cfg.shared_bytes_per_cycle));
}

}  // namespace ncore::hw
