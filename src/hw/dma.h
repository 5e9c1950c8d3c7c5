// DmaQueue: one DMA queue moving bytes between device DRAM and the state buffer, in the order
// its instructions were queued. A transfer of B bytes starting at cycle t ends at
//     max(t + ceil(B / queue bytes per cycle), DRAM channels done + latency, SBUF port done)
// so a queue is limited by its own rate, by the DRAM channels it shares with the other queues,
// and by the SBUF port. Descriptor overheads are not modelled. Bytes are counted by traffic
// class (weights, io, spill) and direction in dram.read_bytes.* / dram.write_bytes.*.
#pragma once
#include <array>
#include <cstdint>
#include <systemc>
#include <vector>

#include "base/stats.h"
#include "config/hw_config.h"
#include "hw/dram.h"
#include "hw/functional.h"
#include "hw/state_buffer.h"
#include "hw/sync.h"

namespace ncore::hw {

class DmaQueue : public sc_core::sc_module {
 public:
  sc_core::sc_port<DramIf> dram;
  sc_core::sc_port<SbufIf> sbuf;

  DmaQueue(sc_core::sc_module_name n, uint16_t engine, const config::DmaConfig& c, double core_hz,
           const isa::InstrQueue& queue, Semaphores& sem, base::Stats& s,
           Functional* functional = nullptr);

 private:
  void run();

  const uint16_t m_engine;
  const double m_bytes_per_cycle;
  const isa::InstrQueue& m_queue;
  Semaphores& m_sem;
  base::Stats& m_stats;
  uint64_t& m_busy;
  std::array<uint64_t*, 3> m_read;
  std::array<uint64_t*, 3> m_write;
  uint64_t& m_port_stalls;
  uint64_t m_port_stall = 0;  // of the transfer just executed
  Functional* m_functional;
};

}  // namespace ncore::hw
