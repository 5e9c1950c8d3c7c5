// DRAM bank/row timing (see dram_timing.h).
#include "hw/dram_timing.h"

#include <algorithm>
#include <cmath>

namespace ncore::hw {

constexpr std::ptrdiff_t kQueue = 64;  // reservations a new request may be placed before

DramTiming::DramTiming(const config::DramTimingConfig& t, uint32_t channels) : m_t(t) {
  m_ch.resize(channels);
  for (auto& c : m_ch) {
    c.banks.resize(t.banks);
    c.next_refresh = t.t_refi;
  }
}

// The bus time between data in direction `from` and data in direction `to`.
double DramTiming::turn(int from, int to) const {
  if (from == 2 || to == 2 || from == to) return 0;
  return from == 1 ? m_t.t_wtr : m_t.t_rtw;
}

// Inserts a reserved interval, keeping the bus in time order.
void DramTiming::reserve(Channel& ch, Slot s) {
  auto it = std::upper_bound(ch.bus.begin(), ch.bus.end(), s.start,
                             [](double v, const Slot& x) { return v < x.start; });
  ch.bus.insert(it, s);
}

// Refreshes that start before t: the channel stops for tRFC and every row closes.
void DramTiming::refresh_until(Channel& ch, double t) {
  while (ch.next_refresh <= t) {
    const double done = ch.next_refresh + m_t.t_rfc;
    reserve(ch, Slot{ch.next_refresh, done, 2});
    for (auto& b : ch.banks) {
      b.open_row = -1;
      b.ready = std::max(b.ready, done);
    }
    ch.next_refresh += m_t.t_refi;
    ++refreshes;
  }
}

double DramTiming::serve(Channel& ch, uint32_t bank, int64_t row, uint64_t bytes, double t,
                         bool write, double& start) {
  refresh_until(ch, t);
  Bank& b = ch.banks[bank];
  double col;
  if (m_t.open_page && b.open_row == row) {
    col = std::max(t, b.ready);
    ++row_hits;
  } else {
    double pre = std::max(t, b.ready);
    if (b.open_row >= 0) pre = std::max(pre, b.act + m_t.t_ras) + m_t.t_rp;
    double act = pre;
    if (!ch.acts.empty()) act = std::max(act, ch.acts.back() + m_t.t_rrd);
    if (ch.acts.size() == 4) act = std::max(act, ch.acts.front() + m_t.t_faw);
    refresh_until(ch, act);
    act = std::max(act, b.ready);
    ch.acts.push_back(act);
    if (ch.acts.size() > 4) ch.acts.pop_front();
    b.act = act;
    b.open_row = row;
    col = act + m_t.t_rcd;
    ++row_misses;
  }
  const double bursts = std::ceil(static_cast<double>(bytes) / m_t.burst_bytes);
  const double dur = bursts * m_t.t_burst;
  const int dir = write ? 1 : 0;
  // First ready: the earliest gap of the bus at or after this request's data could start.
  // Intervals that ended long before t cannot matter any more: drop them.
  const double horizon = t - 2 * (m_t.t_wtr + m_t.t_rtw + m_t.t_rfc);
  while (ch.bus.size() > 1 && ch.bus.front().end < horizon) ch.bus.pop_front();
  start = col + m_t.t_cl;
  // Intervals do not overlap, so their ends are in order too: skip those that end (with any
  // turnaround) before this request is ready.
  const double max_turn = std::max(m_t.t_wtr, m_t.t_rtw);
  auto it = std::lower_bound(ch.bus.begin(), ch.bus.end(), start - max_turn,
                             [](const Slot& x, double v) { return x.end < v; });
  // Like a controller's request queue, only the last kQueue reservations can be overtaken.
  if (ch.bus.end() - it > kQueue) {
    it = ch.bus.end() - kQueue;
    start = std::max(start, (it - 1)->end + turn((it - 1)->dir, dir));
  }
  for (; it != ch.bus.end(); ++it) {
    if (it->start >= start + dur + turn(dir, it->dir)) break;  // fits before it
    start = std::max(start, it->end + turn(it->dir, dir));
  }
  double end = start + dur;
  while (ch.next_refresh < end) {  // a refresh falls inside the data: it pauses for tRFC
    reserve(ch, Slot{ch.next_refresh, ch.next_refresh + m_t.t_rfc, 2});
    end += m_t.t_rfc;
    ch.next_refresh += m_t.t_refi;
    ++refreshes;
  }
  reserve(ch, Slot{start, end, dir});
  b.ready = col;  // column commands to the open row pipeline
  if (!m_t.open_page) {
    b.open_row = -1;
    b.ready = end + m_t.t_rp;
  }
  return end;
}

double DramTiming::access(double now_ns, uint64_t addr, uint64_t bytes,
                          std::vector<Segment>* segments, bool write) {
  const uint64_t il = m_t.interleave_bytes, nch = m_ch.size();
  double done = now_ns;
  while (bytes > 0) {
    const uint64_t channel = (addr / il) % nch;
    const uint64_t local = (addr / (il * nch)) * il + addr % il;
    const uint64_t row_index = local / m_t.row_bytes;
    const uint64_t take = std::min({bytes, il - addr % il, m_t.row_bytes - local % m_t.row_bytes});
    double start = 0;
    const double end =
        serve(m_ch[channel], static_cast<uint32_t>(row_index % m_t.banks),
              static_cast<int64_t>(row_index / m_t.banks), take, now_ns, write, start);
    if (segments) segments->push_back({static_cast<uint32_t>(channel), start, end, take});
    done = std::max(done, end);
    addr += take;
    bytes -= take;
  }
  return done;
}

}  // namespace ncore::hw
