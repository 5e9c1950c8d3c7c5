// DRAM banks, bank groups, rows and refresh (dram.model: banks) against values derived by hand
// from the DDR4-2400 preset: tBURST 3.333 ns per 64 B (19.2 GB/s), tCL = tRCD = tRP = 14.16 ns,
// tRAS 32 ns, tRRD_S 3.3 ns, tRRD_L 4.9 ns, tCCD_L 5 ns, tRFC 350 ns every tREFI 7.8 us, 16 banks
// of 8 KB rows in 4 bank groups interleaved every 64 B: a 32 KB stripe is one row of one bank in
// each group; stripe s is bank s % 4 of its groups, row s / 4.
#include <catch2/catch.hpp>

#include "hw/dram_presets/registry.h"
#include "hw/dram_timing.h"
#include "test_util.h"

using ncore::hw::DramPresets;
using ncore::hw::DramTiming;

namespace {
ncore::config::DramTimingConfig ddr4() {
  return *DramPresets::instance().find("ddr4-2400");
}
}  // namespace

TEST_CASE("the DRAM preset registry lists every standard") {
  REQUIRE(DramPresets::instance().names() ==
          std::vector<std::string>{"ddr4-2400", "hbm2e", "lpddr4"});
}

TEST_CASE("a long sequential stream reaches peak bandwidth less refresh's share") {
  const auto t = ddr4();
  DramTiming d(t, 1);
  const uint64_t bytes = 64ull << 20;  // 64 MiB in 4 KiB DMA pieces, all issued at 0
  double end = 0;
  for (uint64_t a = 0; a < bytes; a += 4096) end = d.access(0, a, 4096);
  // Each row opens once (row-interleaved banks overlap their activations with the data); the
  // bus then moves 64 B per tBURST, stopping tRFC every tREFI: time = data / (1 - tRFC/tREFI)
  // plus the first access's tRCD + tCL.
  const double data_ns = static_cast<double>(bytes) / t.burst_bytes * t.t_burst;
  const double expect = data_ns / (1 - t.t_rfc / t.t_refi) + t.t_rcd + t.t_cl;
  REQUIRE(end == Approx(expect).epsilon(0.002));
  // Each 4 KiB piece touches one bank in each of the 4 groups; each row opens once.
  REQUIRE(d.row_misses == bytes / t.row_bytes);
  REQUIRE(d.row_hits == 4 * bytes / 4096 - bytes / t.row_bytes);
}

TEST_CASE("a row-miss stream pays precharge, activate and CAS on every access") {
  auto t = ddr4();
  t.t_refi = 1e12;  // no refresh in this case
  DramTiming d(t, 1);
  // 100 dependent 64 B reads, each to a new row of bank 0 of group 0 (16 x 8 KB apart)
  double now = 0, first = 0;
  for (int i = 0; i < 100; ++i) {
    now = d.access(now, static_cast<uint64_t>(i) * 16 * t.row_bytes, 64);
    if (i == 0) first = now;
  }
  REQUIRE(d.row_misses == 100);
  // Per access after the first: the previous row stays open for tRAS, then tRP, then the new
  // activate: a period of tRAS + tRP (46.16 ns), bounded below by tRP + tRCD + tCL (42.5 ns).
  const double period = (now - first) / 99;
  REQUIRE(period == Approx(t.t_ras + t.t_rp));
  REQUIRE(period >= t.t_rp + t.t_rcd + t.t_cl);
  // Closed page: every access activates, but the precharge follows the data at once.
  t.open_page = false;
  DramTiming c(t, 1);
  REQUIRE(c.access(0, 0, 64) == Approx(t.t_rcd + t.t_cl + t.t_burst));
}

TEST_CASE("two streams on one channel share its bandwidth") {
  auto t = ddr4();
  t.t_refi = 1e12;
  DramTiming one(t, 1), two(t, 1);
  double a = 0, b = 0;
  for (uint64_t x = 0; x < (1u << 20); x += 4096) a = one.access(0, x, 4096);
  for (uint64_t x = 0; x < (1u << 20); x += 4096) {  // two queues' requests interleaved
    b = two.access(0, x, 4096);
    b = std::max(b, two.access(0, (1ull << 32) + x, 4096));
  }
  const double data_ns = static_cast<double>(1u << 20) / t.burst_bytes * t.t_burst;
  REQUIRE(a == Approx(data_ns + t.t_rcd + t.t_cl).epsilon(0.001));
  REQUIRE(b == Approx(2 * data_ns + t.t_rcd + t.t_cl).epsilon(0.002));
}

TEST_CASE("refresh costs tRFC / tREFI of the time") {
  auto t = ddr4();
  DramTiming with(t, 1);
  t.t_refi = 1e12;
  DramTiming without(t, 1);
  const uint64_t bytes = 256ull << 20;
  const double a = with.access(0, 0, bytes), b = without.access(0, 0, bytes);
  // 256 MiB at 19.2 GB/s is ~14 ms: ~1790 refreshes of 350 ns
  REQUIRE(with.refreshes > 1700);
  REQUIRE((a - b) / a == Approx(350.0 / 7800.0).epsilon(0.01));
}

