// StateBuffer: the on-chip SBUF. Capacity is the planner's business (it decides what lives
// here); this module models its two ports, read and write, each partitions x bytes per cycle
// per partition wide and shared by every engine and DMA queue, as resources busy until a cycle
// (an instruction waiting on a port beyond its own time is a port stall, attributed to its
// layer), and records the planned occupancy over time (a sample when each layer starts) and its
// peak. With state_buffer.shared_bytes_per_cycle, every access also passes through a third
// resource that width wide, which reads and writes share: DMA writes then contend with the
// engines' reads. Bank conflicts inside a partition are not modelled.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "base/stats.h"
#include "config/hw_config.h"

namespace ncore::hw {

class SbufIf : public virtual sc_core::sc_interface {
 public:
  // Reads and writes bytes for `layer` through the read and write ports, starting no earlier
  // than `now`; returns the cycle both ports are done with them.
  virtual uint64_t access(uint64_t now, uint64_t read, uint64_t write, uint32_t layer) = 0;
};

class StateBuffer : public sc_core::sc_module, public SbufIf {
 public:
  StateBuffer(sc_core::sc_module_name n, const config::StateBufferConfig& c,
              std::vector<uint64_t> planned_bytes_per_layer, base::Stats& s);
  uint64_t access(uint64_t now, uint64_t read, uint64_t write, uint32_t layer) override;

 private:
  const config::StateBufferConfig m_cfg;
  const std::vector<uint64_t> m_planned;
  std::vector<bool> m_started;
  uint64_t m_read_free = 0, m_write_free = 0, m_shared_free = 0;
  uint64_t& m_peak;
  uint64_t& m_port_bytes;
  base::Stats& m_stats;
};

}  // namespace ncore::hw
