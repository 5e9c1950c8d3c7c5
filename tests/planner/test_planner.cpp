// Planner v1 invariants, without the kernel: MACs, weight bytes once per invocation, tile
// limits, spill decisions, infeasibility, and a replay order free of deadlock.
#include <algorithm>
#include <catch2/catch.hpp>

#include "test_runs.h"

using namespace ncore;

namespace {

config::RunConfig load(const std::string& run, uint64_t batch,
                       std::vector<config::Override> extra = {}) {
  return test::shipped_run(run).batch(batch).set(extra).load();
}

uint64_t sum_dma(const isa::Program& p, isa::Op op, isa::TrafficClass c) {
  uint64_t t = 0;
  for (size_t e = p.first_dma(); e < p.engines(); ++e)
    for (const auto& i : p.queues[e])
      if (i.op() == op && i.dma().cls == c) t += i.dma().bytes;
  return t;
}

// Executes the program abstractly (engines in order, each waiting on its deps); true when every
// instruction ran.
bool replays(const isa::Program& p) {
  std::vector<uint32_t> done(p.engines(), 0);
  bool progress = true;
  while (progress) {
    progress = false;
    for (size_t e = 0; e < p.engines(); ++e)
      while (done[e] < p.queues[e].size()) {
        const auto& i = p.queues[e][done[e]];
        const bool ready = std::all_of(i.deps.begin(), i.deps.end(), [&](const isa::Dep& d) {
          return done[d.engine] >= d.count;
        });
        if (!ready) break;
        ++done[e];
        progress = true;
      }
  }
  for (size_t e = 0; e < p.engines(); ++e)
    if (done[e] != p.queues[e].size()) return false;
  return true;
}

}  // namespace

TEST_CASE("MatMuls cover the model's MACs times the batch exactly") {
  for (uint64_t b : {1, 3}) {
    for (const char* run : {"configs/runs/tiny_cnn.yaml", "configs/runs/resnet50_trn1.yaml"}) {
      const auto rc = load(run, b);
      const auto p = planner::plan(rc);
      uint64_t macs = 0;
      for (const auto& i : p.queues[isa::kTensorEngine]) {
        const isa::MatMul& mm = i.matmul();
        macs += uint64_t{mm.k} * mm.m * mm.n;
      }
      INFO(run << " batch " << b);
      REQUIRE(macs == rc.model.macs_per_sample() * b);
      REQUIRE(p.macs == macs);
    }
  }
}

TEST_CASE("every MatMul tile fits the array and a PSUM bank") {
  const auto rc = load("configs/runs/resnet50_trn1.yaml", 2);
  const auto p = planner::plan(rc);
  for (const auto& i : p.queues[isa::kTensorEngine]) {
    const isa::MatMul& mm = i.matmul();
    REQUIRE(mm.k >= 1);
    REQUIRE(mm.k <= rc.hw.tensor_engine.rows);
    REQUIRE(mm.m <= rc.hw.tensor_engine.cols);
    REQUIRE(mm.n <= rc.hw.psum.moving_limit());
    REQUIRE(mm.n <= 512);
  }
}

TEST_CASE("weight bytes are read once per invocation whatever the batch") {
  for (const char* run : {"configs/runs/tiny_cnn.yaml", "configs/runs/resnet50_inf1.yaml"}) {
    const auto rc1 = load(run, 1);
    const uint64_t w = rc1.model.weight_elems() * 2;  // fp16
    for (uint64_t b : {1, 2, 4}) {
      const auto p = planner::plan(load(run, b));
      INFO(run << " batch " << b);
      REQUIRE(sum_dma(p, isa::Op::dma_read, isa::TrafficClass::weights) == w);
    }
  }
}

TEST_CASE("the network input is read and its output written once, as io") {
  const auto rc = load("configs/runs/tiny_cnn.yaml", 2);
  const auto p = planner::plan(rc);
  REQUIRE(p.fits);
  REQUIRE(sum_dma(p, isa::Op::dma_read, isa::TrafficClass::io) == 3 * 32 * 32 * 2 * 2);
  REQUIRE(sum_dma(p, isa::Op::dma_write, isa::TrafficClass::io) == 10 * 2 * 2);
  REQUIRE(sum_dma(p, isa::Op::dma_read, isa::TrafficClass::spill) == 0);
}

