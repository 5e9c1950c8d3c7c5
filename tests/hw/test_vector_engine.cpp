// VectorEngine: the clock conversion (without the kernel), then the engine alone on a hand-built
// queue with its own SBUF and PSUM (core clock 1 GHz, vector clock 0.5 GHz: a vector cycle is 2
// core cycles). Each case that runs the kernel elaborates once: CTest gives it its own process.
#include <catch2/catch.hpp>
#include <systemc>

#include "hw/vector_engine.h"

using namespace ncore;

namespace {

isa::Instr evict(uint32_t layer, uint64_t vector_cycles, uint32_t m, uint32_t n) {
  isa::Instr i;
  i.layer = layer;
  isa::Evict e;
  e.vector_cycles = vector_cycles;
  e.m = m;
  e.n = n;
  i.payload = e;
  return i;
}

isa::Instr vector_op(uint32_t layer, uint64_t vector_cycles, isa::DepSpan deps = {}) {
  isa::Instr i;
  i.layer = layer;
  i.deps = deps;
  isa::Vector v;
  v.vector_cycles = vector_cycles;
  i.payload = v;
  return i;
}

// Completes engine 0's instructions at the given cycles, standing in for the tensor engine.
struct FakeTensor : sc_core::sc_module {
  FakeTensor(sc_core::sc_module_name n, hw::Semaphores& sem, std::vector<uint64_t> at)
      : sc_module(n), m_sem(sem), m_at(std::move(at)) {
    SC_HAS_PROCESS(FakeTensor);
    SC_THREAD(run);
  }
  void run() {
    for (const uint64_t t : m_at) {
      hw::wait_cycles(t - hw::now_cycles());
      m_sem.complete(isa::kTensorEngine);
    }
  }
  hw::Semaphores& m_sem;
  std::vector<uint64_t> m_at;
};

// Runs `queue` on a vector engine (4 lanes, 0.5 GHz) beside a 4-partition SBUF whose write port
// moves `write_bytes_per_cycle` per partition; engine 0 completes at `tensor_done`.
void run_vector(isa::InstrQueue queue, std::vector<bool> has_matmul, base::Stats& s,
                double write_bytes_per_cycle = 256, std::vector<uint64_t> tensor_done = {}) {
  isa::Program p;
  p.queues.resize(p.first_dma());
  p.queues[isa::kVectorEngine] = std::move(queue);
  s.init_layers(has_matmul.size());
  hw::Semaphores sem(p);
  config::StateBufferConfig sc;
  sc.partitions = 4;
  sc.write_bytes_per_cycle = write_bytes_per_cycle;
  hw::StateBuffer sbuf("state_buffer", sc, std::vector<uint64_t>(has_matmul.size(), 0), s);
  hw::Psum psum("psum", config::PsumConfig{}, s);
  config::VectorEngineConfig vc;
  vc.clock_hz = 0.5e9;
  vc.lanes = 4;
  hw::VectorEngine ve("vector_engine", vc, 1e9, has_matmul,
                      {isa::kVectorEngine, p.queues[isa::kVectorEngine], sem, s});
  ve.sbuf(sbuf);
  ve.psum(psum);
  FakeTensor tensor("tensor", sem, std::move(tensor_done));
  sc_core::sc_start();
  REQUIRE(sem.completed(isa::kVectorEngine) == p.queues[isa::kVectorEngine].size());
}

}  // namespace

TEST_CASE("vector ops convert to core cycles once, rounding up") {
  // 10 vector cycles at 1.12 GHz seen from a 2.8 GHz core: 10 * 2.5 = 25
  REQUIRE(hw::vector_core_cycles(10, 2.8e9, 1.12e9) == 25);
  // 3 vector cycles at 1 GHz from 1.4 GHz: 4.2 -> 5
  REQUIRE(hw::vector_core_cycles(3, 1.4e9, 1e9) == 5);
  REQUIRE(hw::vector_core_cycles(7, 1e9, 1e9) == 7);
}

TEST_CASE("an eviction takes its vector cycles at the vector clock and reads M x N sums") {
  base::Stats s;
  s.tracing = true;
  run_vector({evict(0, 8, 4, 8), vector_op(0, 3)}, {true}, s);
  // Evict: 8 vector cycles x 2 = 16 core cycles, 0..16; the op: 3 x 2 = 6, 16..22.
  REQUIRE(s.get("vector_engine.busy_cycles") == 22);
  REQUIRE(s.layer(0).vector_busy == 22);
  REQUIRE(s.layer(0).end == 22);
  REQUIRE(s.get("vector_engine.lane_cycles") == (8 + 3) * 4);
  REQUIRE(s.get("psum.read_bytes") == 4 * 8 * 4);  // 4 x 8 FP32 sums
  REQUIRE(s.trace.size() == 2);
  REQUIRE(s.trace[1].engine == isa::kVectorEngine);
  REQUIRE(s.trace[1].start == 16);
  REQUIRE(s.trace[1].end == 22);
  REQUIRE(s.trace[1].a == 3);  // the trace keeps the vector cycles
}

