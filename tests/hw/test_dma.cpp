// DmaQueue: a transfer's cycles at the queue's own rate (without the kernel), then queues on a
// hand-built program beside one DRAM channel and an SBUF (core clock 1 GHz; DRAM and queues
// 16 B per cycle, latency 0 unless a case says otherwise). Each case that runs the kernel
// elaborates once: CTest gives it its own process.
#include <catch2/catch.hpp>
#include <memory>
#include <systemc>

#include "config/run_config.h"
#include "hw/dma.h"

using namespace ncore;

namespace {

isa::Instr dma(uint64_t bytes, isa::TrafficClass cls, bool write = false) {
  isa::Instr i;
  isa::Dma d;
  d.bytes = bytes;
  d.cls = cls;
  d.write = write;
  i.payload = d;
  (write ? i.sbuf_read : i.sbuf_write) = bytes;  // a read from DRAM writes the SBUF
  return i;
}

struct Setup {
  config::DramConfig dram;
  config::DmaConfig dma;
  config::StateBufferConfig sbuf;
  Setup() {
    dram.channels = 1;
    dram.bandwidth = 16e9;
    dram.latency_s = 0;
    dma.queue_bandwidth = 16e9;
    sbuf.partitions = 4;
    sbuf.read_bytes_per_cycle = sbuf.write_bytes_per_cycle = 256;
  }
};

// Runs one queue per entry of `queues` (engines 2, 3, ...), every instruction in layer 0.
void run_dma(const Setup& c, std::vector<isa::InstrQueue> queues, base::Stats& s) {
  isa::Program p;
  p.dma_queues = static_cast<uint32_t>(queues.size());
  p.queues.resize(p.first_dma());
  for (auto& q : queues) p.queues.push_back(std::move(q));
  s.init_layers(1);
  hw::Semaphores sem(p);
  hw::Dram dram("dram", c.dram, 1e9, s);
  hw::StateBuffer sbuf("state_buffer", c.sbuf, {0}, s);
  std::vector<std::unique_ptr<hw::DmaQueue>> dq;
  for (uint16_t e = p.first_dma(); e < p.engines(); ++e) {
    const std::string name = "dma_" + std::to_string(e - p.first_dma());
    dq.push_back(std::make_unique<hw::DmaQueue>(name.c_str(), c.dma, 1e9,
                                                hw::EngineWiring{e, p.queues[e], sem, s}));
    dq.back()->dram(dram);
    dq.back()->sbuf(sbuf);
  }
  sc_core::sc_start();
  for (uint16_t e = p.first_dma(); e < p.engines(); ++e)
    REQUIRE(sem.completed(e) == p.queues[e].size());
}

}  // namespace

TEST_CASE("a DMA of B bytes takes ceil(B / queue bytes per cycle) cycles") {
  REQUIRE(hw::dma_cycles(64, 16) == 4);
  REQUIRE(hw::dma_cycles(40, 16) == 3);  // 2.5 -> 3
  REQUIRE(hw::dma_cycles(1, 16) == 1);
  REQUIRE(hw::dma_cycles(100, 12.5) == 8);  // exactly 8, not rounded up to 9
}

TEST_CASE("a queue slower than DRAM moves at its own rate") {
  Setup c;
  c.dram.bandwidth = 64e9;  // DRAM 64 B/cycle: 64 B in 1 cycle; the queue's 16 B/cycle: 4
  base::Stats s;
  run_dma(c, {{dma(64, isa::TrafficClass::weights)}}, s);
  REQUIRE(s.get("dma.queue_busy_cycles") == 4);
  REQUIRE(s.layer(0).end == 4);
}

TEST_CASE("DRAM latency adds to the DRAM side of a transfer") {
  Setup c;
  c.dram.latency_s = 10e-9;  // 10 cycles at 1 GHz
  base::Stats s;
  run_dma(c, {{dma(64, isa::TrafficClass::io)}}, s);
  // max(0 + 4 at the queue's rate, DRAM 0..4 + 10) = 14
  REQUIRE(s.layer(0).end == 14);
}

TEST_CASE("dma.start_latency delays a transfer after its semaphore, not its queue") {
  Setup c;
  c.dma.start_latency_s = 20e-9;     // 20 cycles at 1 GHz
  c.dma.transfer_overhead_s = 3e-9;  // 3 cycles
  base::Stats s;
  s.tracing = true;
  // Queue 0 (engine 2): A (64 B) and C (32 B), no deps; queue 1 (engine 3): B (32 B) after A.
  // A: busy 0..3 (overhead), data 3..7 (64 B at 16 B/cycle). C follows at once: 7..10, data
  // 10..12. B: A completed at 7, so B starts at 7 + 20 = 27 (its queue idle meanwhile, not busy),
  // overhead 27..30, data 30..32. Busy: A 7 + C 5 + B 5 = 17.
  isa::DepPool pool;
  isa::Instr b = dma(32, isa::TrafficClass::weights);
  b.deps = pool.add({{2, 1}});
  run_dma(c, {{dma(64, isa::TrafficClass::weights), dma(32, isa::TrafficClass::weights)}, {b}}, s);
  REQUIRE(s.trace.size() == 3);
  REQUIRE(s.trace[1].start == 7);
  REQUIRE(s.trace[1].end == 12);
  REQUIRE(s.trace[2].start == 27);
  REQUIRE(s.trace[2].end == 32);
  REQUIRE(s.layer(0).end == 32);
  REQUIRE(s.get("dma.queue_busy_cycles") == 17);
}

