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
    c.group_act.assign(t.bank_groups, -1e300);
    c.next_refresh = t.t_refi;
  }
}

// The bus time between data slot a and data slot b just after it: a turnaround between
// directions, tCCD_L - tBURST between bursts to one bank group.
double DramTiming::gap(const Slot& a, const Slot& b) const {
  double g = 0;
  if (a.dir != 2 && b.dir != 2 && a.dir != b.dir) g = a.dir == 1 ? m_t.t_wtr : m_t.t_rtw;
  if (a.last_group >= 0 && a.last_group == b.first_group)
    g = std::max(g, m_t.t_ccd_l - m_t.t_burst);
  return g;
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

// Opens `row` in bank b of `group` for a request arriving at t (if it is not open); returns when
// its column command can issue.
double DramTiming::open(Channel& ch, uint32_t group, Bank& b, int64_t row, double t) {
  if (m_t.open_page && b.open_row == row) {
    ++row_hits;
    return std::max(t, b.ready);
  }
  double pre = std::max(t, b.ready);
  if (b.open_row >= 0) pre = std::max(pre, b.act + m_t.t_ras) + m_t.t_rp;
  double act = std::max(pre, ch.group_act[group] + m_t.t_rrd_l);
  if (!ch.acts.empty()) act = std::max(act, ch.acts.back() + m_t.t_rrd);
  if (ch.acts.size() == 4) act = std::max(act, ch.acts.front() + m_t.t_faw);
  refresh_until(ch, act);
  act = std::max(act, b.ready);
  ch.acts.push_back(act);
  if (ch.acts.size() > 4) ch.acts.pop_front();
  ch.group_act[group] = act;
  b.act = act;
  b.open_row = row;
  ++row_misses;
  return act + m_t.t_rcd;
}

// Serves `bytes` at channel address `local`, all within one stripe.
double DramTiming::serve(Channel& ch, uint64_t local, uint64_t bytes, double t, bool write,
                         double& start) {
  refresh_until(ch, t);
  const uint32_t groups = m_t.bank_groups, per_group = m_t.banks / groups;
  const uint64_t gran = m_t.group_interleave_bytes;
  const uint64_t stripe = local / (uint64_t{groups} * m_t.row_bytes);
  const auto bank = static_cast<uint32_t>(stripe % per_group);
  const auto row = static_cast<int64_t>(stripe / per_group);
  const uint64_t q0 = local / gran, granules = (local + bytes - 1) / gran - q0 + 1;
  const auto g = static_cast<uint32_t>(std::min<uint64_t>(groups, granules));
  // Bursts: n per granule, tCCD_L apart within a group, tBURST to the next group's first.
  const double s = m_t.t_burst, l = std::max(s, m_t.t_ccd_l);
  const double n = static_cast<double>(gran / m_t.burst_bytes);
  const double first_gap = (n - 1) * l + s;  // between consecutive groups' first bursts
  const double period = std::max(g * first_gap, n * l);
  const double bursts = std::ceil(static_cast<double>(bytes) / m_t.burst_bytes);
  const double dur = s + (bursts - 1) * period / (g * n);
  // The data starts once every bank it touches can deliver its first burst in turn.
  start = 0;
  for (uint32_t i = 0; i < g; ++i) {
    const auto group = static_cast<uint32_t>((q0 + i) % groups);
    Bank& b = ch.banks[group * per_group + bank];
    const double col = open(ch, group, b, row, t);
    start = std::max(start, col + m_t.t_cl - i * first_gap);
    b.ready = col;  // column commands to the open row pipeline
  }
  const int dir = write ? 1 : 0;
  const Slot me{0, 0, dir, static_cast<int>(q0 % groups),
                static_cast<int>((q0 + granules - 1) % groups)};
  // First ready: the earliest gap of the bus at or after this request's data could start.
  // Intervals that ended long before t cannot matter any more: drop them.
  const double max_gap = std::max({m_t.t_wtr, m_t.t_rtw, l - s});
  const double horizon = t - 2 * (max_gap + m_t.t_rfc);
  while (ch.bus.size() > 1 && ch.bus.front().end < horizon) ch.bus.pop_front();
  // Intervals do not overlap, so their ends are in order too: skip those that end (with any
  // gap) before this request is ready.
  auto it = std::lower_bound(ch.bus.begin(), ch.bus.end(), start - max_gap,
                             [](const Slot& x, double v) { return x.end < v; });
  // Like a controller's request queue, only the last kQueue reservations can be overtaken.
  if (ch.bus.end() - it > kQueue) {
    it = ch.bus.end() - kQueue;
    start = std::max(start, (it - 1)->end + gap(*(it - 1), me));
  }
  for (; it != ch.bus.end(); ++it) {
    if (it->start >= start + dur + gap(me, *it)) break;  // fits before it
    start = std::max(start, it->end + gap(*it, me));
  }
  double end = start + dur;
  while (ch.next_refresh < end) {  // a refresh falls inside the data: it pauses for tRFC
    reserve(ch, Slot{ch.next_refresh, ch.next_refresh + m_t.t_rfc, 2});
    end += m_t.t_rfc;
    ch.next_refresh += m_t.t_refi;
    ++refreshes;
  }
  reserve(ch, Slot{start, end, dir, me.first_group, me.last_group});
  if (!m_t.open_page)
    for (uint32_t i = 0; i < g; ++i) {
      Bank& b = ch.banks[static_cast<uint32_t>((q0 + i) % groups) * per_group + bank];
      b.open_row = -1;
      b.ready = end + m_t.t_rp;
    }
  return end;
}

double DramTiming::access(double now_ns, uint64_t addr, uint64_t bytes,
                          std::vector<Segment>* segments, bool write) {
  const uint64_t il = m_t.interleave_bytes, nch = m_ch.size();
  const uint64_t stripe = uint64_t{m_t.bank_groups} * m_t.row_bytes;
  double done = now_ns;
  while (bytes > 0) {
    const uint64_t channel = (addr / il) % nch;
    const uint64_t local = (addr / (il * nch)) * il + addr % il;
    const uint64_t take = std::min({bytes, il - addr % il, stripe - local % stripe});
    double start = 0;
    const double end = serve(m_ch[channel], local, take, now_ns, write, start);
    if (segments) segments->push_back({static_cast<uint32_t>(channel), start, end, take});
    done = std::max(done, end);
    addr += take;
    bytes -= take;
  }
  return done;
}

}  // namespace ncore::hw
