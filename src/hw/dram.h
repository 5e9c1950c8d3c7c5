// Dram: this core's share of device DRAM as `channels` equal channels, each a resource busy
// until a cycle. A transfer's bytes are interleaved evenly over the channels; each channel
// serves its share at bandwidth / channels after whatever it already holds, and the transfer
// completes when the last channel does, plus the access latency. Concurrent DMA queues thus
// contend for the channels. Banks, rows, refresh and read/write turnaround are not modelled
// (a documented optimism: peak bandwidth is reachable). Numbers: configs/hw/*.yaml.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "config/hw_config.h"
#include "report/stats.h"

namespace ncore::hw {

class DramIf : public virtual sc_core::sc_interface {
 public:
  // Reserves the channels for a transfer that may start at cycle `now`.
  struct Span {
    uint64_t start = 0;  // the first cycle a channel serves it
    uint64_t end = 0;    // its last channel done, plus the access latency
  };
  virtual Span transfer(uint64_t now, uint64_t bytes) = 0;
};

class Dram : public sc_core::sc_module, public DramIf {
 public:
  Dram(sc_core::sc_module_name n, const config::DramConfig& c, double core_hz, report::Stats& s);
  Span transfer(uint64_t now, uint64_t bytes) override;
  uint64_t latency_cycles() const { return m_latency; }

 private:
  const config::DramConfig m_cfg;
  const double m_bytes_per_cycle_per_channel;
  const uint64_t m_latency;
  std::vector<uint64_t> m_free_at;
  report::Stats& m_stats;
};

}  // namespace ncore::hw
