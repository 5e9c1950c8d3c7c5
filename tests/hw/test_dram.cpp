// DRAM channels: a transfer takes bytes / bandwidth after what the channels already hold.
#include <catch2/catch.hpp>

#include "base/stats.h"
#include "config/dram_presets/registry.h"
#include "hw/dram.h"

using namespace ncore;

TEST_CASE("two transfers on one channel share its bandwidth") {
  config::DramConfig c;
  c.channels = 1;
  c.bandwidth = 16e9;  // 16 bytes per cycle at 1 GHz
  c.latency_s = 5e-9;  // 5 cycles
  ncore::base::Stats s;
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
  ncore::base::Stats s;
  hw::Dram d("dram", c, 1e9, s);
  // 160 bytes: 40 per channel at 4 B/cycle = 10 cycles, as one 16 B/cycle channel
  REQUIRE(d.transfer(0, 160).end == 10);
  // 6 bytes: shares 1, 2, 1, 2 -> the 2-byte channels finish at 10 + 1
  REQUIRE(d.transfer(0, 6).end == 11);
}

namespace {
// Two DMA-queue stand-ins: each moves `bytes` from cycle 0 through the DRAM port, issuing its
// requests at 32 B per cycle.
struct TwoQueues : sc_core::sc_module {
  sc_core::sc_port<hw::DramIf> dram;
  uint64_t bytes = 0;
  hw::DramIf::Span a, b;
  explicit TwoQueues(sc_core::sc_module_name n) : sc_module(n), dram("dram") {
    SC_HAS_PROCESS(TwoQueues);
    SC_THREAD(first);
    SC_THREAD(second);
  }
  void first() { a = dram->transfer(0, bytes, 0, 32); }   // weights read
  void second() { b = dram->transfer(0, bytes, 2, 32); }  // io read: another DRAM region
};
}  // namespace

TEST_CASE("banked DRAM: two DMA queues on one channel share it through the controller's queue") {
  config::DramConfig c;
  c.model = config::DramModel::banks;
  c.channels = 1;
  c.timing = config::DramPresetRegistry::instance().find("ddr4-2400")->timing;
  c.timing.t_refi = 1e12;  // no refresh
  base::Stats s;
  hw::Dram d("dram", c, 1e9, s);  // 1 GHz: a cycle is a ns
  TwoQueues q("q");
  q.bytes = 1u << 20;
  q.dram(d);
  sc_core::sc_start();
  // One queue alone would take 1 MiB / 19.2 GB/s = 54.6 us (its requests come faster, at
  // 32 GB/s); the two share the bus and both finish near 2 x 54.6 us, the controller
  // interleaving their requests as they arrive.
  const double one = (1u << 20) / 64.0 * c.timing.t_burst;
  const double last = static_cast<double>(std::max(q.a.end, q.b.end));
  const double first = static_cast<double>(std::min(q.a.end, q.b.end));
  REQUIRE(last == Approx(2 * one).epsilon(0.002));
  REQUIRE(first > 1.9 * one);
  // Each stream opens each of its rows at least once.
  REQUIRE(s.get("dram.row_misses") >= 2 * (1u << 20) / c.timing.row_bytes);
}
