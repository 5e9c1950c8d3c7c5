// DMA queue timing and replay (see dma.h).
#include "hw/dma.h"

#include <algorithm>
#include <string>

#include "base/math.h"

namespace ncore::hw {

uint64_t dma_cycles(uint64_t bytes, double bytes_per_cycle) {
  return base::ceil_cycles(static_cast<double>(bytes) / bytes_per_cycle);
}

DmaQueue::DmaQueue(sc_core::sc_module_name n, const config::DmaConfig& c, double core_hz,
                   const EngineWiring& w)
    : Engine(n, w, "dma.queue_busy_cycles", nullptr),
      dram("dram"),
      m_bytes_per_cycle(c.queue_bandwidth / core_hz),
      m_start_latency(base::ceil_cycles(c.start_latency_s * core_hz)),
      m_overhead(base::ceil_cycles(c.transfer_overhead_s * core_hz)) {
  static_assert(isa::kTrafficClasses == base::kStatsTrafficClasses);
  for (int k = 0; k < isa::kTrafficClasses; ++k) {
    const std::string cls = isa::traffic_class_name(static_cast<isa::TrafficClass>(k));
    m_read[static_cast<size_t>(k)] = &w.stats.counter("dram.read_bytes." + cls);
    m_write[static_cast<size_t>(k)] = &w.stats.counter("dram.write_bytes." + cls);
  }
}

uint64_t DmaQueue::cycles(const isa::Instr& i, uint64_t t0) {
  const isa::Dma& d = i.dma();
  const auto stream = static_cast<uint32_t>(d.cls) * 2 + d.write;
  if (functional()) functional()->dma_start(i);  // what it moves, as it starts
  // dma.transfer_overhead: the data moves from t0 + ceil(overhead x f_core).
  const uint64_t start = t0 + m_overhead;
  // An SBUF to SBUF copy (an explicit im2col) moves at the queue's rate, no DRAM involved.
  if (d.on_chip) return start + dma_cycles(d.bytes, m_bytes_per_cycle) - t0;
  // Its SBUF port is booked already: a banked DRAM transfer blocks this thread.
  const DramIf::Span span = dram->transfer(start, d.bytes, stream, m_bytes_per_cycle);
  return std::max(start + dma_cycles(d.bytes, m_bytes_per_cycle), span.end) - t0;
}

std::array<uint64_t, 3> DmaQueue::trace_fields(const isa::Instr& i) const {
  return {i.dma().bytes, static_cast<uint64_t>(i.dma().cls), 0};
}

void DmaQueue::account(const isa::Instr& i, base::LayerStats& ls, uint64_t t0, uint64_t t1) {
  const isa::Dma& d = i.dma();
  const auto cls = static_cast<size_t>(d.cls);
  if (!d.on_chip) {  // DRAM bytes
    *(d.write ? m_write : m_read)[cls] += d.bytes;
    (d.write ? ls.write_bytes : ls.read_bytes)[cls] += d.bytes;
  }
  ls.dma_intervals.add(t0, t1);
  if (functional()) functional()->dma(i);  // its data has arrived
}

}  // namespace ncore::hw
