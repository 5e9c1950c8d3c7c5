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
//   turnaround: data in the other direction than its neighbour on the bus keeps tWTR (after a
//   write) or tRTW (after a read) from it.
// Scheduling, first ready: the data bus keeps its reserved intervals, and a request takes the
// earliest gap at or after the moment its data could start. A row hit, ready tCL after its
// column command, thus overtakes an earlier row miss still activating its row, and requests
// ready at the same time keep their order: FR-FCFS (row hits first, then oldest) as far as the
// requests have arrived, within the last 64 reservations of the channel (a controller's queue
// depth). Bank groups are not modelled. Sources: the presets.
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
  struct Slot {
    double start, end;
    int dir;  // 0 read, 1 write, 2 refresh
  };
  struct Channel {
    std::deque<Slot> bus;  // reserved data intervals, in time order
    double next_refresh = 0;
    std::vector<Bank> banks;
    std::deque<double> acts;  // the last four activates
  };
  void refresh_until(Channel& ch, double t);
  double turn(int from, int to) const;
  static void reserve(Channel& ch, Slot s);
  double serve(Channel& ch, uint32_t bank, int64_t row, uint64_t bytes, double t, bool write,
               double& start);

  config::DramTimingConfig m_t;
  std::vector<Channel> m_ch;
};

}  // namespace ncore::hw
