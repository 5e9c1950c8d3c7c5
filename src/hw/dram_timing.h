// DRAM timing with banks and rows (dram.model: banks), pure C++ (no SystemC), one call per DMA
// transfer. Address map: `interleave_bytes` consecutive bytes per channel, then the next
// channel; within a channel, consecutive rows (`row_bytes`) go to consecutive banks, so a
// sequential stream opens each bank in turn and its activations overlap the other banks' data.
// Per access (a run of bursts within one row of one bank):
//   row hit (open page, row open):  column command when the bank is ready
//   row miss: precharge (after tRAS since the row's activation) + tRP, then activate (tRRD after
//             the channel's last activate, tFAW after the fourth last), column command tRCD later
//   data: tCL after the column command, or when the channel's data bus is free if later, then
//         bursts x tBURST on the bus. Closed page: auto-precharge after the data (tRP).
//   refresh: every tREFI the channel stops for tRFC and closes every row.
//   turnaround: data in the other direction than the channel's last starts tWTR (after a
//   write) or tRTW (after a read) after the bus is free.
// Requests on a channel are served in arrival order (first come, first served): FR-FCFS
// reordering and bank groups are not modelled. Sources: the presets.
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "config/hw_config.h"

namespace ncore::hw {

class DramTiming {
 public:
  DramTiming(const config::DramTimingConfig& t, uint32_t channels);

  struct Segment {  // one channel serving part of a transfer
    uint32_t channel;
    double start_ns, end_ns;  // data on the bus
    uint64_t bytes;
  };
  // Serves [addr, addr + bytes) issued at now_ns; returns when its last data left the bus.
  double access(double now_ns, uint64_t addr, uint64_t bytes,
                std::vector<Segment>* segments = nullptr, bool write = false);

  uint64_t row_hits = 0, row_misses = 0, refreshes = 0;

 private:
  struct Bank {
    int64_t open_row = -1;
    double ready = 0;     // earliest next command
    double act = -1e300;  // last activate
  };
  struct Channel {
    double bus_free = 0;
    double next_refresh = 0;
    int last_dir = -1;  // 0 read, 1 write, -1 none yet
    std::vector<Bank> banks;
    std::deque<double> acts;  // the last four activates
  };
  void refresh_until(Channel& ch, double t);
  double serve(Channel& ch, uint32_t bank, int64_t row, uint64_t bytes, double t, bool write,
               double& start);

  config::DramTimingConfig m_t;
  std::vector<Channel> m_ch;
};

}  // namespace ncore::hw
