// DRAM channels: a transfer takes bytes / bandwidth after what the channels already hold.
#include <catch2/catch.hpp>

#include "hw/dram.h"
#include "report/stats.h"

using namespace ncore;

TEST_CASE("two transfers on one channel share its bandwidth") {
  config::DramConfig c;
  c.channels = 1;
  c.bandwidth = 16e9;  // 16 bytes per cycle at 1 GHz
  c.latency_s = 5e-9;  // 5 cycles
  ncore::report::Stats s;
  hw::Dram d("dram", c, 1e9, s);
  // 160 bytes: 10 cycles, + 5 latency
  REQUIRE(d.transfer(0, 160).end == 15);
  // queued behind the first: channel free at 10, 10 more cycles, + 5
  REQUIRE(d.transfer(0, 160).end == 25);
  // later, an idle channel again
  const auto later = d.transfer(100, 16);
  REQUIRE(later.start == 100);
  REQUIRE(later.end == 106);
}

TEST_CASE("channels serve their interleaved shares in parallel") {
  config::DramConfig c;
  c.channels = 4;
  c.bandwidth = 16e9;  // 4 bytes per cycle per channel
  c.latency_s = 0;
  ncore::report::Stats s;
  hw::Dram d("dram", c, 1e9, s);
  // 160 bytes: 40 per channel at 4 B/cycle = 10 cycles, as one 16 B/cycle channel
  REQUIRE(d.transfer(0, 160).end == 10);
  // 6 bytes: shares 1, 2, 1, 2 -> the 2-byte channels finish at 10 + 1
  REQUIRE(d.transfer(0, 6).end == 11);
}
