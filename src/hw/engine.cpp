// The replay loop and per-instruction records every engine shares (see engine.h).
#include "hw/engine.h"

#include <algorithm>

namespace ncore::hw {

Engine::Engine(sc_core::sc_module_name n, const EngineWiring& w, const char* busy_counter,
               uint64_t base::LayerStats::*layer_busy)
    : sc_module(n),
      sbuf("sbuf"),
      m_id(w.id),
      m_queue(w.queue),
      m_sem(w.sem),
      m_stats(w.stats),
      m_functional(w.functional),
      m_gate(w.gate),
      m_busy(w.stats.counter(busy_counter)),
      m_port_stalls(w.stats.counter("state_buffer.port_stall_cycles")),
      m_layer_busy(layer_busy),
      m_ready("ready") {
  SC_HAS_PROCESS(Engine);
  SC_THREAD(run);
  SC_METHOD(signal_ready);
  sensitive << m_ready;
  dont_initialize();
}

void Engine::signal_ready() {
  m_sem.complete(m_id);
}

uint64_t Engine::result_latency(const isa::Instr&) const {
  return 0;
}

uint64_t Engine::start_latency(const isa::Instr&) const {
  return 0;
}

void Engine::wait_start_latency(const isa::Instr& i, uint64_t met) {
  const uint64_t late = start_latency(i);
  if (late == 0 || i.deps.empty()) return;
  const uint64_t now = now_cycles();
  if (met + late > now) wait_cycles(met + late - now);
}

void Engine::account(const isa::Instr&, base::LayerStats&, uint64_t, uint64_t) {}

bool Engine::counts_stall(uint32_t) const {
  return false;
}

void Engine::run() {
  const uint32_t passes = m_gate ? m_gate->passes() : 1;
  for (uint32_t pass = 0; pass < passes; ++pass) {
    if (m_gate) m_gate->enter(pass);
    run_pass(pass);
    if (m_gate) m_gate->leave(pass);
  }
}

void Engine::run_pass(uint32_t pass) {
  for (const isa::Instr& i : m_queue) {
    const uint64_t t_free = now_cycles();
    wait_start_latency(i, m_sem.wait_for(i.deps, pass));
    const uint64_t t0 = now_cycles();
    const uint64_t port_done = sbuf->access(t0, i.sbuf_read, i.sbuf_write, i.layer);
    const uint64_t own_end = t0 + cycles(i, t0);  // may itself wait (a DRAM transfer)
    const uint64_t t1 = std::max(own_end, port_done), now = now_cycles();
    wait_cycles(t1 > now ? t1 - now : 0);
    record(i, t_free, t0, t1, t1 - own_end);
    const uint64_t ready = std::max(t1 + result_latency(i), m_last_ready);
    m_last_ready = ready;
    if (ready == t1)
      m_sem.complete(m_id);
    else
      m_ready.notify(sc_core::sc_time::from_value(ready - t1));
  }
}

// Busy cycles, the layer's span, port stalls, semaphore stalls (from when the engine was free or
// the layer started, whichever is later) and the trace record.
void Engine::record(const isa::Instr& i, uint64_t t_free, uint64_t t0, uint64_t t1,
                    uint64_t port_stall) {
  m_busy += t1 - t0;
  const uint64_t layer_start = m_stats.touch(i.layer, t0, t1);
  base::LayerStats& ls = m_stats.layer(i.layer);
  if (m_layer_busy) ls.*m_layer_busy += t1 - t0;
  ls.port_stall += port_stall;
  m_port_stalls += port_stall;
  const uint64_t from = std::max(t_free, layer_start);
  if (t0 > from && counts_stall(i.layer)) ls.stall += t0 - from;
  account(i, ls, t0, t1);
  if (m_stats.tracing) {
    const auto f = trace_fields(i);
    m_stats.trace.push_back(
        {m_id, static_cast<uint8_t>(i.op()), i.layer, t0, t1, f[0], f[1], f[2]});
  }
}

}  // namespace ncore::hw
