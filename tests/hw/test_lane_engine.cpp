// The fixed costs every lane engine (vector, scalar, GpSimd) shares, without the kernel:
// busy = max(s, O), ready = O + 2A + s in engine cycles, converted to core cycles once
// (hw/lane_engine.h, from the NKI architecture guide).
#include <catch2/catch.hpp>

#include "hw/lane_engine.h"

using namespace ncore;

TEST_CASE("fixed costs off leave an instruction at its streaming cycles") {
  const auto t = hw::lane_timing(10, {}, 2.8e9, 1.12e9);
  REQUIRE(t.busy == 25);  // 10 engine cycles x 2.5 core cycles each
  REQUIRE(t.ready == 25);
}

TEST_CASE("a long instruction hides its static overhead but not from a dependent") {
  // s = 200, O = 100, A = 60, engine at the core clock: busy max(200, 100) = 200; ready
  // 100 + 2 x 60 + 200 = 420.
  const auto t = hw::lane_timing(200, {100, 60}, 1.4e9, 1.4e9);
  REQUIRE(t.busy == 200);
  REQUIRE(t.ready == 420);
}

TEST_CASE("a short instruction occupies its engine for the static overhead") {
  // s = 1 (one element per lane): busy max(1, 100) = 100, ready 100 + 120 + 1 = 221; at 1.12 GHz
  // from a 2.8 GHz core: 250 and ceil(552.5) = 553.
  const auto t = hw::lane_timing(1, {100, 60}, 1.4e9, 1.4e9);
  REQUIRE(t.busy == 100);
  REQUIRE(t.ready == 221);
  const auto v = hw::lane_timing(1, {100, 60}, 2.8e9, 1.12e9);
  REQUIRE(v.busy == 250);
  REQUIRE(v.ready == 553);
}
