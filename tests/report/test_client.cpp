// Dynamic batching arithmetic against hand-computed cases (DESIGN.md "Batching").
#include <catch2/catch.hpp>

#include "report/outputs.h"

using ncore::report::client_timing;

TEST_CASE("a client batch of 10 at compiled batch 4 is 3 invocations with 2 padded samples") {
  // h = 1 ms, d = 3 ms, o = 0.5 ms: first at 4.5 ms, then one every max = 3 ms: last at 10.5 ms
  const auto t = client_timing(10, 4, 1e-3, 3e-3, 0.5e-3);
  REQUIRE(t.invocations == 3);
  REQUIRE(t.padded_samples == 2);
  REQUIRE(t.first_completion_s == Approx(4.5e-3));
  REQUIRE(t.last_completion_s == Approx(10.5e-3));
  REQUIRE(t.throughput_inferences_per_s == Approx(10 / 10.5e-3));
}

TEST_CASE("the host stage paces the pipeline when it is the slowest") {
  // h = 5, d = 2, o = 1 (ms), 8 requests at b = 8: one invocation, no padding
  auto t = client_timing(8, 8, 5e-3, 2e-3, 1e-3);
  REQUIRE(t.invocations == 1);
  REQUIRE(t.padded_samples == 0);
  REQUIRE(t.last_completion_s == Approx(8e-3));
  // 17 requests at b = 8: 3 invocations, 7 padded; 8 + 2 * 5 = 18 ms
  t = client_timing(17, 8, 5e-3, 2e-3, 1e-3);
  REQUIRE(t.invocations == 3);
  REQUIRE(t.padded_samples == 7);
  REQUIRE(t.last_completion_s == Approx(18e-3));
}

TEST_CASE(
    "with N requests in flight an invocation waits for the host when latency over N is longer") {
  using ncore::report::invocation_period;
  // unbounded (0): the device alone
  REQUIRE(invocation_period(4e-3, 6e-3, 0) == 4e-3);
  // N = 1.5: 6 / 1.5 = 4 ms, equal to the device: 4 ms
  REQUIRE(invocation_period(4e-3, 6e-3, 1.5) == Approx(4e-3));
  // N = 1.5, latency 7.5 ms: 7.5 / 1.5 = 5 ms > 4 ms device
  REQUIRE(invocation_period(4e-3, 7.5e-3, 1.5) == Approx(5e-3));
  // N = 1 (synchronous): the whole latency
  REQUIRE(invocation_period(4e-3, 7.5e-3, 1) == Approx(7.5e-3));
}