TEST_CASE("activations spill when the state buffer is too small, and not before") {
  const auto big = planner::plan(load("configs/runs/tiny_cnn.yaml", 4));
  REQUIRE(big.fits);
  REQUIRE(big.spilled_tensors == 0);
  const auto small = planner::plan(
      load("configs/runs/tiny_cnn.yaml", 4, {{"hw.state_buffer.capacity", "64 KiB", "test"}}));
  REQUIRE(small.feasible);
  REQUIRE_FALSE(small.fits);
  REQUIRE(small.sbuf_peak <= 64 * 1024);
  // The spills derived in test_runs.h, planned per layer, and the DMA queues move them.
  REQUIRE(small.layers.size() == test::kTinyCnnSpill64KiB.size());
  const auto spill = static_cast<size_t>(isa::TrafficClass::spill);
  uint64_t written = 0, read = 0, spilled = 0;
  for (size_t l = 0; l < small.layers.size(); ++l) {
    const auto& want = test::kTinyCnnSpill64KiB[l];
    INFO(want.layer);
    REQUIRE(small.layers[l].name == want.layer);
    REQUIRE(small.layers[l].write_bytes[spill] == want.write);
    REQUIRE(small.layers[l].read_bytes[spill] == want.read);
    REQUIRE(small.layers[l].output_resident == (want.write == 0 && l + 1 < small.layers.size()));
    written += want.write;
    read += want.read;
    spilled += want.write > 0;
  }
  REQUIRE(small.spilled_tensors == spilled);
  REQUIRE(sum_dma(small, isa::Op::dma_write, isa::TrafficClass::spill) == written);
  REQUIRE(sum_dma(small, isa::Op::dma_read, isa::TrafficClass::spill) == read);
  REQUIRE(replays(small));
}

TEST_CASE("with allow_spill false a plan that does not fit is infeasible at its first layer") {
  const auto rc = load(
      "configs/runs/tiny_cnn.yaml", 4,
      {{"hw.state_buffer.capacity", "64 KiB", "test"}, {"options.allow_spill", "false", "test"}});
  const auto p = planner::plan(rc);
  REQUIRE_FALSE(p.feasible);
  REQUIRE_FALSE(p.fits);
  // The same plan with room to spare says how much the first overflowing layer needs.
  const auto roomy = planner::plan(load("configs/runs/tiny_cnn.yaml", 4));
  for (size_t l = 0; l < roomy.layers.size(); ++l) {
    if (roomy.layers[l].sbuf_bytes <= 64 * 1024) continue;
    REQUIRE(p.infeasible.layer == roomy.layers[l].name);
    REQUIRE(p.infeasible.shortfall_bytes == roomy.layers[l].sbuf_bytes - 64 * 1024);
    break;
  }
}

TEST_CASE("residual inputs stay live until the add that consumes them") {
  const auto p = planner::plan(load("configs/runs/tiny_cnn.yaml", 1));
  // conv2's output (32x16x16 fp16 = 16 KiB) is live through res.conv1 and res.conv2 into
  // res.add, so each of those layers holds it besides its own input and output.
  auto at = [&](const std::string& n) {
    for (const auto& l : p.layers)
      if (l.name == n) return l.sbuf_bytes;
    return uint64_t{0};
  };
  const uint64_t t = 32 * 16 * 16 * 2;
  REQUIRE(at("res.conv2") == p.weight_region_bytes + 3 * t);  // conv2, res.conv1, res.conv2
  // res.add writes over one of its inputs, which it reads for the last time (options.in_place)
  REQUIRE(at("res.add") == p.weight_region_bytes + 2 * t);  // conv2, res.conv2 (= res.add)
}

TEST_CASE("a plan replays without deadlock on every engine") {
  for (uint64_t b : {1, 5})
    REQUIRE(replays(planner::plan(load("configs/runs/resnet50_inf1.yaml", b))));
}

TEST_CASE("vector ops cost lane-cycles times the configured passes of their class") {
  auto vector_cycles = [&](std::vector<config::Override> o) {
    const auto p = test::tiny_run("passes")
                       .model(
                           "name: sm\ninput: {channels: 4, height: 8}\nlayers:\n"
                           "  - {name: s, kind: softmax}\n"
                           "  - {name: p, kind: maxpool, kernel: [2, 1]}\n")
                       .batch(2)
                       .set(o)
                       .plan();
    std::vector<uint64_t> per_layer(p.layers.size(), 0);
    for (const auto& i : p.queues[isa::kVectorEngine])
      per_layer[i.layer] += i.vector().vector_cycles;
    return per_layer;
  };
  // softmax: 4 channels on 4 lanes, 2 x 8 positions, 3 passes by default: 48
  // maxpool 2x1 (stride 2x1): 2 x 4 positions x a 2-element window x 1 pass: 16
  REQUIRE(vector_cycles({}) == std::vector<uint64_t>{48, 16});
  REQUIRE(vector_cycles({{"hw.vector_engine.passes.softmax", "5", "test"},
                         {"hw.vector_engine.passes.pool", "1.5", "test"}}) ==
          std::vector<uint64_t>{80, 24});
}
