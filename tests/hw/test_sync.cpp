// Semaphores, and the replay loop every engine shares (hw/engine.h, which replaced sync.h's
// replay): an instruction waiting on engine E's count n starts when E completes its n-th. Engines
// here are stand-ins: a thread completing at given cycles, and a minimal Engine of fixed cycles
// (what a new engine supplies). Each case elaborates once: CTest gives it its own process.
#include <catch2/catch.hpp>
#include <systemc>

#include "hw/engine.h"

using namespace ncore;

namespace {

// Completes engine `engine`'s instructions at the given cycles.
struct Completer : sc_core::sc_module {
  Completer(sc_core::sc_module_name n, hw::Semaphores& sem, uint16_t engine,
            std::vector<uint64_t> at)
      : sc_module(n), m_sem(sem), m_engine(engine), m_at(std::move(at)) {
    SC_HAS_PROCESS(Completer);
    SC_THREAD(run);
  }
  void run() {
    for (const uint64_t t : m_at) {
      hw::wait_cycles(t - hw::now_cycles());
      m_sem.complete(m_engine);
    }
  }
  hw::Semaphores& m_sem;
  const uint16_t m_engine;
  const std::vector<uint64_t> m_at;
};

// Waits for `deps` and notes the cycle it may start.
struct Waiter : sc_core::sc_module {
  Waiter(sc_core::sc_module_name n, hw::Semaphores& sem, std::vector<isa::Dep> deps)
      : sc_module(n), m_sem(sem), m_deps(std::move(deps)) {
    SC_HAS_PROCESS(Waiter);
    SC_THREAD(run);
  }
  void run() {
    m_sem.wait_for(isa::DepSpan(m_deps));
    started = hw::now_cycles();
  }
  hw::Semaphores& m_sem;
  const std::vector<isa::Dep> m_deps;
  uint64_t started = UINT64_MAX;
};

// The smallest engine: every instruction takes 5 cycles; its busy cycles count as vector_busy.
class FiveCycles : public hw::Engine {
 public:
  explicit FiveCycles(const hw::EngineWiring& w)
      : Engine("five", w, "five.busy_cycles", &base::LayerStats::vector_busy) {}

 private:
  uint64_t cycles(const isa::Instr&, uint64_t) override { return 5; }
  std::array<uint64_t, 3> trace_fields(const isa::Instr&) const override { return {5, 0, 0}; }
  bool counts_stall(uint32_t) const override { return true; }
};

isa::Program engines(size_t n) {
  isa::Program p;
  p.queues.resize(n);
  return p;
}

}  // namespace

TEST_CASE("an instruction waiting on engine E's count n starts when E completes its n-th") {
  const auto p = engines(2);
  hw::Semaphores sem(p);
  Completer e0("e0", sem, 0, {5, 12, 30});
  Waiter w("w", sem, {{0, 2}});
  sc_core::sc_start();
  REQUIRE(w.started == 12);
  REQUIRE(sem.completed(0) == 3);
  REQUIRE(sem.completed_at({0, 2}) == 12);
  REQUIRE(sem.completed_at({0, 3}) == 30);
  REQUIRE(sem.completed_at({0, 0}) == 0);  // nothing to wait for: met from the start
}

TEST_CASE("an instruction with several deps starts when the last is met") {
  const auto p = engines(2);
  hw::Semaphores sem(p);
  Completer e0("e0", sem, 0, {5});
  Completer e1("e1", sem, 1, {3, 20});
  Waiter w("w", sem, {{0, 1}, {1, 2}});  // engine 0's first at 5, engine 1's second at 20
  Waiter none("none", sem, {{1, 0}});    // a count of 0 is met at once
  sc_core::sc_start();
  REQUIRE(w.started == 20);
  REQUIRE(none.started == 0);
}

TEST_CASE("an engine replays its queue in order on the semaphores and records each instruction") {
  // Engine 1 (FiveCycles) runs layer 0: an instruction 0..5, then one that waits for engine 0's
  // first completion at 12: 12..17, 12 - 5 = 7 stall cycles; then layer 1's first instruction,
  // 17..22 (nothing to wait for). An SBUF read of 64 B at 4 partitions x 1 B per cycle makes
  // the last one take 16 cycles instead of 5: 17..33, 11 port-stall cycles.
  auto p = engines(2);
  isa::InstrQueue& q = p.queues[1];
  q.resize(3);
  q[1].deps = p.dep_pool.add({{0, 1}});
  q[2].layer = 1;
  q[2].sbuf_read = 64;
  base::Stats s;
  s.tracing = true;
  s.init_layers(2);
  hw::Semaphores sem(p);
  config::StateBufferConfig sc;
  sc.partitions = 4;
  sc.read_bytes_per_cycle = 1;
  hw::StateBuffer sbuf("state_buffer", sc, {0, 0}, s);
  Completer e0("e0", sem, 0, {12});
  FiveCycles five({1, q, sem, s});
  five.sbuf(sbuf);
  sc_core::sc_start();
  REQUIRE(sem.completed(1) == 3);
  REQUIRE(sem.completed_at({1, 2}) == 17);  // it signals at each instruction's end
  REQUIRE(sem.completed_at({1, 3}) == 33);
  REQUIRE(s.get("five.busy_cycles") == 5 + 5 + 16);
  REQUIRE(s.layer(0).start == 0);
  REQUIRE(s.layer(0).end == 17);
  REQUIRE(s.layer(0).vector_busy == 10);
  REQUIRE(s.layer(0).stall == 7);
  REQUIRE(s.layer(1).start == 17);
  REQUIRE(s.layer(1).stall == 0);
  REQUIRE(s.layer(1).port_stall == 11);
  REQUIRE(s.get("state_buffer.port_stall_cycles") == 11);
  REQUIRE(s.trace.size() == 3);
  REQUIRE(s.trace[1].engine == 1);
  REQUIRE(s.trace[1].start == 12);
  REQUIRE(s.trace[1].end == 17);
  REQUIRE(s.trace[1].a == 5);
}
