// Conv lowering (planner/lowering.h): hand-derived MatMul counts and engine cycles of a small conv
// and a small depthwise conv in each lowering on configs/hw/tiny.yaml (4x4 array, no preload, no
// issue interval, serial timing: a MatMul of N columns takes R + N + R + C - 2 = N + 10; 4 vector
// lanes, tensor and vector engines at 1 GHz), the planner's cost-based choices, functional mode
// under every forced lowering, and the depthwise bound for MobileNetV2 on inf1 and trn1.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "planner/lowering.h"
#include "test_runs.h"

using namespace ncore;

namespace {

// 6 input channels, 6 x 6, a 3x3 conv to 4 channels: K = 54, M = 4, N = 36 per sample.
const char* kConv =
    "name: conv\ninput: {channels: 6, height: 6, width: 6}\nlayers:\n"
    "  - {name: c, kind: conv2d, out_channels: 4, kernel: 3, padding: 1}\n";
// 8 channels, 6 x 6, a 3x3 depthwise conv: per group K = 9, M = 1; 8 * 36 * 9 = 2592 MACs.
const char* kDepthwise =
    "name: dw\ninput: {channels: 8, height: 6, width: 6}\nlayers:\n"
    "  - {name: d, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, groups: 8}\n";
// A conv, a grouped conv (4 groups of 2 channels), a strided depthwise conv, a 1x1 conv and a
// linear layer: every lowering's MatMul shapes, on tiny's 4x4 array.
const char* kGrouped =
    "name: grouped\ninput: {channels: 6, height: 10, width: 9}\nlayers:\n"
    "  - {name: c1, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, activation: relu}\n"
    "  - {name: g, kind: conv2d, out_channels: 8, kernel: 3, padding: 1, groups: 4}\n"
    "  - {name: dw, kind: conv2d, out_channels: 8, kernel: 3, stride: 2, padding: 1, groups: 8, "
    "activation: relu}\n"
    "  - {name: pw, kind: conv2d, out_channels: 6, kernel: 1}\n"
    "  - {name: gap, kind: global_avgpool}\n"
    "  - {name: fc, kind: linear, out_features: 5}\n";

test::Run lowered(const std::string& name, const char* model, const std::string& conv,
                  const std::string& grouped) {
  return test::tiny_run(name)
      .model(model)
      .set("hw.tensor_engine.conv_lowering", conv)
      .set("hw.tensor_engine.grouped_lowering", grouped);
}

// The layer's (MatMuls, tensor busy, vector busy, lowering) from a run of the binary.
struct LayerRun {
  uint64_t matmuls, tensor, vector, macs;
  std::string lowering;
};
LayerRun layer_run(const test::Run& r) {
  const isa::Program p = r.plan();
  const auto csv = r.run("--no-trace").layers();
  return LayerRun{p.layers[0].matmuls, csv.count(0, "tensor_busy_cycles"),
                  csv.count(0, "vector_busy_cycles"), csv.count(0, "macs"), csv.at(0, "lowering")};
}

uint64_t on_chip_copies(const isa::Program& p) {
  uint64_t n = 0;
  for (size_t e = p.first_dma(); e < p.engines(); ++e)
    for (const isa::Instr& i : p.queues[e]) n += i.dma().on_chip;
  return n;
}

uint64_t on_chip_copy_bytes(const isa::Program& p) {
  uint64_t bytes = 0;
  for (size_t e = p.first_dma(); e < p.engines(); ++e)
    for (const isa::Instr& i : p.queues[e])
      if (i.dma().on_chip) bytes += i.dma().bytes;
  return bytes;
}

}  // namespace

TEST_CASE("the lowerings of a 3x3 conv: MatMuls and copies and tensor cycles by hand") {
  // packed: ceil(54 / 4) = 14 MatMuls (13 of K = 4, one of K = 2), each 36 + 10 = 46 cycles: 644.
  const LayerRun packed = layer_run(lowered("lw_packed", kConv, "packed", "array"));
  CHECK(packed.lowering == "im2col");
  CHECK(packed.matmuls == 14);
  CHECK(packed.tensor == 14 * 46);
  // im2col: the same MatMuls after one on-chip copy of the tile's im2col rows (its input is in
  // SBUF): 54 x 36 x 2 B = 3888 B, one DMA piece (< 4 KiB), no DRAM bytes.
  const auto im2col_run = lowered("lw_im2col", kConv, "im2col", "array");
  const LayerRun im2col = layer_run(im2col_run);
  CHECK(im2col.lowering == "im2col");
  CHECK(im2col.matmuls == 14);
  CHECK(im2col.tensor == 14 * 46);
  const isa::Program p = im2col_run.plan();
  CHECK(on_chip_copy_bytes(p) == 54 * 36 * 2);
  CHECK(on_chip_copies(p) == 1);
  const isa::Program pp = lowered("lw_packed_plan", kConv, "packed", "array").plan();
  CHECK(p.layers[0].read_bytes[1] == pp.layers[0].read_bytes[1]);
  // taps: 6 channels in blocks of 4 and 2, each over 9 taps: 18 MatMuls of 46 cycles: 828.
  const LayerRun taps = layer_run(lowered("lw_taps", kConv, "taps", "array"));
  CHECK(taps.lowering == "taps");
  CHECK(taps.matmuls == 18);
  CHECK(taps.tensor == 18 * 46);
  // every lowering executes the conv's 54 x 4 x 36 MACs once
  for (const LayerRun& r : {packed, im2col, taps}) CHECK(r.macs == 54 * 4 * 36);
}

