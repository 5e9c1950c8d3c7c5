// Passes of a program (issue 15, NeuronCore Pipeline): a core replays its program once per
// invocation, `passes` times. Each engine enters pass p only when every engine of its core has
// left pass p - 1 (one invocation at a time per core), every producer core (an earlier pipeline
// stage) has left pass p (its outputs for that invocation are sent) and every consumer core has
// left pass p - kAhead (bounded buffering between stages); within a pass an
// instruction's deps count from the pass's start (Semaphores::wait_for with the pass). Without
// a gate (single and data-parallel runs) a program runs once and nothing waits here.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

namespace ncore::hw {

class PassGate {
 public:
  // `engines`: how many engines of the core leave each pass; `changed`: notified whenever any
  // gate of the deployment closes a pass (shared by all of them).
  PassGate(uint32_t passes, uint32_t engines, sc_core::sc_event& changed);

  // A producer: this core starts pass p once g has finished it. A consumer: this core starts
  // pass p once g has finished pass p - kAhead (what it sends waits in g's SBUF, at most kAhead
  // invocations of it: double buffering).
  static constexpr uint32_t kAhead = 2;
  void add_producer(const PassGate* g) { m_producers.push_back(g); }
  void add_consumer(const PassGate* g) { m_consumers.push_back(g); }
  uint32_t passes() const { return m_passes; }

  // Blocks the calling engine thread until pass p may start on this core.
  void enter(uint32_t p);
  // An engine ran its whole queue for pass p.
  void leave(uint32_t p);

  bool finished(uint32_t p) const { return m_left[p] == m_engines; }
  uint64_t started_at(uint32_t p) const { return m_start[p]; }    // first engine entered
  uint64_t finished_at(uint32_t p) const { return m_finish[p]; }  // last engine left

 private:
  bool may_start(uint32_t p) const;
  const uint32_t m_passes, m_engines;
  sc_core::sc_event& m_changed;
  std::vector<const PassGate*> m_producers, m_consumers;
  std::vector<uint32_t> m_left;
  std::vector<uint64_t> m_start, m_finish;
};

}  // namespace ncore::hw
