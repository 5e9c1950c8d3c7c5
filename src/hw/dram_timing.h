// DRAM timing with banks, bank groups and rows (dram.model: banks): a memory controller with a
// request queue per channel, as a discrete-event model in pure C++ (no SystemC). A few events per
// piece of a request (its arrival, opening its rows, its column command), never one per burst or
// cycle.
//
// Address map, low bits first: `interleave_bytes` consecutive bytes per channel, then the next
// channel; within a channel, `group_interleave_bytes` per bank group, then the next group; then
// the columns of a row; then the bank within its group; then the row. A stripe of
// bank_groups x row_bytes consecutive channel bytes is thus the same row of the same bank in every
// group, and consecutive stripes go to the next bank, so a sequential stream opens each bank in
// turn and its activations overlap the other banks' data. A request is cut into pieces: a
// channel's share, in runs of whole stripes up to 32 KiB (at least one stripe) that stay within
// one round of the banks (so one row each); each piece joins its channel's queue in arrival
// order (a DMA transfer's pieces arriving at its queue's issue rate). A 1 MiB sequential read
// is 32 pieces on DDR4 (32 KB stripes) and 64 on HBM2E and LPDDR4 (16 KB, four and eight banks'
// rows each).
//
// Scheduling (FR-FCFS, row hits first, then oldest), among the oldest `queue_depth` (64) pieces
// of a channel's queue, decision by decision in time order:
//   - a piece whose rows are all open is ready: its column command issues at the earliest time
//     the banks and the data bus allow; of the ready pieces, the one that can issue first goes
//     first, the oldest on a tie. Row hits thus overtake older row misses still activating.
//   - a piece that needs a row opens it (precharge after tRAS since the row's activation, tRP,
//     then activate tRRD after the channel's last activate, tRRD_L after its group's, tFAW after
//     the fourth last; column command tRCD later) when it is the oldest piece waiting for that
//     bank and no ready piece still hits the bank's open row (hits first); a ready hit younger
//     than the waiting piece keeps it waiting at most `hit_cap` (16) times (a starvation cap).
//   - the activations of different banks overlap each other's data (bank parallelism).
// Data: tCL after the column command. On the bus, bursts to one group follow each other tCCD_L
// apart, bursts to another group tBURST (tCCD_S) apart; a stripe whose bursts cycle g groups with
// n bursts per group in turn takes, per round, P = max(g ((n - 1) tCCD_L + tBURST), n tCCD_L),
// i.e. tBURST + (bursts - 1) P / (g n) in all (exact when each round is whole); a piece's stripes
// follow each other, and each bank is free for its next command after its last burst. Data in
// the other direction than the previous keeps tWTR (after a write) or tRTW (after a read) from
// it; a burst to the previous burst's group keeps tCCD_L - tBURST. Closed page: auto-precharge
// after the data (tRP). Refresh: every tREFI, once the data on the bus has finished, the channel
// stops for tRFC and every row closes (the rows reopen after it).
// Sources: the presets.
#pragma once
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "config/hw_config.h"

namespace ncore::hw {

class DramTiming {
 public:
  DramTiming(const config::DramTimingConfig& t, uint32_t channels);

  struct Segment {  // one piece of a request: data on a channel's bus
    uint32_t channel;
    double start_ns, end_ns;
    uint64_t bytes;
  };
  struct Result {
    double start = 1e300;           // the first data on a bus
    double end = 0;                 // the last data off the bus
    std::vector<Segment> segments;  // only with keep_segments
  };
  bool keep_segments = true;  // each piece's Segment in its Result (for a trace)

  // Queues a request for [addr, addr + bytes) arriving at now_ns (not before the decisions
  // already made); returns its id. With an issue rate, its pieces arrive as a DMA engine at that
  // rate issues them (a piece at now + its offset in the request / rate), so the requests of
  // concurrent transfers interleave in the queue; without, all at once.
  uint64_t submit(double now_ns, uint64_t addr, uint64_t bytes, bool write = false,
                  double issue_bytes_per_ns = 0);
  // Makes every decision due at or before t_ns, in time order; later ones wait, as a request
  // arriving meanwhile may change them.
  void advance(double t_ns);
  // When the next decision is due; infinity when every queue is empty.
  double next_decision();
  // Requests whose every piece is scheduled, since the last call, in completion order.
  std::vector<uint64_t> take_finished();
  // A finished request's result, removed from the model.
  Result release(uint64_t id);

  // submit, then every pending decision; returns when the request's last data left the bus.
  double access(double now_ns, uint64_t addr, uint64_t bytes,
                std::vector<Segment>* segments = nullptr, bool write = false);

  // Column accesses (bursts) to an open row; activations (each one access that missed the row
  // buffer); refreshes. Row-buffer hit rate = hits / (hits + misses).
  uint64_t row_hits = 0, row_misses = 0, refreshes = 0;

 private:
  struct Bank {
    int64_t open_row = -1;
    double ready = 0;     // earliest next column command (or precharge)
    double act = -1e300;  // last activate
  };
  struct Use {  // a bank a piece reads or writes
    uint32_t bank;
    double offset;        // its first burst after the piece's first
    double last;          // its last burst after the piece's first
    bool opened = false;  // this piece activated its row
  };
  struct Piece {
    uint64_t request;
    double arrive;
    int64_t row;            // the same row in every bank it uses
    std::vector<Use> uses;  // in the order its data reaches them
    int first_group, last_group;
    double dur;  // on the bus
    int dir;     // 0 read, 1 write
    uint64_t bytes, bursts;
    uint32_t bypassed = 0;  // younger hits served while it waited for a row
  };
  struct Acts {  // the channel's last four activates, oldest first
    double t[4] = {-1e300, -1e300, -1e300, -1e300};
    void push(double a) {
      t[0] = t[1];
      t[1] = t[2];
      t[2] = t[3];
      t[3] = a;
    }
  };
  struct Channel {
    std::deque<Piece> queue;  // arrival order
    std::vector<Bank> banks;
    std::vector<double> group_act;  // each bank group's last activate
    Acts acts;
    double bus_end = 0;  // the last data's end
    int bus_dir = 2, bus_group = -1;
    double clock = 0;  // the last decision
    double next_refresh = 0;
    double next = 1e300;  // the next decision due; -infinity: not known since a request came
  };
  struct Request {
    uint32_t pending = 0;
    Result result;
  };

  bool is_open(const Channel& ch, const Piece& p) const;
  double open_rows(Channel& ch, Piece& p, double lo, bool commit);
  double column_time(const Channel& ch, const Piece& p, double lo) const;
  void refresh(Channel& ch);
  void issue_column(uint32_t c, size_t k, double when);
  void run(uint32_t c, double t);

  config::DramTimingConfig m_t;
  const uint32_t m_per_group;  // banks per group
  std::vector<Channel> m_ch;
  std::vector<int> m_owner, m_oldest_ready;  // run()'s scratch, per bank
  std::vector<char> m_ready;                 // and per piece
  std::unordered_map<uint64_t, Request> m_requests;
  std::vector<uint64_t> m_finished;
  uint64_t m_next_id = 0;
};

}  // namespace ncore::hw
