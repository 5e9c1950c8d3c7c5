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
      m_stats(s),
      m_core_hz(core_hz),
      m_cursor(6, 0),
      m_row_hits(s.counter("dram.row_hits")),
      m_row_misses(s.counter("dram.row_misses")),
      m_refreshes(s.counter("dram.refreshes")) {
  if (c.model == config::DramModel::banks)
    m_timing = std::make_unique<DramTiming>(c.timing, c.channels);
}

DramIf::Span Dram::transfer(uint64_t now, uint64_t bytes, uint32_t stream) {
  if (m_timing) {
    // Each stream a sequential region of its own, 2^40 bytes apart.
    const uint64_t addr = (uint64_t{stream} << 40) + m_cursor[stream];
    m_cursor[stream] += bytes;
    std::vector<DramTiming::Segment> segs;
    const double ns_per_cycle = 1e9 / m_core_hz;
    const double end = m_timing->access(static_cast<double>(now) * ns_per_cycle, addr, bytes, &segs,
                                        stream % 2 == 1);  // odd streams are writes
    auto cycles = [&](double ns) {
      return static_cast<uint64_t>(std::ceil(ns / ns_per_cycle - 1e-9));
    };
    Span span{UINT64_MAX, std::max(now, cycles(end))};
    for (const auto& g : segs) {
      const uint64_t from = static_cast<uint64_t>(g.start_ns / ns_per_cycle);
      span.start = std::min(span.start, from);
      if (m_stats.tracing)
        m_stats.dram_busy.push_back({from, std::max(from + 1, cycles(g.end_ns)), g.bytes});
    }
    if (span.start == UINT64_MAX) span.start = now;
    m_row_hits = m_timing->row_hits;
    m_row_misses = m_timing->row_misses;
    m_refreshes = m_timing->refreshes;
    return span;
  }
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
