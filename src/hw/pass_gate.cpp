// Passes of a program (see pass_gate.h).
#include "hw/pass_gate.h"

#include <algorithm>

#include "hw/sync.h"

namespace ncore::hw {

PassGate::PassGate(uint32_t passes, uint32_t engines, sc_core::sc_event& changed)
    : m_passes(passes),
      m_engines(engines),
      m_changed(changed),
      m_left(passes, 0),
      m_start(passes, UINT64_MAX),
      m_finish(passes, 0) {}

bool PassGate::may_start(uint32_t p) const {
  if (p > 0 && !finished(p - 1)) return false;
  if (p >= kAhead && !std::all_of(m_consumers.begin(), m_consumers.end(),
                                  [p](const PassGate* g) { return g->finished(p - kAhead); }))
    return false;
  return std::all_of(m_producers.begin(), m_producers.end(),
                     [p](const PassGate* g) { return g->finished(p); });
}

void PassGate::enter(uint32_t p) {
  while (!may_start(p)) sc_core::wait(m_changed);
  m_start[p] = std::min(m_start[p], now_cycles());
}

void PassGate::leave(uint32_t p) {
  if (++m_left[p] < m_engines) return;
  m_finish[p] = now_cycles();
  m_changed.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace ncore::hw
