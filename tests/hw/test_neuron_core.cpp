// The whole core on a hand-computed program: one linear layer, K = M = 4, batch 8, on the 4x4
// tiny config (1 GHz, 16 B/cycle DRAM and queues, latency 0, no weight preload, I = 0).
// Each TEST_CASE elaborates once: CTest runs it in its own process.
#include <catch2/catch.hpp>

#include "report/outputs.h"
#include "test_runs.h"

using namespace ncore;

namespace {
// The single-tile run: one linear layer, K = M = 4, batch 8, on tiny.yaml, with overrides o.
test::Run single_tile_run(const std::string& name) {
  return test::tiny_run(name).model(test::kOneTile).batch(8);
}

// The single tile with one DMA queue (transfers in program order) and key = value, simulated.
base::Stats one_queue_tile(const std::string& name, const std::string& key,
                           const std::string& value) {
  const auto rc = single_tile_run(name).set("hw.dma.queues", "1").set(key, value).load();
  return test::simulate(rc, planner::plan(rc));
}
}  // namespace

TEST_CASE("a single-tile matmul run takes the hand-computed cycles") {
  const auto rc = single_tile_run("one_tile").load();
  const auto p = planner::plan(rc);
  REQUIRE(p.queues[isa::kTensorEngine].size() == 1);
  const base::Stats s = test::simulate(rc, p);
  // MatMul{4, 4, 8}: load 4 + stream 8 + fill/drain 4 + 4 - 2 = 18
  REQUIRE(s.get("tensor_engine.busy_cycles") == 18);
  REQUIRE(s.get("tensor_engine.macs") == 4 * 4 * 8);
  // Input 4 x 8 x 2 B = 64 B on queue 0: DRAM 0..4. Weights (16 + 4 bias) * 2 B = 40 B on
  // queue 1 wait for the one channel: 4..6.5, done at 7 (test_outputs.cpp checks the trace).
  // MatMul 7..25; evict ceil(4 / 4 lanes) * 8 = 8 vector cycles at 1 GHz: 25..33;
  // output 64 B back to DRAM: 33..37.
  const auto& l = s.layers()[0];
  REQUIRE(l.start == 0);
  REQUIRE(l.end == 37);
  REQUIRE(l.tensor_busy == 18);
  REQUIRE(l.vector_busy == 8);
  REQUIRE(l.stall == 7);  // the tensor engine waited 0..7 for weights and input
  REQUIRE(s.get("dram.read_bytes.weights") == 40);
  REQUIRE(s.get("dram.read_bytes.io") == 64);
  REQUIRE(s.get("dram.write_bytes.io") == 64);
  const auto sum = report::make_summary(rc, p, &s);
  REQUIRE(sum["cycles"] == 37);
  // utilization: 128 MACs / (16 PEs * 18 cycles)
  REQUIRE(sum["tensor_engine"]["utilization"].get<double>() == Approx(128.0 / 288.0));
  // Energy with tiny.yaml's round figures: 128 MACs x 1 pJ; SBUF port 40 + 64 (DMA in) + 64
  // (MatMul moving data) + 64 (evict) + 64 (DMA out) = 296 B x 2 pJ; PSUM 128 B written + 128 B
  // read x 3 pJ; DRAM 40 + 64 + 64 = 168 B x 100 pJ; 32 lane-cycles x 0.5 pJ; static
  // 0.5 + 0.25 + 0.125 + 0.125 = 1 W x 37 ns.
  const auto& e = sum["energy"];
  REQUIRE(e["tensor_j"].get<double>() == Approx(128e-12));
  REQUIRE(e["vector_j"].get<double>() == Approx(8 * 4 * 0.5e-12));  // 8 vector cycles x 4 lanes
  REQUIRE(e["sbuf_j"].get<double>() == Approx(592e-12));
  REQUIRE(e["psum_j"].get<double>() == Approx(768e-12));
  REQUIRE(e["dram_j"].get<double>() == Approx(16800e-12));
  REQUIRE(e["static_j"].get<double>() == Approx(37e-9));
  REQUIRE(e["total_j"].get<double>() == Approx(55304e-12));
  REQUIRE(e["per_inference_j"].get<double>() == Approx(55304e-12 / 8));
}

TEST_CASE("background weight preload hides the next tile's load behind the stream") {
  // K = 8 on a 4-row array: two MatMuls of 4 x 4 x 8 accumulate in one PSUM bank.
  const auto rc = test::tiny_run("preload")
                      .model(
                          "name: two_tiles\ninput: {channels: 8}\nlayers:\n"
                          "  - {name: fc, kind: linear, out_features: 4, bias: false}\n")
                      .batch(8)
                      .set("hw.tensor_engine.weight_preload", "background")
                      .set("hw.tensor_engine.preload_speedup", "2")
                      .load();
  const auto p = planner::plan(rc);
  REQUIRE(p.queues[isa::kTensorEngine].size() == 2);
  const base::Stats s = test::simulate(rc, p);
  // First MatMul pays ceil(4 / 2) = 2: 2 + 8 + 6 = 16. The second tile's load starts when the
  // first starts streaming (2 cycles after it starts) and ends 2 cycles later, long before the
  // first ends: the second pays 0: 8 + 6 = 14. Busy = 30.
  REQUIRE(s.get("tensor_engine.busy_cycles") == 30);
}

