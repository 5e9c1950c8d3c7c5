// Dram: channel reservation (simple, ideal) and the memory controller's thread (banks); see
// dram.h.
#include "hw/dram.h"

#include <algorithm>
#include <cmath>

#include "base/math.h"
#include "hw/sync.h"

namespace ncore::hw {

Dram::Dram(sc_core::sc_module_name n, const config::DramConfig& c, double core_hz, base::Stats& s)
    : sc_module(n),
      m_cfg(c),
      m_bytes_per_cycle_per_channel(c.bandwidth / c.channels / core_hz),
      m_latency(base::ceil_cycles(c.latency_s * core_hz)),
      m_free_at(c.channels, 0),
      m_stats(s),
      m_ns_per_cycle(1e9 / core_hz),
      m_cursor(6, 0),
      m_row_hits(s.counter("dram.row_hits")),
      m_row_misses(s.counter("dram.row_misses")),
      m_refreshes(s.counter("dram.refreshes")) {
  if (c.model == config::DramModel::banks) {
    m_timing = std::make_unique<DramTiming>(c.timing, c.channels);
    m_timing->keep_segments = s.tracing;
    SC_HAS_PROCESS(Dram);
    SC_THREAD(schedule);
  }
}

// The controller: makes each decision when it is due or when a request arrives, and wakes each
// transfer's thread at its end once its last piece is scheduled.
void Dram::schedule() {
  for (;;) {
    const double next = m_timing->next_decision();
    const uint64_t now = now_cycles();
    if (std::isinf(next)) {
      sc_core::wait(m_arrival);
    } else {
      const auto at = std::max(now + 1, static_cast<uint64_t>(std::ceil(next / m_ns_per_cycle)));
      sc_core::wait(sc_core::sc_time::from_value(at - now), m_arrival);
    }
    m_timing->advance(static_cast<double>(now_cycles()) * m_ns_per_cycle);
    for (const uint64_t id : m_timing->take_finished()) {
      Waiter& w = m_waiting.at(id);
      w.span = finish(id);
      w.done->notify(sc_core::sc_time::from_value(w.span.end - std::min(w.span.end, now_cycles())));
    }
  }
}

// A scheduled request's span in cycles; counters and the trace's DRAM intervals.
DramIf::Span Dram::finish(uint64_t id) {
  auto cycles = [&](double ns) { return base::ceil_cycles(ns / m_ns_per_cycle); };
  const DramTiming::Result r = m_timing->release(id);
  Span span{std::min(static_cast<uint64_t>(r.start / m_ns_per_cycle), cycles(r.end)),
            cycles(r.end)};
  for (const auto& g : r.segments) {  // tracing only
    const auto from = static_cast<uint64_t>(g.start_ns / m_ns_per_cycle);
    m_stats.dram_busy.push_back({from, std::max(from + 1, cycles(g.end_ns)), g.bytes});
  }
  m_row_hits = m_timing->row_hits;
  m_row_misses = m_timing->row_misses;
  m_refreshes = m_timing->refreshes;
  return span;
}

DramIf::Span Dram::transfer(uint64_t now, uint64_t bytes, uint32_t stream,
                            double issue_bytes_per_cycle) {
  if (m_timing) {
    // Each stream a sequential region of its own, 2^40 bytes apart.
    const uint64_t addr = (uint64_t{stream} << 40) + m_cursor[stream];
    m_cursor[stream] += bytes;
    const uint64_t id = m_timing->submit(static_cast<double>(now) * m_ns_per_cycle, addr, bytes,
                                         stream % 2 == 1,  // odd streams are writes
                                         issue_bytes_per_cycle / m_ns_per_cycle);
    std::unique_ptr<sc_core::sc_event> done;  // from the pool, or a new one
    if (m_free_events.empty()) {
      done = std::make_unique<sc_core::sc_event>();
    } else {
      done = std::move(m_free_events.back());
      m_free_events.pop_back();
    }
    m_waiting[id].done = done.get();
    m_arrival.notify(sc_core::SC_ZERO_TIME);
    sc_core::wait(*done);
    const Span span = m_waiting[id].span;
    m_waiting.erase(id);
    m_free_events.push_back(std::move(done));
    return span;
  }
  Span span{UINT64_MAX, now};
  const uint64_t ch = m_cfg.channels;
  for (uint64_t c = 0; c < ch; ++c) {
    const uint64_t share = bytes * (c + 1) / ch - bytes * c / ch;
    if (share == 0) continue;
    const uint64_t start = std::max(now, m_free_at[c]);
    const uint64_t busy =
        base::ceil_cycles(static_cast<double>(share) / m_bytes_per_cycle_per_channel);
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
