// options.prefetch: fill (the weight buffers grow into the SBUF the activations leave), a model
// file's `outputs:` (a consumed tensor the model also returns) and io_dtype (the bytes the host
// moves), on the tiny preset where every size is derived by hand.
#include <catch2/catch.hpp>

#include "planner/planner.h"
#include "test_runs.h"

using namespace ncore;

namespace {

// Two linears of 8 -> 8 on the tiny 4x4 array: each has two output-channel blocks of 4 channels
// x 8 inputs x 2 B = 64 B plus their 4 biases x 2 B, so the largest weight block is 72 B.
const char* kTwoLinears =
    "name: two\ninput: {channels: 8}\nlayers:\n"
    "  - {name: a, kind: linear, out_features: 8}\n"
    "  - {name: b, kind: linear, out_features: 8}\n";
constexpr uint64_t kBlock = 72;

test::Run two_linears(const std::string& name, const std::string& prefetch,
                      const std::string& capacity) {
  return test::tiny_run(name)
      .model(kTwoLinears)
      .batch(4)
      .set("options.prefetch", prefetch)
      .set("hw.state_buffer.capacity", capacity);
}

}  // namespace

TEST_CASE("prefetch fill adds a weight buffer per largest block the free SBUF holds") {
  const isa::Program fixed = two_linears("pf_fixed", "fixed", "1 MiB").plan();
  REQUIRE(fixed.fits);
  REQUIRE(fixed.weight_buffers == 2);
  REQUIRE(fixed.weight_region_bytes == 2 * kBlock);
  // Room for exactly three more blocks beside the fixed plan's peak (plus 10 spare bytes):
  // 2 + 3 = 5 buffers, and every layer's occupancy grows by 3 x 72 B, so the peak does too.
  const uint64_t cap = fixed.sbuf_peak + 3 * kBlock + 10;
  const isa::Program filled = two_linears("pf_fill", "fill", std::to_string(cap) + " B").plan();
  REQUIRE(filled.fits);
  REQUIRE(filled.weight_buffers == 5);
  REQUIRE(filled.weight_region_bytes == 5 * kBlock);
  REQUIRE(filled.sbuf_peak == fixed.sbuf_peak + 3 * kBlock);
  REQUIRE(filled.sbuf_peak <= cap);
  // The same DRAM traffic: only when the weights load changes.
  REQUIRE(filled.macs == fixed.macs);
}

TEST_CASE("prefetch fill stops at 64 buffers and adds none without a block's room") {
  REQUIRE(two_linears("pf_cap", "fill", "1 MiB").plan().weight_buffers == 64);
  // 71 B free beside the fixed plan's peak: less than one 72-byte block, so nothing changes.
  const isa::Program fixed = two_linears("pf_room_fixed", "fixed", "1 MiB").plan();
  const auto tight = std::to_string(fixed.sbuf_peak + kBlock - 1) + " B";
  const isa::Program same = two_linears("pf_room", "fill", tight).plan();
  REQUIRE(same.fits);
  REQUIRE(same.weight_buffers == 2);
  REQUIRE(same.sbuf_peak == fixed.sbuf_peak);
}

TEST_CASE("prefetch fill keeps functional results exact and reports its buffers") {
  const auto out = two_linears("pf_functional", "fill", "1 MiB")
                       .set("options.functional", "true")
                       .run("--no-trace");
  REQUIRE(out.summary["functional"]["passed"] == true);
  REQUIRE(out.summary["plan"]["weight_buffers"] == 64);
  const auto fixed = two_linears("pf_fixed_summary", "fixed", "1 MiB").run("--no-trace");
  REQUIRE_FALSE(fixed.summary["plan"].contains("weight_buffers"));
}

TEST_CASE(
    "a model's outputs key returns a consumed tensor too, and io_dtype sizes host transfers") {
  // a feeds b; both are outputs. At batch 4, fp16: a's output 8 x 4 x 2 = 64 B, b's 64 B.
  const std::string model = std::string(kTwoLinears) + "outputs: [a]\n";
  const auto run = test::tiny_run("outputs_key").model(model).batch(4);
  const isa::Program p = run.plan();
  REQUIRE(run.load().model.outputs() == std::vector<int>{1, 2});
  REQUIRE(p.output_bytes == 128);
  // The tiny host link is 1 GB/s: 128 B in 128 ns; with io_dtype fp32 (4 B for fp16's 2) 256 ns,
  // and the input (8 x 4 x 2 = 64 B) 64 ns -> 128 ns.
  const auto s16 = run.run("--no-trace").summary;
  REQUIRE(s16["host"]["output_transfer_s"].get<double>() == Approx(128e-9));
  const auto s32 = test::tiny_run("outputs_io32")
                       .model(model)
                       .batch(4)
                       .set("io_dtype", "fp32")
                       .run("--no-trace")
                       .summary;
  REQUIRE(s32["host"]["output_transfer_s"].get<double>() == Approx(256e-9));
  REQUIRE(s32["host"]["input_transfer_s"].get<double>() == Approx(128e-9));
  REQUIRE(s32["cycles"] == s16["cycles"]);  // the device is unchanged
}

TEST_CASE("a model's outputs key must name layers") {
  const std::string bad = std::string(kTwoLinears) + "outputs: [c]\n";
  const auto r = test::ncoresim("plan '" + test::tiny_run("outputs_bad").model(bad).file() + "'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains("outputs") && Catch::Contains("expected a layer name"));
  const std::string input = std::string(kTwoLinears) + "outputs: [input]\n";
  REQUIRE(
      test::ncoresim("plan '" + test::tiny_run("outputs_input").model(input).file() + "'").code ==
      2);
}
