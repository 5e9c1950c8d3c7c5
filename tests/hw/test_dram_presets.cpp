// Each DRAM preset's figures, from its file under src/config/dram_presets (one test per preset
// that is not exercised elsewhere): DDR5-4800's peak and its sequential stream.
#include <catch2/catch.hpp>

#include "config/dram_presets/registry.h"
#include "hw/dram_timing.h"

using ncore::config::DramPresetRegistry;
using ncore::hw::DramTiming;

TEST_CASE("DDR5-4800: 19.2 GB/s per sub-channel, and a stream at peak less refresh's share") {
  const auto t = DramPresetRegistry::instance().find("ddr5-4800")->timing;
  // BL16 on 32 bits: 64 B per 8 tCK of 0.4167 ns = 3.3336 ns: 19.2 GB/s.
  REQUIRE(t.burst_bytes / t.t_burst == Approx(19.2).epsilon(0.001));
  REQUIRE(t.banks == 32);
  REQUIRE(t.bank_groups == 8);
  DramTiming d(t, 1);
  const uint64_t bytes = 64ull << 20;  // 64 MiB in 4 KiB pieces, all issued at 0
  double end = 0;
  for (uint64_t a = 0; a < bytes; a += 4096) end = d.access(0, a, 4096);
  // As for DDR4 (test_dram_timing.cpp): the bus moves 64 B per tBURST and stops every tREFI
  // for tRFC plus the rows' reopening, tRCD + tCL: (295 + 16.25 + 16.67) / 3900 = 8.4 % of it.
  const double data_ns = static_cast<double>(bytes) / t.burst_bytes * t.t_burst;
  const double per_refresh = t.t_rfc + t.t_rcd + t.t_cl;
  REQUIRE(end == Approx(data_ns / (1 - per_refresh / t.t_refi) + t.t_rcd + t.t_cl).epsilon(0.003));
}