TEST_CASE("an op whose output outlasts the SBUF write port stalls its layer") {
  auto i = evict(0, 4, 4, 4);
  i.sbuf_write = 64;  // 4 partitions x 1 B per cycle: 64 B take 16 cycles
  base::Stats s;
  run_vector({i}, {true}, s, 1);
  // Own time 4 x 2 = 8 cycles, the port 16: 8 cycles of port stall, busy 16.
  REQUIRE(s.layer(0).port_stall == 8);
  REQUIRE(s.get("state_buffer.port_stall_cycles") == 8);
  REQUIRE(s.get("vector_engine.busy_cycles") == 16);
}

TEST_CASE("the vector engine's waits are stall cycles only of layers without MatMuls") {
  // Layer 0 (has MatMuls): an op 0..8, then one waiting for the tensor engine's first
  // completion at 10: 10..18, its 2 waiting cycles not counted. Layer 1 (a vector layer): an op
  // 18..22, then one waiting for the second completion at 30: 30..34, 8 stall cycles.
  base::Stats s;
  isa::DepPool pool;
  run_vector({vector_op(0, 4), vector_op(0, 4, pool.add({{isa::kTensorEngine, 1}})),
              vector_op(1, 2), vector_op(1, 2, pool.add({{isa::kTensorEngine, 2}}))},
             {true, false}, s, 256, {10, 30});
  REQUIRE(s.layer(0).end == 18);
  REQUIRE(s.layer(0).stall == 0);
  REQUIRE(s.layer(1).start == 18);
  REQUIRE(s.layer(1).end == 34);
  REQUIRE(s.layer(1).stall == 8);
}

namespace {

isa::Instr reading(uint64_t vector_cycles, uint32_t channels, uint64_t sbuf_read) {
  isa::Instr i = vector_op(0, vector_cycles);
  auto& v = std::get<isa::Vector>(i.payload);
  v.channels = channels;
  i.sbuf_read = sbuf_read;
  return i;
}

}  // namespace

TEST_CASE("with per_input a vector op streams N cycles per input tile, 2N with two") {
  config::VectorEngineConfig c;
  c.per_input = true;
  // 4 channels x 8 positions of FP16: one input is 64 B (8 per lane), two 128 B (16 per lane).
  // Work 8 (an add: one op per position): one input max(8, 8) = 8, two max(8, 16) = 16.
  REQUIRE(hw::vector_op_cycles(c, reading(8, 4, 64), 2) == 8);
  REQUIRE(hw::vector_op_cycles(c, reading(8, 4, 128), 2) == 16);
  // A pool's work (9 window ops per output) exceeds what it reads: the work stands.
  REQUIRE(hw::vector_op_cycles(c, reading(72, 4, 256), 2) == 72);
  c.per_input = false;  // off: the planner's work alone
  REQUIRE(hw::vector_op_cycles(c, reading(8, 4, 128), 2) == 8);
}

TEST_CASE("a dependent vector op waits for the fixed costs of the one it reads") {
  // Vector clock 0.5 GHz (2 core cycles each), static overhead O = 10, access overhead A = 5.
  // op1 (s = 4): busy max(4, 10) = 10 -> 20 core cycles, 0..20; its output is ready at
  // (10 + 2 x 5 + 4) x 2 = 48. op2 reads it: starts at 48, 48..68 (28 stall cycles: a layer
  // without MatMuls). op3 (s = 30, independent): 68..128 (busy 60), ready 68 + 100 = 168.
  base::Stats s;
  config::VectorEngineConfig vc;
  vc.clock_hz = 0.5e9;
  vc.lanes = 4;
  vc.fixed = {10, 5};
  isa::Program p;
  p.queues.resize(p.first_dma());
  p.queues[isa::kVectorEngine] = {vector_op(0, 4),
                                  vector_op(0, 4, p.dep_pool.add({{isa::kVectorEngine, 1}})),
                                  vector_op(0, 30)};
  s.init_layers(1);
  s.tracing = true;
  hw::Semaphores sem(p);
  config::StateBufferConfig sc;
  sc.partitions = 4;
  hw::StateBuffer sbuf("state_buffer", sc, {0}, s);
  hw::Psum psum("psum", config::PsumConfig{}, s);
  hw::VectorEngine ve("vector_engine", vc, 1e9, {false},
                      {isa::kVectorEngine, p.queues[isa::kVectorEngine], sem, s});
  ve.sbuf(sbuf);
  ve.psum(psum);
  sc_core::sc_start();
  REQUIRE(sem.completed(isa::kVectorEngine) == 3);
  REQUIRE(s.trace[1].start == 48);
  REQUIRE(s.trace[2].start == 68);
  REQUIRE(s.trace[2].end == 128);
  REQUIRE(s.get("vector_engine.busy_cycles") == 20 + 20 + 60);
  REQUIRE(s.layer(0).stall == 28);
  REQUIRE(sem.completed_at({isa::kVectorEngine, 1}) == 48);
  REQUIRE(sem.completed_at({isa::kVectorEngine, 2}) == 48 + 48);
  REQUIRE(sem.completed_at({isa::kVectorEngine, 3}) == 168);
}
