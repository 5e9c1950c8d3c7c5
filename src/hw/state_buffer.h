// StateBuffer: the on-chip SBUF. Capacity is the planner's business (it decides what lives
// here); this module models the port every engine and DMA queue shares, `bytes_per_cycle`
// wide, as a resource busy until a cycle, and records the planned occupancy over time (a sample
// when each layer starts) and its peak. Per-partition banking is not modelled.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "config/hw_config.h"
#include "report/stats.h"

namespace ncore::hw {

class SbufIf : public virtual sc_core::sc_interface {
 public:
  // Moves `bytes` through the port for `layer`, starting no earlier than `now`; returns the
  // cycle the port is done with them.
  virtual uint64_t access(uint64_t now, uint64_t bytes, uint32_t layer) = 0;
};

class StateBuffer : public sc_core::sc_module, public SbufIf {
 public:
  StateBuffer(sc_core::sc_module_name n, const config::StateBufferConfig& c,
              std::vector<uint64_t> planned_bytes_per_layer, report::Stats& s);
  uint64_t access(uint64_t now, uint64_t bytes, uint32_t layer) override;

 private:
  const config::StateBufferConfig m_cfg;
  const std::vector<uint64_t> m_planned;
  std::vector<bool> m_started;
  uint64_t m_free_at = 0;
  uint64_t& m_peak;
  uint64_t& m_port_bytes;
  report::Stats& m_stats;
};

}  // namespace ncore::hw