TEST_CASE("a narrow state-buffer write port stalls DMA and evictions, attributed to the layer") {
  // 1 B per cycle per partition x 4 partitions = 4 B/cycle of writes into SBUF.
  const base::Stats s = one_queue_tile("port", "hw.state_buffer.write_bytes_per_cycle", "1");
  // Weights 40 B: DRAM done at 3, the write port at 40 / 4 = 10: 7 port-stall cycles.
  // Input 64 B from 10: DRAM 10..14, the port 10..26: 12 stall cycles.
  // MatMul 26..44 (18 cycles, reads 64 B at 1 KiB/cycle: no stall).
  // Evict: 8 vector cycles, but writing 64 B takes 16: 44..60, 8 stall cycles.
  // Output 64 B to DRAM 60..64 (the read port is wide).
  const auto& l = s.layers()[0];
  REQUIRE(l.end == 64);
  REQUIRE(l.port_stall == 7 + 12 + 8);
  REQUIRE(s.get("state_buffer.port_stall_cycles") == 27);
  REQUIRE(l.tensor_busy == 18);
}

TEST_CASE("a narrow state-buffer read port stalls the MatMul and the output DMA") {
  // 0.5 B per cycle per partition x 4 partitions = 2 B/cycle of reads out of SBUF.
  const base::Stats s = one_queue_tile("rport", "hw.state_buffer.read_bytes_per_cycle", "0.5");
  // Weights 40 B and input 64 B written by 3 and 3 + 4 = 7 (the write port is wide). The
  // MatMul (18 cycles) reads its 64 B moving data in 32: 7..39, 14 stall cycles. Evict
  // 39..47. The output DMA reads 64 B in 32 cycles (DRAM 4): 47..79, 28 stall cycles.
  const auto& l = s.layers()[0];
  REQUIRE(l.end == 79);
  REQUIRE(l.port_stall == 14 + 28);
  REQUIRE(l.tensor_busy == 18 + 14);
}

TEST_CASE("with a shared SBUF width, DMA writes and engine reads contend") {
  config::StateBufferConfig c;
  c.partitions = 4;
  c.read_bytes_per_cycle = c.write_bytes_per_cycle = 8;  // 32 B/cycle each way
  base::Stats s;
  hw::StateBuffer separate("separate", c, {0}, s);
  // An engine reads 64 B at cycle 0 and a DMA writes 64 B at cycle 0: 2 cycles each, in
  // parallel on their own ports.
  REQUIRE(separate.access(0, 64, 0, 0) == 2);
  REQUIRE(separate.access(0, 0, 64, 0) == 2);
  // The SRAM moves 8 B per cycle per partition in all (32 B/cycle): the write waits for the
  // read, done at 4, 2 cycles of port stall for the DMA.
  c.shared_bytes_per_cycle = 8;
  hw::StateBuffer shared("shared", c, {0}, s);
  REQUIRE(shared.access(0, 64, 0, 0) == 2);
  REQUIRE(shared.access(0, 0, 64, 0) == 4);
}

TEST_CASE(
    "pipelined timing frees the array R + C - 2 cycles early, its dependents wait as before") {
  // One linear layer of 4 x 4 at batch 8 on the 4x4 array: a single MatMul{4, 4, 8} and its
  // eviction. The eviction waits for the sums either way, so the run takes the same cycles, but
  // pipelined the array is busy 4 + 4 - 2 = 6 cycles less (18 -> 12 with its load of 4).
  const char* model =
      "name: one\ninput: {channels: 4}\nlayers:\n"
      "- {name: fc, kind: linear, out_features: 4, bias: false}\n";
  const auto serial = test::Run("serial_one", "").model(model).batch(8).run("--no-trace");
  const auto piped = test::Run("piped_one", "")
                         .model(model)
                         .batch(8)
                         .set("hw.tensor_engine.timing", "pipelined")
                         .run("--no-trace");
  REQUIRE(serial.summary["tensor_engine"]["matmuls"] == 1);
  REQUIRE(serial.summary["tensor_engine"]["busy_cycles"].get<uint64_t>() ==
          piped.summary["tensor_engine"]["busy_cycles"].get<uint64_t>() + 6);
  REQUIRE(serial.summary["cycles"] == piped.summary["cycles"]);
}

TEST_CASE("pipelined timing keeps functional mode exact on the tiny CNN and runs faster") {
  const auto serial = test::tiny_run("tiny_serial").run("--no-trace");
  const auto piped = test::tiny_run("tiny_piped")
                         .set("hw.tensor_engine.timing", "pipelined")
                         .set("options.functional", "true")
                         .run("--no-trace");
  REQUIRE(piped.summary["functional"]["passed"] == true);
  REQUIRE(piped.summary["cycles"].get<uint64_t>() < serial.summary["cycles"].get<uint64_t>());
  REQUIRE(piped.summary["macs"] == serial.summary["macs"]);
}
