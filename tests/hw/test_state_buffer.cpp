// StateBuffer: its read and write ports as resources busy until a cycle, the optional shared
// width, and the planned occupancy sampled when each layer starts. access() is called directly,
// without running the kernel; constructing the module elaborates (a process per case).
#include <catch2/catch.hpp>

#include "hw/state_buffer.h"

using namespace ncore;

namespace {
// 4 partitions x 8 B per cycle each way: 32 B per cycle on each port.
config::StateBufferConfig ports_32() {
  config::StateBufferConfig c;
  c.capacity = 1 << 20;
  c.partitions = 4;
  c.read_bytes_per_cycle = c.write_bytes_per_cycle = 8;
  return c;
}
}  // namespace

TEST_CASE("two transfers on one SBUF port serialize") {
  base::Stats s;
  hw::StateBuffer sb("state_buffer", ports_32(), {0}, s);
  // 64 B at 32 B/cycle: 0..2; the second 64 B waits for the port: 2..4.
  REQUIRE(sb.access(0, 0, 64, 0) == 2);
  REQUIRE(sb.access(0, 0, 64, 0) == 4);
  // One arriving after the port is free starts at once: 10 + ceil(33 / 32) = 12.
  REQUIRE(sb.access(10, 0, 33, 0) == 12);
  REQUIRE(s.get("state_buffer.port_bytes") == 64 + 64 + 33);
}

TEST_CASE("reads and writes pass through separate ports in parallel") {
  base::Stats s;
  hw::StateBuffer sb("state_buffer", ports_32(), {0}, s);
  REQUIRE(sb.access(0, 64, 0, 0) == 2);  // the read port: 0..2
  REQUIRE(sb.access(0, 0, 96, 0) == 3);  // the write port: 0..3, not after the read
  // Reading and writing at once: done when the later port is, max(2 + 1, 3 + 2) = 5.
  REQUIRE(sb.access(0, 32, 64, 0) == 5);
  REQUIRE(sb.access(7, 0, 0, 0) == 7);  // no bytes: done at once
}

TEST_CASE("a shared SRAM width makes reads and writes wait for each other") {
  auto c = ports_32();
  c.shared_bytes_per_cycle = 4;  // 4 partitions x 4 B: 16 B/cycle for reads and writes together
  base::Stats s;
  hw::StateBuffer sb("state_buffer", c, {0}, s);
  // Read 32 B: its port 0..1, the shared width 0..2: done at 2.
  REQUIRE(sb.access(0, 32, 0, 0) == 2);
  // Write 32 B: its port 0..1, but the shared width is busy until 2: 2..4.
  REQUIRE(sb.access(0, 0, 32, 0) == 4);
}

TEST_CASE("the planned occupancy is sampled when each layer first touches the SBUF") {
  base::Stats s;
  hw::StateBuffer sb("state_buffer", ports_32(), {100, 300, 200}, s);
  REQUIRE(s.get("state_buffer.capacity_bytes") == 1 << 20);
  sb.access(0, 0, 0, 0);  // layer 0 starts at 0 with 100 B planned
  sb.access(3, 0, 0, 0);  // layer 0 again: no new sample
  sb.access(5, 0, 0, 2);  // layer 2 at 5: 200 B
  sb.access(7, 0, 0, 1);  // layer 1 at 7: 300 B
  using Sample = std::pair<uint64_t, uint64_t>;
  REQUIRE(s.sbuf_samples == std::vector<Sample>{{0, 100}, {5, 200}, {7, 300}});
  REQUIRE(s.get("state_buffer.peak_bytes") == 300);
}
