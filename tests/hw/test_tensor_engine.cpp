// Tensor-engine timing: DESIGN.md's formula on hand-computed cases, without the kernel.
#include <catch2/catch.hpp>

#include "hw/tensor_engine.h"

using namespace ncore;

namespace {
config::TensorEngineConfig array(uint32_t r, uint32_t c, uint32_t issue) {
  config::TensorEngineConfig t;
  t.rows = r;
  t.cols = c;
  t.issue_interval = issue;
  t.weight_preload = config::WeightPreload::none;
  return t;
}
}  // namespace

TEST_CASE("matmul on a 4x4 array takes R + N + R + C - 2 cycles") {
  // load R = 4, then stream N = 8, fill/drain 4 + 4 - 2 = 6: total 18
  REQUIRE(hw::matmul_cycles(array(4, 4, 0), 8, 1.0) == 18);
}

TEST_CASE("NeuronCore-v2 fully connected at batch 1 pays the 64-cycle issue interval") {
  // 128 (load) + max(1, 64) + 128 + 128 - 2 = 446
  REQUIRE(hw::matmul_cycles(array(128, 128, 64), 1, 1.0) == 446);
  // N = 512 is past the interval: 128 + 512 + 254 = 894
  REQUIRE(hw::matmul_cycles(array(128, 128, 64), 512, 1.0) == 894);
}

TEST_CASE("dtype rates scale the streaming term") {
  config::DtypeRates r;
  r.int8 = 2;
  REQUIRE(config::rate_for(r, workload::DType::fp32) == 0.25);
  // FP32 at 1/4 rate: 4 N = 32 streaming cycles: 4 + 32 + 6 = 42
  REQUIRE(hw::matmul_cycles(array(4, 4, 0), 8, 0.25) == 42);
  // INT8 at 2x: ceil(9 / 2) = 5: 4 + 5 + 6 = 15
  REQUIRE(hw::matmul_cycles(array(4, 4, 0), 9, 2.0) == 15);
}

TEST_CASE("a background weight load costs ceil(R / s) in full") {
  auto t = array(128, 128, 64);
  t.weight_preload = config::WeightPreload::background;
  t.preload_speedup = 4;
  REQUIRE(hw::load_cycles(t) == 32);
  t.preload_speedup = 3;
  REQUIRE(hw::load_cycles(t) == 43);  // ceil(128 / 3)
  REQUIRE(hw::stream_cycles(t, 100, 1.0) == 354);
}

TEST_CASE("a background load runs beside the previous MatMul; the next pays what is left") {
  auto t = array(4, 4, 0);
  t.weight_preload = config::WeightPreload::background;
  t.preload_speedup = 2;
  // The first MatMul pays its load ceil(4 / 2) = 2 in full: 2 + 8 + 4 + 4 - 2 = 16, streaming
  // from cycle 2.
  const auto first = hw::matmul_timing(t, 8, 1.0, 0);
  REQUIRE(first.load == 2);
  REQUIRE(first.busy == 16);
  // The next tile's load runs 2..4, long before the second MatMul starts at 16: it pays 0,
  // 8 + 6 = 14.
  const auto second = hw::matmul_timing(t, 8, 1.0, 16, 2);
  REQUIRE(second.load == 0);
  REQUIRE(second.busy == 14);
  // Its weights reached SBUF only at 15: the load runs 15..17, one cycle past its start: 15.
  REQUIRE(hw::matmul_timing(t, 8, 1.0, 16, 15).busy == 15);
  // Without preload a load is never hidden: 4 + 14 = 18, whatever came before.
  REQUIRE(hw::matmul_timing(array(4, 4, 0), 8, 1.0, 16, 2).busy == 18);
}

TEST_CASE("in the non-overlapped form a MatMul's result is ready when it frees the engine") {
  // 128 + max(1, 64) + 254 = 446 cycles of occupancy, the sums in PSUM at its end.
  const auto t = hw::matmul_timing(array(128, 128, 64), 1, 1.0);
  REQUIRE(t.busy == 446);
  REQUIRE(t.ready == 446);
  REQUIRE(hw::matmul_cycles(array(128, 128, 64), 1, 1.0) == t.busy);
}

TEST_CASE(
    "pipelined, a MatMul occupies the array for its load and interval, ready R + C - 2 later") {
  auto t = array(4, 4, 0);
  t.timing = config::ArrayTiming::pipelined;
  // 4x4, N = 8, no preload: occupancy load 4 + 8 = 12; its sums reach PSUM 4 + 4 - 2 = 6 later.
  const auto a = hw::matmul_timing(t, 8, 1.0);
  REQUIRE(a.busy == 12);
  REQUIRE(a.ready == 18);
  // NeuronCore-v2 at batch 1 (N = 1, I = 64), no preload: 128 + 64 = 192, ready at 192 + 254.
  auto v2 = array(128, 128, 64);
  v2.timing = config::ArrayTiming::pipelined;
  REQUIRE(hw::matmul_timing(v2, 1, 1.0).busy == 192);
  REQUIRE(hw::matmul_timing(v2, 1, 1.0).ready == 446);
  // With a background load fully hidden (4x speed-up, 32 cycles, long done): max(512, 64) = 512.
  v2.weight_preload = config::WeightPreload::background;
  v2.preload_speedup = 4;
  REQUIRE(hw::matmul_timing(v2, 512, 1.0, 1000, 0).busy == 512);
}