TEST_CASE("dma.transfer_overhead makes small transfers fall short of the queue's rate") {
  Setup c;
  c.dma.transfer_overhead_s = 4e-9;  // 4 cycles: the time the queue moves 64 B in
  base::Stats s;
  // Four 64 B transfers: 4 x (4 + 4) = 32 cycles, half the queue's rate (one of 256 B would
  // take 4 + 16 = 20).
  run_dma(c,
          {{dma(64, isa::TrafficClass::io), dma(64, isa::TrafficClass::io),
            dma(64, isa::TrafficClass::io), dma(64, isa::TrafficClass::io)}},
          s);
  REQUIRE(s.layer(0).end == 32);
  REQUIRE(s.get("dma.queue_busy_cycles") == 32);
}

TEST_CASE("dma.start_latency is read from a hardware file and written back when set") {
  const auto rc = config::load_run(NCORE_SOURCE_DIR "/configs/runs/tiny_cnn.yaml",
                                   {{"hw.dma.start_latency", "1.3 us", "test"}});
  REQUIRE(rc.hw.dma.start_latency_s == Approx(1.3e-6));
  REQUIRE(config::resolved_yaml(rc, ".").find("start_latency: 1.3e-06") != std::string::npos);
  const auto none = config::load_run(NCORE_SOURCE_DIR "/configs/runs/tiny_cnn.yaml");
  REQUIRE(config::resolved_yaml(none, ".").find("start_latency") == std::string::npos);
}

TEST_CASE("two queues share one DRAM channel") {
  Setup c;
  base::Stats s;
  run_dma(c, {{dma(64, isa::TrafficClass::weights)}, {dma(64, isa::TrafficClass::io)}}, s);
  // Both start at 0; the channel serves one 0..4 and the other 4..8: busy 4 + 8 = 12 cycles,
  // the layer's DMA busy 8 (cycles in which at least one queue moved its bytes).
  REQUIRE(s.get("dma.queue_busy_cycles") == 12);
  REQUIRE(s.layer(0).end == 8);
  REQUIRE(s.layer(0).dma_busy() == 8);
}

TEST_CASE("DMA bytes are counted by traffic class and direction") {
  Setup c;
  base::Stats s;
  s.tracing = true;
  run_dma(c,
          {{dma(40, isa::TrafficClass::weights), dma(64, isa::TrafficClass::io, true),
            dma(32, isa::TrafficClass::spill)}},
          s);
  REQUIRE(s.get("dram.read_bytes.weights") == 40);
  REQUIRE(s.get("dram.write_bytes.io") == 64);
  REQUIRE(s.get("dram.read_bytes.spill") == 32);
  REQUIRE(s.get("dram.read_bytes.io") == 0);
  REQUIRE(s.layer(0).read_bytes[0] == 40);
  REQUIRE(s.layer(0).write_bytes[1] == 64);
  REQUIRE(s.layer(0).read_bytes[2] == 32);
  // In order on one queue: 0..3, 3..7, 7..9; the trace keeps bytes and class.
  REQUIRE(s.trace.size() == 3);
  REQUIRE(s.trace[1].op == static_cast<uint8_t>(isa::Op::dma_write));
  REQUIRE(s.trace[1].start == 3);
  REQUIRE(s.trace[1].end == 7);
  REQUIRE(s.trace[1].a == 64);
  REQUIRE(s.trace[1].b == 1);  // io
  REQUIRE(s.trace[2].end == 9);
}

TEST_CASE("a transfer the SBUF write port cannot keep up with stalls its queue") {
  Setup c;
  c.sbuf.write_bytes_per_cycle = 1;  // 4 partitions x 1 B: 64 B take 16 cycles
  base::Stats s;
  run_dma(c, {{dma(64, isa::TrafficClass::weights)}}, s);
  // DRAM and the queue are done at 4, the port at 16: 12 cycles of port stall.
  REQUIRE(s.layer(0).end == 16);
  REQUIRE(s.layer(0).port_stall == 12);
  REQUIRE(s.get("state_buffer.port_stall_cycles") == 12);
}
