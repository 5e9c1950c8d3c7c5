// DRAM timing with banks, bank groups and rows (dram.model: banks), pure C++ (no SystemC), one
// call per DMA transfer.
// Address map, low bits first: `interleave_bytes` consecutive bytes per channel, then the next
// channel; within a channel, `group_interleave_bytes` per bank group, then the next group; then
// the columns of a row; then the bank within its group; then the row. A stripe of
// bank_groups x row_bytes consecutive channel bytes is thus the same row of the same bank in every
// group, and consecutive stripes go to the next bank, so a sequential stream opens each bank in
// turn and its activations overlap the other banks' data.
// Per access (a run of bursts within one stripe), for each bank it touches:
//   row hit (open page, row open):  column command when the bank is ready
//   row miss: precharge (after tRAS since the row's activation) + tRP, then activate (tRRD after
//             the channel's last activate, tRRD_L after its group's, tFAW after the fourth last),
//             column command tRCD later
// data: tCL after the column commands, or when the channel's data bus is free if later. On the
//   bus, bursts to one group follow each other tCCD_L apart, bursts to another group tBURST
//   (tCCD_S) apart; a run that cycles g groups with n bursts per group in turn takes, per round,
//   P = max(g ((n - 1) tCCD_L + tBURST), n tCCD_L), i.e. tBURST + (bursts - 1) P / (g n) in all
//   (exact when each round is whole). Closed page: auto-precharge after the data (tRP).
// refresh: every tREFI the channel stops for tRFC and closes every row.
// turnaround: data in the other direction than its neighbour on the bus keeps tWTR (after a
//   write) or tRTW (after a read) from it; a burst to the same group as its neighbour keeps
//   tCCD_L - tBURST from it.
// Scheduling, first ready: the data bus keeps its reserved intervals, and a request takes the
// earliest gap at or after the moment its data could start. A row hit, ready tCL after its
// column command, thus overtakes an earlier row miss still activating its row, and requests
// ready at the same time keep their order: FR-FCFS (row hits first, then oldest) among the
// requests that have arrived, within the last 64 reservations of the channel (a controller's
// queue depth). A request is scheduled when it arrives: one arriving later never delays it.
// Sources: the presets.
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
    int dir;                                // 0 read, 1 write, 2 refresh
    int first_group = -1, last_group = -1;  // of its first and last burst
  };
  struct Channel {
    std::deque<Slot> bus;  // reserved data intervals, in time order
    double next_refresh = 0;
    std::vector<Bank> banks;
    std::vector<double> group_act;  // each bank group's last activate
    std::deque<double> acts;        // the channel's last four activates
  };
  void refresh_until(Channel& ch, double t);
  double gap(const Slot& a, const Slot& b) const;
  static void reserve(Channel& ch, Slot s);
  double open(Channel& ch, uint32_t group, Bank& b, int64_t row, double t);
  double serve(Channel& ch, uint64_t local, uint64_t bytes, double t, bool write, double& start);

  config::DramTimingConfig m_t;
  std::vector<Channel> m_ch;
};

}  // namespace ncore::hw
