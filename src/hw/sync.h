// Semaphores between engines: one completion counter per engine (tensor, vector, each DMA
// queue) with an event, and the cycle at which each instruction completed. An instruction waits
// until every engine it depends on has completed the instructions it names (see
// isa/instr.h); this is all the synchronisation the replay (hw/engine.h) needs. A completion
// wakes an engine's waiters only when it meets the smallest count one of them waits for (the
// others wait on; before, every completion woke them all: 3.5 wake-ups per met dependency for
// ResNet-50 at batch 8 on inf1, 6.8 with a 32-column array).
#pragma once
#include <cstdint>
#include <memory>
#include <systemc>
#include <vector>

#include "isa/program.h"

namespace ncore::hw {

inline uint64_t now_cycles() {
  return sc_core::sc_time_stamp().value();
}  // 1 unit = 1 cycle
inline void wait_cycles(uint64_t c) {
  if (c) sc_core::wait(sc_core::sc_time::from_value(c));
}

class Semaphores {
 public:
  explicit Semaphores(const isa::Program& p);
  // Blocks the calling SC_THREAD until every dep is met; returns the cycle the last was met
  // (0 for none). In pass p of a program replayed several times (hw/pass_gate.h) a dep counts
  // from the pass's start: engine e's count plus p times its queue's length.
  uint64_t wait_for(isa::DepSpan deps, uint32_t pass = 0);
  void complete(uint16_t engine);
  uint64_t completed_at(const isa::Dep& d) const {  // the cycle dep d was met
    return d.count == 0 ? 0 : m_done_at[d.engine][d.count - 1];
  }
  uint32_t completed(uint16_t engine) const { return m_count[engine]; }

 private:
  static constexpr uint32_t kNoWaiter = UINT32_MAX;
  std::vector<uint32_t> m_count;
  std::vector<uint32_t> m_wake_at;  // per engine: the smallest count a waiter needs
  std::vector<std::unique_ptr<sc_core::sc_event>> m_event;
  std::vector<std::vector<uint64_t>> m_done_at;
  std::vector<uint32_t> m_queue_size;  // per engine
};

}  // namespace ncore::hw
