// DMA queue timing and replay (see dma.h).
#include "hw/dma.h"

#include <algorithm>
#include <cmath>

#include "base/math.h"

namespace ncore::hw {

DmaQueue::DmaQueue(sc_core::sc_module_name n, uint16_t engine, const config::DmaConfig& c,
                   double core_hz, const isa::InstrQueue& queue, Semaphores& sem, base::Stats& s,
                   Functional* functional)
    : sc_module(n),
      dram("dram"),
      sbuf("sbuf"),
      m_engine(engine),
      m_bytes_per_cycle(c.queue_bandwidth / core_hz),
      m_queue(queue),
      m_sem(sem),
      m_stats(s),
      m_busy(s.counter("dma.queue_busy_cycles")),
      m_port_stalls(s.counter("state_buffer.port_stall_cycles")),
      m_functional(functional) {
  for (int k = 0; k < isa::kTrafficClasses; ++k) {
    const std::string cls = isa::traffic_class_name(static_cast<isa::TrafficClass>(k));
    m_read[static_cast<size_t>(k)] = &s.counter("dram.read_bytes." + cls);
    m_write[static_cast<size_t>(k)] = &s.counter("dram.write_bytes." + cls);
  }
  SC_HAS_PROCESS(DmaQueue);
  SC_THREAD(run);
}

void DmaQueue::run() {
  replay(
      m_engine, m_queue, m_sem,
      [this](const isa::Instr& i, uint64_t t0) {
        const isa::Dma& d = i.dma();
        const uint64_t own = base::ceil_cycles(static_cast<double>(d.bytes) / m_bytes_per_cycle);
        const auto stream = static_cast<uint32_t>(d.cls) * 2 + d.write;
        if (m_functional) m_functional->dma_start(i);  // what it moves, as it starts
        // The SBUF port is booked at the start, before a banked DRAM transfer blocks this thread.
        const uint64_t port = sbuf->access(t0, i.sbuf_read, i.sbuf_write, i.layer);
        const DramIf::Span span = dram->transfer(t0, d.bytes, stream, m_bytes_per_cycle);
        const uint64_t moved = std::max(t0 + own, span.end);
        const uint64_t end = std::max(moved, port);
        m_port_stall = end - moved;
        return end - t0;
      },
      [](uint32_t) { return false; },
      [this](const isa::Instr& i, uint64_t, uint64_t t0, uint64_t t1, bool) {
        m_busy += t1 - t0;
        const isa::Dma& d = i.dma();
        const auto cls = static_cast<size_t>(d.cls);
        const bool write = d.write;
        *(write ? m_write : m_read)[cls] += d.bytes;
        m_stats.touch(i.layer, t0, t1);
        base::LayerStats& ls = m_stats.layer(i.layer);
        (write ? ls.write_bytes : ls.read_bytes)[cls] += d.bytes;
        ls.dma_intervals.emplace_back(t0, t1);
        ls.port_stall += m_port_stall;
        m_port_stalls += m_port_stall;
        if (m_functional) m_functional->dma(i);  // its data has arrived
        if (m_stats.tracing)
          m_stats.trace.push_back({m_engine, static_cast<uint8_t>(i.op()), i.layer, t0, t1, d.bytes,
                                   static_cast<uint64_t>(d.cls), 0});
      });
}

}  // namespace ncore::hw
