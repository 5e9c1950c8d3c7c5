// The batching study's facts, from the planner (no kernel): weight traffic per inference falls
// as 1/b while nothing spills, spill starts past the max batch and grows with b, the max batch
// is non-decreasing in the state-buffer size, and activation_stationary is chosen only where it
// moves fewer DRAM bytes.
#include <catch2/catch.hpp>

#include "test_runs.h"

using namespace ncore;

namespace {

config::RunConfig resnet(uint64_t batch, const std::string& sbuf = "20 MiB",
                         const std::string& order = "auto") {
  return test::shipped_run("configs/runs/resnet50_inf1.yaml")
      .batch(batch)
      .set("hw.state_buffer.capacity", sbuf)
      .set("options.order", order)
      .load();
}

struct Traffic {
  uint64_t weights = 0, io = 0, spill = 0;
  uint64_t total() const { return weights + io + spill; }
};

Traffic traffic(const isa::Program& p) {
  Traffic t;
  for (size_t e = p.first_dma(); e < p.engines(); ++e)
    for (const auto& i : p.queues[e]) {
      const isa::Dma& d = i.dma();
      if (d.cls == isa::TrafficClass::weights) t.weights += d.bytes;
      if (d.cls == isa::TrafficClass::io) t.io += d.bytes;
      if (d.cls == isa::TrafficClass::spill) t.spill += d.bytes;
    }
  return t;
}

}  // namespace

TEST_CASE("while nothing spills, weight bytes per inference are exactly W / b") {
  const uint64_t w = resnet(1).model.weight_elems() * 2;  // fp16
  for (uint64_t b = 1; b <= 5; ++b) {
    const auto p = planner::plan(resnet(b));
    INFO("batch " << b);
    REQUIRE(p.fits);
    for (const auto& l : p.layers) REQUIRE(l.order != isa::Order::activation_stationary);
    const Traffic t = traffic(p);
    REQUIRE(t.spill == 0);
    REQUIRE(t.weights == w);  // so weights / b = W / b exactly
  }
}

TEST_CASE("spill bytes are zero up to the max batch and grow with b past it") {
  const auto mb =
      planner::max_batch(resnet(1).model, resnet(1).hw, workload::DType::fp16, resnet(1).options);
  REQUIRE(mb.max_batch == 5);  // inf1's 20 MiB is calibrated to the Neuron note's batch 5
  uint64_t prev = 0;
  for (uint64_t b = 1; b <= 12; ++b) {
    const uint64_t spill = traffic(planner::plan(resnet(b))).spill;
    INFO("batch " << b);
    if (b <= mb.max_batch) {
      REQUIRE(spill == 0);
    } else {
      REQUIRE(spill > prev);
      prev = spill;
    }
  }
}

TEST_CASE("the max batch is non-decreasing in the state-buffer size and exact") {
  uint64_t prev = 0;
  for (int mib = 4; mib <= 40; mib += 4) {
    const auto rc = resnet(1, std::to_string(mib) + " MiB");
    const auto m = planner::max_batch(rc.model, rc.hw, rc.dtype, rc.options);
    INFO(mib << " MiB: max batch " << m.max_batch);
    REQUIRE(m.max_batch >= prev);
    prev = m.max_batch;
    // It fits at max_batch without spilling and not at max_batch + 1, where the binding layer
    // is the first that overflows, by the reported shortfall.
    config::Options strict = rc.options;
    strict.allow_spill = false;
    if (m.max_batch > 0)
      REQUIRE(planner::plan(rc.model, rc.hw, m.max_batch, rc.dtype, strict).feasible);
    const auto over = planner::plan(rc.model, rc.hw, m.max_batch + 1, rc.dtype, strict);
    REQUIRE_FALSE(over.feasible);
    REQUIRE(over.infeasible.layer == m.binding_layer);
    REQUIRE(over.infeasible.shortfall_bytes == m.shortfall_bytes);
  }
}

TEST_CASE("activation_stationary is chosen only where it moves fewer DRAM bytes") {
  for (const char* sbuf : {"8 MiB", "12 MiB"}) {
    const auto automatic = planner::plan(resnet(8, sbuf));
    const auto ws = planner::plan(resnet(8, sbuf, "weight_stationary"));
    INFO(sbuf);
    size_t as_layers = 0;
    for (const auto& l : automatic.layers)
      as_layers += l.order == isa::Order::activation_stationary;
    for (const auto& l : ws.layers) REQUIRE(l.order != isa::Order::activation_stationary);
    REQUIRE(as_layers > 0);
    const Traffic a = traffic(automatic), w = traffic(ws);
    REQUIRE(a.total() < w.total());
    REQUIRE(a.weights > w.weights);  // the re-streamed weights count as weights
    REQUIRE(automatic.macs == ws.macs);
  }
}

TEST_CASE("a working set too big for the state buffer is tiled finer rather than failed") {
  // At 2 MiB, ResNet-50's weight buffers alone (2 x 1.18 MB for a 128-wide block of layer4's
  // 3x3 convs) do not fit: the planner narrows the output-channel blocks and the chunks.
  const auto rc = resnet(2, "2 MiB");
  const auto p = planner::plan(rc);
  REQUIRE(p.feasible);
  REQUIRE(p.tiled);
  REQUIRE(p.tiling_m_cap < rc.hw.tensor_engine.cols);
  REQUIRE(p.sbuf_peak <= 2u << 20);
  REQUIRE(p.macs == rc.model.macs_per_sample() * 2);
  for (const auto& i : p.queues[isa::kTensorEngine]) {
    REQUIRE(i.matmul().m <= p.tiling_m_cap);
    REQUIRE(i.matmul().n <= p.tiling_chunk_cap);
  }
  // The default 20 MiB needs no such fallback.
  REQUIRE_FALSE(planner::plan(resnet(2)).tiled);
}
