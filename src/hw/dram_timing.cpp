// DRAM bank/row timing (see dram_timing.h).
#include "hw/dram_timing.h"

#include <algorithm>
#include <cmath>

namespace ncore::hw {

DramTiming::DramTiming(const config::DramTimingConfig& t, uint32_t channels) : m_t(t) {
  m_ch.resize(channels);
  for (auto& c : m_ch) {
    c.banks.resize(t.banks);
    c.next_refresh = t.t_refi;
  }
}

// Refreshes that start before t: the channel stops for tRFC and every row closes.
void DramTiming::refresh_until(Channel& ch, double t) {
  while (ch.next_refresh <= t) {
    const double done = ch.next_refresh + m_t.t_rfc;
    ch.bus_free = std::max(ch.bus_free, done);
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
  double bus = ch.bus_free;
  if (ch.last_dir >= 0 && ch.last_dir != static_cast<int>(write))
    bus += write ? m_t.t_rtw : m_t.t_wtr;  // the bus turns around
  ch.last_dir = static_cast<int>(write);
  start = std::max(col + m_t.t_cl, bus);
  double end = start + bursts * m_t.t_burst;
  while (ch.next_refresh < end) {  // a refresh falls inside the data: it pauses for tRFC
    end += m_t.t_rfc;
    ch.next_refresh += m_t.t_refi;
    ++refreshes;
  }
  ch.bus_free = end;
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
