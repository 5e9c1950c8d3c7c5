// DmaQueue: one DMA queue moving bytes between device DRAM and the state buffer, in queue order.
// A transfer of B bytes starting at cycle t ends at
//     max(t + ceil(B / queue bytes per cycle), DRAM channels done + latency, SBUF port done)
// (its own rate, the DRAM channels shared with other queues, the SBUF port). Fixed costs, from the
// NKI DMA bandwidth guide (NeuronCore-v2): "every DMA transfer incurs descriptor setup,
// synchronization, and semaphore-to-start latency (~1300 ns cross-engine)", and transfers need
// >= 2 KiB per partition to approach the queue's peak. So dma.start_latency is latency (a
// transfer starts L after its semaphores are met; its queue meanwhile finishes earlier ones,
// hw/engine.h), and dma.transfer_overhead is occupancy (t above is start + overhead), which
// makes a small transfer fall short of the queue's rate. Bytes count by class in
// dram.{read,write}_bytes.*. An on-chip copy (SBUF to SBUF, an explicit im2col) takes its own
// rate and no DRAM.
#pragma once
#include <array>
#include <cstdint>
#include <systemc>

#include "config/hw_config.h"
#include "hw/dram.h"
#include "hw/engine.h"

namespace ncore::hw {

// A transfer's cycles at the queue's own rate: ceil(B / bytes per cycle).
uint64_t dma_cycles(uint64_t bytes, double bytes_per_cycle);

class DmaQueue : public Engine {
 public:
  sc_core::sc_port<DramIf> dram;

  DmaQueue(sc_core::sc_module_name n, const config::DmaConfig& c, double core_hz,
           const EngineWiring& w);

 private:
  uint64_t cycles(const isa::Instr& i, uint64_t t0) override;
  uint64_t start_latency(const isa::Instr&) const override { return m_start_latency; }
  std::array<uint64_t, 3> trace_fields(const isa::Instr& i) const override;
  void account(const isa::Instr& i, base::LayerStats& ls, uint64_t t0, uint64_t t1) override;

  const double m_bytes_per_cycle;
  const uint64_t m_start_latency, m_overhead;  // cycles: dma.start_latency, .transfer_overhead
  std::array<uint64_t*, isa::kTrafficClasses> m_read;
  std::array<uint64_t*, isa::kTrafficClasses> m_write;
};

}  // namespace ncore::hw
