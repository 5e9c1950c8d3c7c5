// options.weights: static (NeuronCore Pipeline's weights cached in SBUF): no weight DMA in the
// program, every weight counted once in the SBUF occupancy, and the same computation.
#include <catch2/catch.hpp>

#include "test_runs.h"

using namespace ncore;

namespace {

uint64_t weight_dma_bytes(const isa::Program& p) {
  uint64_t b = 0;
  for (size_t e = p.first_dma(); e < p.engines(); ++e)
    for (const auto& i : p.queues[e])
      if (i.dma().cls == isa::TrafficClass::weights) b += i.dma().bytes;
  return b;
}

}  // namespace

TEST_CASE("static weights: no weight traffic, the weights' bytes held for the whole invocation") {
  const isa::Program stream = test::tiny_run("sw_stream").plan();
  const isa::Program cached = test::tiny_run("sw_static").set("options.weights", "static").plan();
  // tiny_cnn's 26,986 parameters, fp16, all dense (no embedding table): streamed once per
  // invocation, or not at all.
  REQUIRE(weight_dma_bytes(stream) == test::kTinyCnnParams * 2);
  REQUIRE(weight_dma_bytes(cached) == 0);
  // The weight region is every weight block once: tiny_cnn's parameters, its depthwise conv's
  // 16 x 9 weights and 16 biases laid out as the lowering tiles them (here: exactly the
  // parameters, every layer's blocks holding its own weights and biases only).
  REQUIRE(cached.weight_region_bytes == test::kTinyCnnParams * 2);
  REQUIRE(stream.weight_region_bytes < cached.weight_region_bytes);
  // Every layer holds the region: occupancy rises by the difference of the regions, layer by
  // layer, wherever no stream slot differs.
  REQUIRE(cached.layers.size() == stream.layers.size());
  for (size_t l = 0; l < stream.layers.size(); ++l) {
    if (stream.layers[l].sbuf_bytes == 0) continue;
    INFO(stream.layers[l].name);
    REQUIRE(cached.layers[l].sbuf_bytes >= cached.weight_region_bytes);
  }
  REQUIRE(cached.macs == stream.macs);
}

TEST_CASE("static weights compute the network: functional mode against the reference") {
  const auto s = test::tiny_run("sw_functional")
                     .set("options.weights", "static")
                     .set("options.functional", "true")
                     .run()
                     .summary;
  REQUIRE(s["functional"]["passed"] == true);
  REQUIRE(s["dram"]["read_bytes"]["weights"] == 0);
}

TEST_CASE("static weights that cannot fit are infeasible, with spilling allowed or not") {
  // 48 KiB of SBUF: tiny_cnn's 53,972 bytes of weights alone do not fit. Spilling activations
  // cannot help and finer tiles cannot shrink whole weights: exit 3 at once either way.
  for (const char* spill : {"false", "true"}) {
    INFO("allow_spill " << spill);
    const auto s = test::tiny_run(std::string("sw_nofit_") + spill)
                       .set("options.weights", "static")
                       .set("options.allow_spill", spill)
                       .set("hw.state_buffer.capacity", "48 KiB")
                       .run("", 3)
                       .summary;
    REQUIRE(s["fits"] == false);
    REQUIRE(s["infeasible"]["shortfall_bytes"].get<uint64_t>() > 0);
  }
}

TEST_CASE("static weights that fit beside some activations: the others spill") {
  // tiny_cnn at batch 4 in 96 KiB: its 53,972 bytes of weights leave 44 KiB, less than the
  // 128 KiB of conv1's output alone: activations spill, weights stay (no weight traffic).
  const auto s = test::tiny_run("sw_spill")
                     .batch(4)
                     .set("options.weights", "static")
                     .set("hw.state_buffer.capacity", "96 KiB")
                     .run()
                     .summary;
  REQUIRE(s["fits"] == false);
  REQUIRE(s["dram"]["write_bytes"]["spill"].get<uint64_t>() > 0);
  REQUIRE(s["dram"]["read_bytes"]["weights"] == 0);
}
