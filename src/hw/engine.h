// Engine: what every block that replays an instruction queue shares (DESIGN.md "Engines replay a
// program"). Its SC_THREAD waits for each instruction's semaphores, books its SBUF bytes on the
// ports at its start t0, runs it, records it and signals. It ends at
//     t1 = max(t0 + own cycles, SBUF ports done)   (anything past its own cycles: a port stall)
// and its dependents see it complete result_latency cycles after t1. An instruction with a start
// latency L starts no earlier than L after its last semaphore was met (a DMA's trigger): latency,
// the engine being free meanwhile. A block supplies its own cycles per instruction (and its start
// and result latencies and counters, if any).
#pragma once
#include <array>
#include <cstdint>
#include <systemc>

#include "base/stats.h"
#include "hw/functional.h"
#include "hw/pass_gate.h"
#include "hw/state_buffer.h"
#include "hw/sync.h"
#include "isa/program.h"

namespace ncore::hw {

// What the top hands every engine: its id (its semaphore and trace track), its queue, the
// semaphores, the stats and, in functional mode, the data model.
struct EngineWiring {
  uint16_t id = 0;
  const isa::InstrQueue& queue;
  Semaphores& sem;
  base::Stats& stats;
  Functional* functional = nullptr;
  PassGate* gate = nullptr;  // replays the queue gate->passes() times; none: once
};

// A new engine derives from Engine, names its busy counter and layer field, overrides cycles()
// and trace_fields() (account() and counts_stall() if it has more to say), and is wired in
// NeuronCore with its id and queue.
class Engine : public sc_core::sc_module {
 public:
  sc_core::sc_port<SbufIf> sbuf;

 protected:
  // `busy_counter`: the stats counter of its busy cycles; `layer_busy`: the LayerStats field that
  // sums them per layer (nullptr: none, the block accounts for itself).
  Engine(sc_core::sc_module_name n, const EngineWiring& w, const char* busy_counter,
         uint64_t base::LayerStats::*layer_busy);

  // Instruction i's own cycles from its start t0 (its SBUF access already booked). May wait (a
  // DMA on banked DRAM); the engine then waits only what is left.
  virtual uint64_t cycles(const isa::Instr& i, uint64_t t0) = 0;
  // Its trace record's fields a, b, c (see base::TraceRecord).
  virtual std::array<uint64_t, 3> trace_fields(const isa::Instr& i) const = 0;
  // The block's own counters once i ran [t0, t1) (ls: its layer's stats).
  virtual void account(const isa::Instr& i, base::LayerStats& ls, uint64_t t0, uint64_t t1);
  // Whether this engine's semaphore waits are the layer's stall cycles (DESIGN.md layers.csv).
  virtual bool counts_stall(uint32_t layer) const;
  // Cycles after i ends before its result is visible to its dependents (a pipelined array's fill
  // and drain); 0: at its end. Must not decrease along the queue, so completions stay in order.
  virtual uint64_t result_latency(const isa::Instr& i) const;
  // Cycles from the moment i's semaphores are met until it may start (0: at once). Only an
  // instruction with deps waits: one without is already queued when the program starts.
  virtual uint64_t start_latency(const isa::Instr& i) const;

  Semaphores& sem() { return m_sem; }
  Functional* functional() { return m_functional; }

 private:
  void run();
  void run_pass(uint32_t pass);                                // the queue once
  void wait_start_latency(const isa::Instr& i, uint64_t met);  // met: its last dep's cycle
  void signal_ready();  // a result whose latency has run out: its completion
  void record(const isa::Instr& i, uint64_t t_free, uint64_t t0, uint64_t t1, uint64_t port_stall);

  const uint16_t m_id;
  const isa::InstrQueue& m_queue;
  Semaphores& m_sem;
  base::Stats& m_stats;
  Functional* const m_functional;
  PassGate* const m_gate;
  uint64_t& m_busy;
  uint64_t& m_port_stalls;
  uint64_t base::LayerStats::*const m_layer_busy;
  sc_core::sc_event_queue m_ready;  // completions delayed by result_latency
  uint64_t m_last_ready = 0;        // completions stay in queue order
};

}  // namespace ncore::hw