TEST_CASE(
    "a depthwise conv per group and on the vector engine and block-diagonal: cycles by hand") {
  // array (today's): 8 groups x ceil(9 / 4) = 3 K blocks = 24 MatMuls of M = 1, 46 cycles each:
  // 1104; 8 evictions of ceil(1 / 4) x 36 = 36 vector cycles: 288.
  const LayerRun array = layer_run(lowered("lw_dw_array", kDepthwise, "packed", "array"));
  CHECK(array.lowering == "im2col");
  CHECK(array.matmuls == 24);
  CHECK(array.tensor == 24 * 46);
  CHECK(array.vector == 8 * 36);
  // vector: one op over the chunk, ceil(2592 MACs / 4 lanes) = 648 vector cycles = 648 core
  // cycles at equal clocks; no MatMul.
  const LayerRun vector = layer_run(lowered("lw_dw_vector", kDepthwise, "packed", "vector"));
  CHECK(vector.lowering == "vector");
  CHECK(vector.matmuls == 0);
  CHECK(vector.tensor == 0);
  CHECK(vector.vector == 648);
  // block_diagonal: min(4 / 1, 4 / 1) = 4 groups a tile, 2 tiles x 9 taps = 18 MatMuls of
  // K = M = 4 (46 cycles): 828; 2 evictions of 4 channels x 36: 72.
  const LayerRun diagonal =
      layer_run(lowered("lw_dw_diagonal", kDepthwise, "packed", "block_diagonal"));
  CHECK(diagonal.lowering == "block_diagonal");
  CHECK(diagonal.matmuls == 18);
  CHECK(diagonal.tensor == 18 * 46);
  CHECK(diagonal.vector == 2 * 36);
  // the MACs counted are the layer's, not the tile's zeros
  for (const LayerRun& r : {array, vector, diagonal}) CHECK(r.macs == 2592);
}

TEST_CASE(
    "conv_lowering cost picks im2col for a one-channel 3x3 conv and taps when C_in fills the "
    "rows") {
  // C_in = 1: taps is 9 MatMuls of K = 1, im2col 3 MatMuls of K <= 4 and a 648 B copy that
  // overlaps them; C_in = 8: 18 MatMuls either way, so the copy only costs: taps.
  const char* one =
      "name: one\ninput: {channels: 1, height: 6, width: 6}\nlayers:\n"
      "  - {name: c, kind: conv2d, out_channels: 4, kernel: 3, padding: 1}\n";
  const char* eight =
      "name: eight\ninput: {channels: 8, height: 6, width: 6}\nlayers:\n"
      "  - {name: c, kind: conv2d, out_channels: 4, kernel: 3, padding: 1}\n";
  const auto p1 = lowered("lw_cost_one", one, "cost", "array").plan();
  CHECK(p1.layers[0].lowering == isa::Lowering::im2col);
  CHECK(p1.layers[0].matmuls == 3);
  const auto p8 = lowered("lw_cost_eight", eight, "cost", "array").plan();
  CHECK(p8.layers[0].lowering == isa::Lowering::taps);
  CHECK(p8.layers[0].matmuls == 18);
}

TEST_CASE(
    "conv_lowering cost on trn1: ResNet-50's conv1 is im2col and its 3x3 convs of 128+ channels "
    "taps") {
  const auto p = test::shipped_run("configs/runs/resnet50_trn1.yaml", "lw_resnet")
                     .set("hw.tensor_engine.conv_lowering", "cost")
                     .plan();
  const auto rc = test::shipped_run("configs/runs/resnet50_trn1.yaml", "lw_resnet_rc").load();
  size_t taps = 0;
  for (size_t l = 0; l < p.layers.size(); ++l) {
    const workload::Layer& layer = rc.model.layers[l];
    INFO(layer.name);
    if (layer.name == "conv1") CHECK(p.layers[l].lowering == isa::Lowering::im2col);
    if (!layer.gemm) continue;
    const uint64_t khw = layer.window.kh * layer.window.kw;
    if (khw == 1) CHECK(p.layers[l].lowering == isa::Lowering::taps);  // one tap, no choice
    if (khw > 1 && layer.in_shapes[0].c % 128 == 0) {
      CHECK(p.layers[l].lowering == isa::Lowering::taps);
      ++taps;
    }
  }
  CHECK(taps > 0);
}

