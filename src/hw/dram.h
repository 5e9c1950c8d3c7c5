// Dram: this core's share of device DRAM as `channels` channels. dram.model:
//  - simple: each channel a resource busy until a cycle; a transfer's bytes are interleaved
//    evenly over the channels, each serving its share at bandwidth / channels after what it
//    already holds; done when the last channel is, plus the access latency. Banks, rows and
//    refresh are not modelled (peak bandwidth is reachable: an optimism).
//  - ideal: the same with zero latency, for comparisons.
//  - banks: a memory controller with a request queue per channel (DramTiming, dram_timing.h):
//    bank groups, banks, rows, open/closed page, FR-FCFS, JEDEC timings and refresh from a
//    preset. A transfer blocks its DMA queue's thread until the controller has scheduled its
//    last piece; the controller's own thread makes each decision when it is due, so requests
//    that arrive meanwhile compete for it. Addresses: each traffic class and direction is a
//    sequential stream in its own DRAM region (the planner does not place tensors), so weights
//    read in program order hit open rows as a real layout would.
// Either way a transfer costs one call, converted to core cycles once.
#pragma once
#include <cstdint>
#include <memory>
#include <systemc>
#include <unordered_map>
#include <vector>

#include "base/stats.h"
#include "config/hw_config.h"
#include "hw/dram_timing.h"

namespace ncore::hw {

class DramIf : public virtual sc_core::sc_interface {
 public:
  // Moves a transfer of `stream` (0..5: traffic class x 2 + write) that may start at cycle
  // `now`. With dram.model banks the calling SC_THREAD waits until the controller has scheduled
  // it (never past its end); otherwise it returns at once.
  struct Span {
    uint64_t start = 0;  // the first cycle a channel serves it
    uint64_t end = 0;    // its last channel done, plus the access latency
  };
  // `issue_bytes_per_cycle`: the DMA queue's own rate, at which it hands the controller the
  // transfer's requests (banks; 0: all at once).
  virtual Span transfer(uint64_t now, uint64_t bytes, uint32_t stream,
                        double issue_bytes_per_cycle = 0) = 0;
};

class Dram : public sc_core::sc_module, public DramIf {
 public:
  Dram(sc_core::sc_module_name n, const config::DramConfig& c, double core_hz, base::Stats& s);
  Span transfer(uint64_t now, uint64_t bytes, uint32_t stream = 0,
                double issue_bytes_per_cycle = 0) override;

 private:
  void schedule();  // banks: the controller's thread
  Span finish(uint64_t id);
  const config::DramConfig m_cfg;
  const double m_bytes_per_cycle_per_channel;
  const uint64_t m_latency;
  std::vector<uint64_t> m_free_at;
  base::Stats& m_stats;
  const double m_ns_per_cycle;
  std::unique_ptr<DramTiming> m_timing;  // model banks
  std::vector<uint64_t> m_cursor;        // per stream: the next address
  sc_core::sc_event m_arrival;           // a request joined the queues
  struct Waiter {
    sc_core::sc_event* done = nullptr;
    Span span;
  };
  std::unordered_map<uint64_t, Waiter> m_waiting;                 // by request id
  std::vector<std::unique_ptr<sc_core::sc_event>> m_free_events;  // for waiting transfers
  uint64_t& m_row_hits;
  uint64_t& m_row_misses;
  uint64_t& m_refreshes;
};

}  // namespace ncore::hw