TEST_CASE("the bus turns around between reads and writes") {
  auto t = ddr4();
  t.t_refi = 1e12;
  DramTiming d(t, 1);
  // A 64 B read of row 0, then a 64 B write to the same open row issued at once: the write's
  // data waits for the read's data (tRCD + tCL + tBURST) plus the read-to-write turnaround.
  const double r = d.access(0, 0, 64, nullptr, false);
  REQUIRE(r == Approx(t.t_rcd + t.t_cl + t.t_burst));
  const double w = d.access(0, 64, 64, nullptr, true);
  REQUIRE(w == Approx(r + t.t_rtw + t.t_burst));
  // and back to a read: write-to-read
  const double r2 = d.access(0, 128, 64, nullptr, false);
  REQUIRE(r2 == Approx(w + t.t_wtr + t.t_burst));
}

TEST_CASE("first-ready scheduling: a later row hit overtakes a row miss still activating") {
  auto t = ddr4();
  t.t_refi = 1e12;
  DramTiming d(t, 1);
  d.access(0, 0, 64);  // opens row 0 of bank 0 (group 0)
  // At 40 ns a miss to bank 1 (row 5, stripe 5 x 4 + 1): activate at 40, data from
  // 40 + tRCD + tCL = 68.3 ns.
  const double miss = d.access(40, (5 * 4 + 1) * 4 * uint64_t{t.row_bytes}, 64);
  REQUIRE(miss == Approx(40 + t.t_rcd + t.t_cl + t.t_burst));
  // At 41 ns a hit to the open row of bank 0 (256 B on: group 0 again): ready at 41 + tCL, it
  // takes the bus before the miss's data (first come, first served would have put it after, at
  // 71.7 + 3.3 ns).
  const double hit = d.access(41, 256, 64);
  REQUIRE(hit == Approx(41 + t.t_cl + t.t_burst));
  REQUIRE(hit < miss);
  REQUIRE(d.row_hits == 1);
  REQUIRE(d.row_misses == 2);
}

TEST_CASE("bank groups: bursts to one group are tCCD_L apart, across groups tBURST") {
  auto t = ddr4();
  t.t_refi = 1e12;
  // 256 B from 0: four bursts, one per group (64 B interleave). The activates go tRRD_S apart
  // (3.3 ns), within the tBURST (3.333 ns) between the groups' bursts: tRCD + tCL + 4 tBURST.
  DramTiming across(t, 1);
  REQUIRE(across.access(0, 0, 256) == Approx(t.t_rcd + t.t_cl + 4 * t.t_burst));
  REQUIRE(across.row_misses == 4);
  // Groups interleaved per row instead: the four bursts go to one group, tCCD_L apart.
  t.group_interleave_bytes = t.row_bytes;
  DramTiming within(t, 1);
  REQUIRE(within.access(0, 0, 256) == Approx(t.t_rcd + t.t_cl + t.t_burst + 3 * t.t_ccd_l));
  REQUIRE(within.row_misses == 1);
  // A long sequential stream then runs at tBURST / tCCD_L (4 / 6 tCK) of peak: per 8 KB row, 127
  // bursts at tCCD_L and the last one's tBURST (the next row is in the next group).
  DramTiming seq(t, 1);
  const uint64_t bytes = 16ull << 20;
  double end = 0;
  for (uint64_t a = 0; a < bytes; a += 4096) end = seq.access(0, a, 4096);
  const double row_ns = 127 * t.t_ccd_l + t.t_burst;
  REQUIRE(
      end ==
      Approx(static_cast<double>(bytes / t.row_bytes) * row_ns + t.t_rcd + t.t_cl).epsilon(0.001));
}

TEST_CASE("activates to one bank group are tRRD_L apart, to different groups tRRD_S") {
  auto t = ddr4();
  t.t_refi = 1e12;
  t.t_rrd_l = 10;  // longer than tCCD_L, so the activates set the pace
  // Four 64 B reads issued at 0 to banks 0..3 of group 0 (stripes 0..3): activates at 0, 10,
  // 20, 30 ns; the last one's data tRCD + tCL later.
  DramTiming same(t, 1);
  double end = 0;
  for (uint64_t k = 0; k < 4; ++k) end = same.access(0, k * 4 * t.row_bytes, 64);
  REQUIRE(end == Approx(3 * t.t_rrd_l + t.t_rcd + t.t_cl + t.t_burst));
  // The same banks' rows but in groups 0..3 (64 B apart within the stripes): activates 3.3 ns
  // apart, shorter than a burst, so the bus sets the pace: tRCD + tCL + 4 tBURST.
  DramTiming spread(t, 1);
  for (uint64_t k = 0; k < 4; ++k) end = spread.access(0, k * 4 * t.row_bytes + 64 * k, 64);
  REQUIRE(end == Approx(t.t_rcd + t.t_cl + 4 * t.t_burst));
}

TEST_CASE("ncoresim dram prints each preset's efficiency, sequential at peak less refresh") {
  const auto r = ncore::test::ncoresim("dram");
  INFO(r.output);
  REQUIRE(r.code == 0);
  // 1 - tRFC / tREFI: 1 - 350 / 7800 = 95.5 %, 1 - 350 / 3900 = 91.0 %, 1 - 280 / 3900 = 92.8 %
  REQUIRE_THAT(r.output, Catch::Contains("ddr4-2400        19.2        95.5%"));
  REQUIRE_THAT(r.output, Catch::Contains("hbm2e            25.6        91.0%"));
  REQUIRE_THAT(r.output, Catch::Contains("lpddr4            6.4        92.8%"));
}
