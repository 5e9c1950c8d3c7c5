// DRAM controller and bank timing (see dram_timing.h).
#include "hw/dram_timing.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

namespace ncore::hw {

namespace {
constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr uint64_t kPieceBytes = 32 << 10;  // a piece's whole stripes, at most (one at least)
}  // namespace

DramTiming::DramTiming(const config::DramTimingConfig& t, uint32_t channels)
    : m_t(t), m_per_group(t.banks / t.bank_groups) {
  m_ch.resize(channels);
  for (auto& c : m_ch) {
    c.banks.resize(t.banks);
    c.group_act.assign(t.bank_groups, -1e300);
    c.next_refresh = t.t_refi;
    c.next = kNever;
  }
}

bool DramTiming::is_open(const Channel& ch, const Piece& p) const {
  for (const Use& u : p.uses)
    if (ch.banks[u.bank].open_row != p.row) return false;
  return true;
}

// Opens the piece's rows that are not open, from lo on: precharge, activate. Returns when its
// first command issues; with `commit`, the banks take the new rows.
double DramTiming::open_rows(Channel& ch, Piece& p, double lo, bool commit) {
  Acts acts = ch.acts;
  double first = kNever;
  for (Use& u : p.uses) {
    Bank& b = ch.banks[u.bank];
    if (b.open_row == p.row) continue;
    const uint32_t group = u.bank / m_per_group;
    double cmd = std::max(lo, b.ready), act = cmd;
    if (b.open_row >= 0) {  // precharge first
      cmd = std::max(cmd, b.act + m_t.t_ras);
      act = cmd + m_t.t_rp;
    }
    act = std::max(
        {act, ch.group_act[group] + m_t.t_rrd_l, acts.t[3] + m_t.t_rrd, acts.t[0] + m_t.t_faw});
    first = std::min(first, b.open_row >= 0 ? cmd : act);
    acts.push(act);
    if (commit) {
      ch.group_act[group] = act;
      b.act = act;
      b.open_row = p.row;
      b.ready = act + m_t.t_rcd;
      u.opened = true;
      ++row_misses;
    }
  }
  if (commit) ch.acts = acts;
  return first;
}

// When a ready piece's column command can issue, from lo on: each bank takes its first burst
// in turn (at its offset), after the data already on the bus and its gap.
double DramTiming::column_time(const Channel& ch, const Piece& p, double lo) const {
  double c = lo;
  for (const Use& u : p.uses) c = std::max(c, ch.banks[u.bank].ready - u.offset);
  double gap = 0;
  if (ch.bus_dir != 2 && ch.bus_dir != p.dir) gap = ch.bus_dir == 1 ? m_t.t_wtr : m_t.t_rtw;
  if (ch.bus_group == p.first_group)
    gap = std::max(gap, std::max(m_t.t_burst, m_t.t_ccd_l) - m_t.t_burst);
  return std::max(c, ch.bus_end + gap - m_t.t_cl);
}

// All-bank refresh: once the data on the bus has finished, tRFC with every row closed.
void DramTiming::refresh(Channel& ch) {
  const double done = std::max(ch.next_refresh, ch.bus_end) + m_t.t_rfc;
  for (auto& b : ch.banks) {
    b.open_row = -1;
    b.ready = std::max(b.ready, done);
  }
  ch.bus_end = done;
  ch.bus_dir = 2;
  ch.bus_group = -1;
  ch.next_refresh += m_t.t_refi;
  ++refreshes;
}

void DramTiming::issue_column(uint32_t c, size_t k, double when) {
  Channel& ch = m_ch[c];
  const Piece p = std::move(ch.queue[k]);
  const double start = when + m_t.t_cl, end = start + p.dur;
  ch.bus_end = end;
  ch.bus_dir = p.dir;
  ch.bus_group = p.last_group;
  // Column accesses (bursts) that found their row open: all but each activation's first.
  const auto opened = static_cast<uint64_t>(
      std::count_if(p.uses.begin(), p.uses.end(), [](const Use& u) { return u.opened; }));
  row_hits += p.bursts > opened ? p.bursts - opened : 0;
  for (const Use& u : p.uses) {
    Bank& b = ch.banks[u.bank];
    b.ready = when + u.last;  // its last column command: then the next, or a precharge
    if (!m_t.open_page) {
      b.open_row = -1;
      b.ready = end + m_t.t_rp;
    }
  }
  for (size_t j = 0; j < k; ++j) {  // older pieces waiting for one of its banks let a hit pass
    const Piece& q = ch.queue[j];
    bool shares = false;
    for (const Use& a : q.uses)
      for (const Use& b : p.uses) shares = shares || a.bank == b.bank;
    if (shares && !is_open(ch, q)) ++ch.queue[j].bypassed;
  }
  Request& r = m_requests[p.request];
  if (keep_segments) r.result.segments.push_back({c, start, end, p.bytes});
  r.result.start = std::min(r.result.start, start);
  r.result.end = std::max(r.result.end, end);
  if (--r.pending == 0) m_finished.push_back(p.request);
  ch.queue.erase(ch.queue.begin() + static_cast<std::ptrdiff_t>(k));
}

// Channel c's decisions due at or before t, in time order; then when the next is due.
void DramTiming::run(uint32_t c, double t) {
  Channel& ch = m_ch[c];
  std::vector<int>& owner = m_owner;
  std::vector<int>& oldest_ready = m_oldest_ready;
  std::vector<char>& ready = m_ready;
  owner.resize(ch.banks.size());
  oldest_ready.resize(ch.banks.size());
  ready.resize(m_t.queue_depth);
  for (;;) {
    if (ch.queue.empty()) {
      ch.next = kNever;
      return;
    }
    // The queue is in arrival order: the pieces arrived by the last decision come first.
    size_t n = 0;
    while (n < ch.queue.size() && n < m_t.queue_depth && ch.queue[n].arrive <= ch.clock) ++n;
    // Per bank: the oldest piece waiting for a row of it, and the oldest ready piece using it.
    std::fill(owner.begin(), owner.end(), -1);
    std::fill(oldest_ready.begin(), oldest_ready.end(), -1);
    for (size_t k = 0; k < n; ++k) {
      const Piece& p = ch.queue[k];
      ready[k] = is_open(ch, p);
      for (const Use& u : p.uses) {
        int& slot = ready[k] ? oldest_ready[u.bank] : owner[u.bank];
        if (slot < 0) slot = static_cast<int>(k);
      }
    }
    double best = std::max(ch.next_refresh, ch.clock);
    int kind = 0;  // 0 refresh, 1 column, 2 open rows, 3 a piece arrives
    size_t which = 0;
    if (n < ch.queue.size() && n < m_t.queue_depth && ch.queue[n].arrive <= best)
      std::tie(best, kind) = std::make_tuple(ch.queue[n].arrive, 3);
    // Columns win a tie with a refresh, the oldest a tie among them; none can issue before the
    // bus (less tCL) and the last decision allow.
    const double bound = std::max(ch.clock, ch.bus_end - m_t.t_cl);
    for (size_t k = 0; k < n; ++k) {
      if (!ready[k]) continue;
      const Piece& p = ch.queue[k];
      const double when = column_time(ch, p, std::max(p.arrive, ch.clock));
      if (when < best || (kind == 0 && when == best)) {
        std::tie(best, kind, which) = std::make_tuple(when, 1, k);
        if (when <= bound) break;
      }
    }
    for (size_t k = 0; k < n && best > ch.clock; ++k) {  // opening rows wins no tie
      if (ready[k]) continue;
      Piece& p = ch.queue[k];
      const double lo = std::max(p.arrive, ch.clock);
      if (lo >= best) continue;
      bool allowed = true;
      for (size_t i = 0; i < p.uses.size() && allowed; ++i) {
        const uint32_t x = p.uses[i].bank;
        if (ch.banks[x].open_row == p.row) continue;
        const int hit = oldest_ready[x];  // hits first, up to the cap for younger ones
        allowed = owner[x] == static_cast<int>(k) &&
                  (hit < 0 || (hit > static_cast<int>(k) && p.bypassed >= m_t.hit_cap));
      }
      if (!allowed) continue;
      const double when = open_rows(ch, p, lo, false);
      if (when < best) std::tie(best, kind, which) = std::make_tuple(when, 2, k);
    }
    if (best > t) {
      ch.next = best;
      return;
    }
    ch.clock = std::max(ch.clock, best);
    if (kind == 0)
      refresh(ch);
    else if (kind == 1)
      issue_column(c, which, best);
    else if (kind == 2)
      open_rows(ch, ch.queue[which], best, true);  // kind 3: the clock reached an arrival
  }
}

uint64_t DramTiming::submit(double now_ns, uint64_t addr, uint64_t bytes, bool write,
                            double issue_bytes_per_ns) {
  const uint64_t id = m_next_id++;
  Request& r = m_requests[id];
  r.result.end = now_ns;  // and its start, if it moves no bytes
  const uint64_t il = m_t.interleave_bytes, nch = m_ch.size();
  const uint64_t groups = m_t.bank_groups, per_group = m_t.banks / groups;
  const uint64_t stripe = groups * m_t.row_bytes, gran = m_t.group_interleave_bytes;
  // A channel's share of a transfer is contiguous in its own address space: one piece per
  // stripe it touches (a 1 MiB sequential read on DDR4: 32 pieces of 32 KiB in all).
  std::vector<uint64_t> from(nch), to(nch);  // per channel: the local range, empty if from == to
  for (uint64_t a = addr, left = bytes; left > 0;) {
    const uint64_t c = (a / il) % nch;
    const uint64_t local = (a / (il * nch)) * il + a % il;
    const uint64_t take = std::min(left, il - a % il);
    if (from[c] == to[c]) from[c] = local;
    to[c] = local + take;
    a += take;
    left -= take;
  }
  const double s = m_t.t_burst, l = std::max(s, m_t.t_ccd_l);
  const double n = static_cast<double>(gran / m_t.burst_bytes);
  for (uint32_t c = 0; c < nch; ++c) {
    Channel& ch = m_ch[c];
    if (from[c] == to[c]) continue;
    if (ch.queue.empty())  // refreshes while the channel was idle
      while (ch.next_refresh <= now_ns) refresh(ch);
    for (uint64_t local = from[c]; local < to[c];) {
      // Whole stripes up to kPieceBytes (at least the first), within one round of the banks.
      const uint64_t round = stripe * per_group, round_end = (local / round + 1) * round;
      const uint64_t end = std::min(
          {to[c], round_end,
           std::max((local / stripe + 1) * stripe, (local + kPieceBytes) / stripe * stripe)});
      Piece p{};
      p.request = id;
      // Its first byte's place in the transfer, issued at the DMA's rate.
      const uint64_t first = local / il * il * nch + c * il + local % il;
      p.arrive = issue_bytes_per_ns > 0
                     ? now_ns + static_cast<double>(first - addr) / issue_bytes_per_ns
                     : now_ns;
      p.row = static_cast<int64_t>(local / round);
      double at = 0;  // each stripe's data after the previous one's
      for (uint64_t a = local; a < end;) {
        const uint64_t b = std::min(end, (a / stripe + 1) * stripe);
        // Bursts: n per granule, tCCD_L apart within a group, tBURST to the next group's first.
        const uint64_t q0 = a / gran, granules = (b - 1) / gran - q0 + 1;
        const uint64_t g = std::min(groups, granules);
        const uint64_t bursts = (b - a + m_t.burst_bytes - 1) / m_t.burst_bytes;
        const double gd = static_cast<double>(g), period = std::max(gd * ((n - 1) * l + s), n * l);
        const double dur = s + static_cast<double>(bursts - 1) * period / (gd * n);
        for (uint64_t i = 0; i < g; ++i)  // the groups' bursts interleave over the stripe's data
          p.uses.push_back(
              Use{static_cast<uint32_t>((q0 + i) % groups * per_group + a / stripe % per_group),
                  at + static_cast<double>(i) * ((n - 1) * l + s), at + dur - s});
        at += dur;
        p.bursts += bursts;
        if (a == local) p.first_group = static_cast<int>(q0 % groups);
        p.last_group = static_cast<int>((q0 + granules - 1) % groups);
        a = b;
      }
      p.dur = at;
      p.dir = write ? 1 : 0;
      p.bytes = end - local;
      ch.queue.insert(std::upper_bound(ch.queue.begin(), ch.queue.end(), p.arrive,
                                       [](double v, const Piece& x) { return v < x.arrive; }),
                      std::move(p));  // arrival order
      ++r.pending;
      local = end;
    }
    ch.next = -kNever;  // to be found again
  }
  if (r.pending == 0) {
    r.result.start = now_ns;
    m_finished.push_back(id);
  }
  return id;
}

void DramTiming::advance(double t_ns) {
  for (uint32_t c = 0; c < m_ch.size(); ++c) run(c, t_ns);
}

double DramTiming::next_decision() {
  double next = kNever;
  for (uint32_t c = 0; c < m_ch.size(); ++c) {
    if (m_ch[c].next == -kNever) run(c, -kNever);  // a request arrived since: no decision yet
    next = std::min(next, m_ch[c].next);
  }
  return next;
}

std::vector<uint64_t> DramTiming::take_finished() {
  std::vector<uint64_t> done;
  done.swap(m_finished);
  return done;
}

DramTiming::Result DramTiming::release(uint64_t id) {
  const auto it = m_requests.find(id);
  Result r = std::move(it->second.result);
  m_requests.erase(it);
  return r;
}

double DramTiming::access(double now_ns, uint64_t addr, uint64_t bytes,
                          std::vector<Segment>* segments, bool write) {
  const uint64_t id = submit(now_ns, addr, bytes, write);
  advance(kNever);
  m_finished.erase(std::remove(m_finished.begin(), m_finished.end(), id), m_finished.end());
  Result r = release(id);
  if (segments) *segments = std::move(r.segments);
  return r.end;
}

}  // namespace ncore::hw
