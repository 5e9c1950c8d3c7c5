// Semaphores between engines (see sync.h).
#include "hw/sync.h"

#include <algorithm>

namespace ncore::hw {

Semaphores::Semaphores(const isa::Program& p)
    : m_count(p.engines(), 0), m_wake_at(p.engines(), kNoWaiter), m_done_at(p.engines()) {
  for (size_t e = 0; e < p.engines(); ++e) {
    m_event.push_back(std::make_unique<sc_core::sc_event>());
    m_done_at[e].reserve(p.queues[e].size());
    m_queue_size.push_back(static_cast<uint32_t>(p.queues[e].size()));
  }
}

uint64_t Semaphores::wait_for(isa::DepSpan deps, uint32_t pass) {
  uint64_t met = 0;
  for (const isa::Dep& dep : deps) {
    const isa::Dep d{dep.engine, dep.count + pass * m_queue_size[dep.engine]};
    while (m_count[d.engine] < d.count) {
      m_wake_at[d.engine] = std::min(m_wake_at[d.engine], d.count);
      sc_core::wait(*m_event[d.engine]);
    }
    met = std::max(met, completed_at(d));  // final once met
  }
  return met;
}

void Semaphores::complete(uint16_t engine) {
  ++m_count[engine];
  m_done_at[engine].push_back(now_cycles());
  if (m_count[engine] < m_wake_at[engine]) return;  // no waiter is met yet: none is woken
  m_wake_at[engine] = kNoWaiter;
  m_event[engine]->notify(sc_core::SC_ZERO_TIME);
}

}  // namespace ncore::hw