TEST_CASE(
    "grouped_lowering cost picks vector at equal clocks and block_diagonal with a slow vector "
    "engine") {
  // vector 648 cycles against block_diagonal 828 + 72; at a quarter of the vector clock
  // 2592 against 828 + 288.
  CHECK(lowered("lw_gcost", kDepthwise, "packed", "cost").plan().layers[0].lowering ==
        isa::Lowering::vector);
  CHECK(lowered("lw_gcost_slow", kDepthwise, "packed", "cost")
            .set("hw.vector_engine.clock", "250 MHz")
            .plan()
            .layers[0]
            .lowering == isa::Lowering::block_diagonal);
}

TEST_CASE("functional mode passes under every forced lowering (resident and streamed)") {
  const std::vector<std::pair<std::string, std::string>> forced = {
      {"im2col", "vector"}, {"taps", "block_diagonal"}, {"im2col", "block_diagonal"},
      {"taps", "vector"},   {"cost", "cost"},           {"taps", "array"}};
  for (const auto& [conv, grouped] : forced) {
    for (const char* sbuf : {"1 MiB", "16 KiB"}) {  // 16 KiB: activations spill and stream
      INFO(conv << " / " << grouped << ", SBUF " << sbuf);
      const std::string tag = conv + "_" + grouped + "_" + std::to_string(std::string(sbuf).size());
      for (const bool tiny_cnn : {true, false}) {
        test::Run r = tiny_cnn ? test::tiny_run("lw_fn_cnn_" + tag)
                               : test::tiny_run("lw_fn_grouped_" + tag).model(kGrouped).batch(2);
        r.set("hw.tensor_engine.conv_lowering", conv)
            .set("hw.tensor_engine.grouped_lowering", grouped)
            .set("hw.state_buffer.capacity", sbuf)
            .set("options.functional", "true");
        const auto out = r.run("--no-trace");
        CHECK(out.summary["functional"]["passed"] == true);
      }
    }
  }
}

namespace {

// The fixed costs a layer's lane-engine instructions may add to their streaming, in core cycles:
// each occupies its engine at least its static overhead (hw/lane_engine.h).
double fixed_costs(const config::HwConfig& hw, const isa::Program& p, size_t l) {
  double fixed = 0;
  const double fc = hw.tensor_engine.clock_hz;
  for (size_t e = 0; e < p.first_dma(); ++e) {
    double per = 0;
    switch (p.compute[e]) {
      case isa::ComputeEngine::vector:
        per = hw.vector_engine.fixed.static_overhead * fc / hw.vector_engine.clock_hz;
        break;
      case isa::ComputeEngine::scalar:
        per = hw.scalar_engine.fixed.static_overhead * fc / hw.scalar_engine.clock_hz;
        break;
      case isa::ComputeEngine::gpsimd:
        per = hw.gpsimd_engine.fixed.static_overhead * fc / hw.gpsimd_engine.clock_hz;
        break;
      default:
        continue;
    }
    for (const isa::Instr& i : p.queues[e])
      if (i.layer == l) fixed += std::ceil(per);
  }
  return fixed;
}

}  // namespace

TEST_CASE("MobileNetV2 on inf1 and trn1: each depthwise layer within its vector-engine bound") {
  // The target: a depthwise layer's cycles (the busy cycles of every engine it ran on)
  // <= ceil(MACs / lanes) x f_core / f_vector, rounded up to a whole cycle, plus its
  // instructions' fixed costs.
  for (const char* hw : {"inf1", "trn1"}) {
    INFO(hw);
    const auto run = test::shipped_run(std::string("configs/runs/resnet50_") + hw + ".yaml",
                                       std::string("lw_mbv2_") + hw)
                         .set("model", test::repo("models/mobilenetv2.yaml"))
                         .batch(1);
    const auto rc = run.load();
    const isa::Program p = run.plan();
    const auto csv = run.run("--no-trace").layers();
    const double ratio = rc.hw.tensor_engine.clock_hz / rc.hw.vector_engine.clock_hz;
    size_t depthwise = 0;
    for (size_t l = 0; l < rc.model.layers.size(); ++l) {
      const workload::Layer& layer = rc.model.layers[l];
      if (!layer.gemm || layer.gemm->groups == 1) continue;
      INFO(layer.name << " lowered " << csv.at(l, "lowering"));
      ++depthwise;
      const uint64_t macs = csv.count(l, "macs");
      uint64_t cycles = 0;
      for (const char* c :
           {"tensor_busy_cycles", "vector_busy_cycles", "scalar_busy_cycles", "gpsimd_busy_cycles"})
        if (std::find(csv.header().begin(), csv.header().end(), c) != csv.header().end())
          cycles += csv.count(l, c);
      const uint64_t lanes = rc.hw.vector_engine.lanes;
      const double bound =
          std::ceil(static_cast<double>((macs + lanes - 1) / lanes) * ratio - 1e-9) +
          fixed_costs(rc.hw, p, l);
      CHECK(macs == layer.macs_per_sample());
      CHECK(static_cast<double>(cycles) <= bound);
    }
    CHECK(depthwise == 17);
  }
}
