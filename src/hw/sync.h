// Semaphores between engines: one completion counter per engine (tensor, vector, each DMA
// queue) with an event, and the cycle at which each instruction completed. An instruction waits
// until every engine it depends on has completed the instructions it names (see
// isa/instr.h); this is all the synchronisation the replay needs.
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
  // Blocks the calling SC_THREAD until every dep is met.
  void wait_for(const std::vector<isa::Dep>& deps);
  void complete(uint16_t engine);
  uint64_t completed_at(const isa::Dep& d) const;  // the cycle dep d was met
  uint32_t completed(uint16_t engine) const { return m_count[engine]; }

 private:
  std::vector<uint32_t> m_count;
  std::vector<std::unique_ptr<sc_core::sc_event>> m_event;
  std::vector<std::vector<uint64_t>> m_done_at;
};

// The loop every engine runs over its queue: wait for the semaphores, run, signal. `execute`
// returns the instruction's duration in cycles given its start; stall cycles are attributed to
// the layer when `counts_stall(layer)` (the tensor engine, or the vector engine for layers
// without MatMuls).
template <class Exec, class CountsStall, class Record>
void replay(uint16_t engine, const isa::InstrQueue& queue, Semaphores& sem, Exec execute,
            CountsStall counts_stall, Record record) {
  for (const isa::Instr& i : queue) {
    const uint64_t t_free = now_cycles();
    sem.wait_for(i.deps);
    const uint64_t t0 = now_cycles();
    const uint64_t cycles = execute(i, t0);  // may itself wait (a DRAM transfer)
    const uint64_t until = t0 + cycles, now = now_cycles();
    wait_cycles(until > now ? until - now : 0);
    record(i, t_free, t0, t0 + cycles, counts_stall(i.layer));
    sem.complete(engine);
  }
}

}  // namespace ncore::hw
