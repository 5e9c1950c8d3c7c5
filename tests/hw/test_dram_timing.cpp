// DRAM banks, bank groups, rows and refresh (dram.model: banks) against values derived by hand
// from the DDR4-2400 preset: tBURST 3.333 ns per 64 B (19.2 GB/s), tCL = tRCD = tRP = 14.16 ns,
// tRAS 32 ns, tRRD_S 3.3 ns, tRRD_L 4.9 ns, tCCD_L 5 ns, tRFC 350 ns every tREFI 7.8 us, 16 banks
// of 8 KB rows in 4 bank groups interleaved every 64 B: a 32 KB stripe is one row of one bank in
// each group; stripe s is bank s % 4 of its groups, row s / 4.
#include <catch2/catch.hpp>

#include "config/dram_presets/registry.h"
#include "config/run_config.h"
#include "hw/dram_timing.h"
#include "test_runs.h"

using ncore::config::DramPresetRegistry;
using ncore::hw::DramTiming;

namespace {
ncore::config::DramTimingConfig ddr4() {
  return DramPresetRegistry::instance().find("ddr4-2400")->timing;
}
ncore::config::DramTimingConfig ddr4_no_refresh() {
  auto t = ddr4();
  t.t_refi = 1e12;
  return t;
}
// Every pending decision made; request id's end.
double end_of(DramTiming& d, uint64_t id) {
  d.advance(1e300);
  return d.release(id).end;
}
}  // namespace

TEST_CASE("a long sequential stream reaches peak bandwidth less refresh's share") {
  const auto t = ddr4();
  DramTiming d(t, 1);
  const uint64_t bytes = 64ull << 20;  // 64 MiB in 4 KiB DMA pieces, all issued at 0
  double end = 0;
  for (uint64_t a = 0; a < bytes; a += 4096) end = d.access(0, a, 4096);
  // Each row opens once (row-interleaved banks overlap their activations with the data); the
  // bus then moves 64 B per tBURST, stopping every tREFI for tRFC, after which the closed rows
  // reopen (tRCD + tCL before data flows again): time = data / (1 - (tRFC + tRCD + tCL) / tREFI)
  // plus the first access's tRCD + tCL.
  const double data_ns = static_cast<double>(bytes) / t.burst_bytes * t.t_burst;
  const double per_refresh = t.t_rfc + t.t_rcd + t.t_cl;
  const double expect = data_ns / (1 - per_refresh / t.t_refi) + t.t_rcd + t.t_cl;
  REQUIRE(end == Approx(expect).epsilon(0.002));
  // Each row opens once, and the four a refresh closed once more after it. Every other burst
  // hits its open row (a refresh between a piece's activate and its data makes it activate
  // twice: a second miss, one hit fewer at most).
  const uint64_t bursts = bytes / t.burst_bytes;
  REQUIRE(d.row_misses == bytes / t.row_bytes + 4 * d.refreshes);
  REQUIRE(d.row_hits <= bursts - bytes / t.row_bytes);
  REQUIRE(d.row_hits >= bursts - d.row_misses);
}

TEST_CASE("a 1 MiB sequential read is a handful of events, one per run of stripes") {
  // Each channel's share is contiguous in its own addresses; a piece is whole stripes (one row
  // in each bank group) up to 32 KiB within one round of the banks. DDR4: 32 KB stripes, so 32
  // pieces; HBM2E: 4 KB stripes, 4 banks per group, so 16 KB pieces, 64; LPDDR4: 2 KB stripes,
  // 8 banks, 16 KB pieces, 64. Whatever the channel count.
  for (const auto& [name, pieces] : std::vector<std::pair<std::string, size_t>>{
           {"ddr4-2400", 32}, {"hbm2e", 64}, {"lpddr4", 64}})
    for (const uint32_t channels : {1u, 4u}) {
      INFO(name << ", " << channels << " channels");
      auto t = DramPresetRegistry::instance().find(name)->timing;
      t.t_refi = 1e12;  // no refresh
      DramTiming d(t, channels);
      std::vector<DramTiming::Segment> segs;
      const double end = d.access(0, 0, 1u << 20, &segs);
      REQUIRE(segs.size() == pieces);
      // The rows of the next round open while the current one's data flows: the channels move
      // their shares at peak, after the first activate's tRCD + tCL.
      const double data = (1u << 20) / channels / t.burst_bytes * t.t_burst;
      REQUIRE(end == Approx(t.t_rcd + t.t_cl + data).epsilon(0.01));
      uint64_t bytes = 0;
      for (const auto& g : segs) bytes += g.bytes;
      REQUIRE(bytes == 1u << 20);
    }
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
  // With a short tRAS (20 ns, less than tRCD + tCL + tBURST) each access is bound by exactly
  // tRP + tRCD + tCL, plus its burst: 45.8 ns.
  t.t_ras = 20;
  DramTiming s(t, 1);
  now = 0;
  for (int i = 0; i < 100; ++i) {
    now = s.access(now, static_cast<uint64_t>(i) * 16 * t.row_bytes, 64);
    if (i == 0) first = now;
  }
  REQUIRE((now - first) / 99 == Approx(t.t_rp + t.t_rcd + t.t_cl + t.t_burst));
}

TEST_CASE("closed page: each access activates and precharges its row") {
  auto t = ddr4_no_refresh();
  DramTiming open(t, 1);
  t.open_page = false;
  DramTiming closed(t, 1);
  // A first 64 B read: the same either way, tRCD + tCL + tBURST.
  const double e1 = open.access(0, 0, 64);
  REQUIRE(closed.access(0, 0, 64) == Approx(e1));
  REQUIRE(e1 == Approx(t.t_rcd + t.t_cl + t.t_burst));
  // A second read of that row (256 B on, group 0) when the first is done: open page, a row hit
  // (tCL + tBURST); closed page, the row was precharged after the data (tRP), so it activates
  // again: tRP + tRCD + tCL + tBURST.
  REQUIRE(open.access(e1, 256, 64) - e1 == Approx(t.t_cl + t.t_burst));
  REQUIRE(closed.access(e1, 256, 64) - e1 == Approx(t.t_rp + t.t_rcd + t.t_cl + t.t_burst));
  REQUIRE(open.row_hits == 1);
  REQUIRE(closed.row_hits == 0);
  REQUIRE(closed.row_misses == 2);
}

TEST_CASE("a fifth activate waits for tFAW after the first") {
  auto t = ddr4_no_refresh();
  DramTiming d(t, 1);
  // Five 64 B reads issued at once to five closed banks: four in groups 0..3 (stripes 0..3,
  // 64 B apart), the fifth to bank 1 of group 0 (stripe 5). Activates at 0, 3.3, 6.6, 9.9 ns
  // (tRRD_S), the fifth at tFAW = 21 ns: its data at 21 + tRCD + tCL.
  uint64_t id[5];
  for (uint64_t k = 0; k < 4; ++k) id[k] = d.submit(0, k * 4 * t.row_bytes + 64 * k, 64);
  id[4] = d.submit(0, 5 * 4 * uint64_t{t.row_bytes}, 64);
  REQUIRE(end_of(d, id[4]) == Approx(t.t_faw + t.t_rcd + t.t_cl + t.t_burst));
  REQUIRE(d.row_misses == 5);
}

TEST_CASE("two streams on one channel share its bandwidth") {
  auto t = ddr4_no_refresh();
  DramTiming one(t, 1), two(t, 1);
  double a = 0, b = 0;
  for (uint64_t x = 0; x < (1u << 20); x += 4096) a = one.access(0, x, 4096);
  // Two queues' requests all in the controller's queue at once, interleaved: each stream's
  // rows stay open while the other's are used (different banks), so the two together take
  // twice one stream's time, and each finishes near the end (neither starves).
  std::vector<uint64_t> first, second;
  for (uint64_t x = 0; x < (1u << 20); x += 4096) {
    first.push_back(two.submit(0, x, 4096));
    second.push_back(two.submit(0, (1ull << 32) + 2 * t.row_bytes * 4 + x, 4096));
  }
  two.advance(1e300);
  double end_first = 0;
  for (const uint64_t id : first) end_first = std::max(end_first, two.release(id).end);
  for (const uint64_t id : second) b = std::max(b, two.release(id).end);
  const double data_ns = static_cast<double>(1u << 20) / t.burst_bytes * t.t_burst;
  REQUIRE(a == Approx(data_ns + t.t_rcd + t.t_cl).epsilon(0.001));
  REQUIRE(b == Approx(2 * data_ns + t.t_rcd + t.t_cl).epsilon(0.002));
  REQUIRE(end_first > 1.9 * data_ns);
}

TEST_CASE("refresh costs tRFC / tREFI of the time, plus reopening the rows") {
  auto t = ddr4();
  DramTiming with(t, 1);
  t.t_refi = 1e12;
  DramTiming without(t, 1);
  const uint64_t bytes = 256ull << 20;
  const double a = with.access(0, 0, bytes), b = without.access(0, 0, bytes);
  // 256 MiB at 19.2 GB/s is ~14 ms: ~1790 refreshes of 350 ns, each closing the rows, which
  // reopen tRCD + tCL before data flows again: (350 + 28.3) / 7800 of the time.
  REQUIRE(with.refreshes > 1700);
  REQUIRE((a - b) / a == Approx((t.t_rfc + t.t_rcd + t.t_cl) / 7800.0).epsilon(0.01));
}

TEST_CASE("the bus turns around between reads and writes") {
  auto t = ddr4_no_refresh();
  DramTiming d(t, 1);
  // A 64 B read of row 0, then a 64 B write to the same open row (256 B on: group 0 again)
  // issued at once: the write's data waits for the read's data (tRCD + tCL + tBURST) plus the
  // read-to-write turnaround (longer than tCCD_L - tBURST).
  const double r = d.access(0, 0, 64, nullptr, false);
  REQUIRE(r == Approx(t.t_rcd + t.t_cl + t.t_burst));
  const double w = d.access(0, 256, 64, nullptr, true);
  REQUIRE(w == Approx(r + t.t_rtw + t.t_burst));
  // and back to a read: write-to-read
  const double r2 = d.access(0, 512, 64, nullptr, false);
  REQUIRE(r2 == Approx(w + t.t_wtr + t.t_burst));
}

TEST_CASE("FR-FCFS: a later row hit overtakes a row miss still activating") {
  auto t = ddr4_no_refresh();
  DramTiming d(t, 1);
  d.access(0, 0, 64);  // opens row 0 of bank 0 (group 0)
  // At 40 ns a miss to bank 1 (row 5, stripe 5 x 4 + 1): activate at 40, data from
  // 40 + tRCD + tCL = 68.3 ns.
  const uint64_t miss = d.submit(40, (5 * 4 + 1) * 4 * uint64_t{t.row_bytes}, 64);
  d.advance(41);
  // At 41 ns a hit to the open row of bank 0 (256 B on: group 0 again): ready at 41 + tCL, it
  // takes the bus before the miss's data (first come, first served would have put it after, at
  // 71.7 + 3.3 ns).
  const uint64_t hit = d.submit(41, 256, 64);
  const double hit_end = end_of(d, hit), miss_end = end_of(d, miss);
  REQUIRE(miss_end == Approx(40 + t.t_rcd + t.t_cl + t.t_burst));
  REQUIRE(hit_end == Approx(41 + t.t_cl + t.t_burst));
  REQUIRE(d.row_hits == 1);
  REQUIRE(d.row_misses == 2);
}

TEST_CASE("FR-FCFS: a row hit is served before an older miss closes its row") {
  auto t = ddr4_no_refresh();
  DramTiming d(t, 1);
  d.access(0, 0, 64);  // activates row 0 of bank 0 at 0; its column command at tRCD
  // At 20 ns a miss to row 1 of the same bank (stripe 4): its precharge must wait for tRAS
  // after the activate, until 32 ns.
  const uint64_t miss = d.submit(20, 4 * 4 * uint64_t{t.row_bytes}, 64);
  d.advance(25);
  // At 25 ns a read of row 0 arrives: still open, it is served first, at once.
  const uint64_t hit = d.submit(25, 256, 64);
  const double hit_end = end_of(d, hit), miss_end = end_of(d, miss);
  REQUIRE(hit_end == Approx(25 + t.t_cl + t.t_burst));
  // The miss then precharges at tRAS, activates tRP later: tRAS + tRP + tRCD + tCL + tBURST.
  REQUIRE(miss_end == Approx(t.t_ras + t.t_rp + t.t_rcd + t.t_cl + t.t_burst));
  REQUIRE(d.row_hits == 1);
  REQUIRE(d.row_misses == 2);
}

TEST_CASE("FR-FCFS: among ready requests the oldest goes first") {
  auto t = ddr4_no_refresh();
  DramTiming d(t, 1);
  d.access(0, 0, 64);  // row 0 of bank 0 open, data on the bus until tRCD + tCL + tBURST
  // Three hits to that row at 100 ns, 256 B apart (group 0 each): in arrival order, tCCD_L
  // apart.
  uint64_t id[3];
  for (int k = 0; k < 3; ++k) id[k] = d.submit(100, 256 * (k + 1), 64);
  double end[3];
  for (int k = 0; k < 3; ++k) end[k] = end_of(d, id[k]);
  REQUIRE(end[0] == Approx(100 + t.t_cl + t.t_burst));
  REQUIRE(end[1] == Approx(end[0] + t.t_ccd_l));
  REQUIRE(end[2] == Approx(end[1] + t.t_ccd_l));
}

TEST_CASE("FR-FCFS: younger row hits pass a waiting miss at most hit_cap times") {
  for (const uint32_t cap : {16u, 4u}) {
    auto t = ddr4_no_refresh();
    t.hit_cap = cap;
    DramTiming d(t, 1);
    d.access(0, 0, 64);  // row 0 of bank 0 open
    // At 100 ns a miss to row 1 of bank 0, then 20 reads of row 0 (group 0, 256 B apart).
    const uint64_t miss = d.submit(100, 4 * 4 * uint64_t{t.row_bytes}, 64);
    std::vector<uint64_t> hits;
    for (uint64_t k = 1; k <= 20; ++k) hits.push_back(d.submit(100, 256 * k, 64));
    const double miss_end = end_of(d, miss);
    uint32_t before = 0;
    for (const uint64_t h : hits) before += end_of(d, h) < miss_end;
    // `cap` hits go first; then the miss closes row 0, and the others reopen it after the miss.
    REQUIRE(before == cap);
    REQUIRE(d.row_misses == 3);
  }
}

TEST_CASE("bank groups: bursts to one group are tCCD_L apart, across groups tBURST") {
  auto t = ddr4_no_refresh();
  // 256 B from 0: four bursts, one per group (64 B interleave). The activates go tRRD_S apart
  // (3.3 ns), within the tBURST (3.333 ns) between the groups' bursts: tRCD + tCL + 4 tBURST.
  DramTiming across(t, 1);
  REQUIRE(across.access(0, 0, 256) == Approx(t.t_rcd + t.t_cl + 4 * t.t_burst));
  REQUIRE(across.row_misses == 4);  // each burst opens its group's row
  REQUIRE(across.row_hits == 0);
  // Groups interleaved per row instead: the four bursts go to one group, tCCD_L apart.
  t.group_interleave_bytes = t.row_bytes;
  DramTiming within(t, 1);
  REQUIRE(within.access(0, 0, 256) == Approx(t.t_rcd + t.t_cl + t.t_burst + 3 * t.t_ccd_l));
  REQUIRE(within.row_misses == 1);  // the first burst opens the row, the other three hit it
  REQUIRE(within.row_hits == 3);
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
  auto t = ddr4_no_refresh();
  t.t_rrd_l = 10;  // longer than tCCD_L, so the activates set the pace
  // Four 64 B reads issued at 0 to banks 0..3 of group 0 (stripes 0..3): activates at 0, 10,
  // 20, 30 ns; the last one's data tRCD + tCL later.
  DramTiming same(t, 1);
  uint64_t id[4];
  for (uint64_t k = 0; k < 4; ++k) id[k] = same.submit(0, k * 4 * t.row_bytes, 64);
  REQUIRE(end_of(same, id[3]) == Approx(3 * t.t_rrd_l + t.t_rcd + t.t_cl + t.t_burst));
  // The same banks' rows but in groups 0..3 (64 B apart within the stripes): activates 3.3 ns
  // apart, shorter than a burst, so the bus sets the pace: tRCD + tCL + 4 tBURST.
  DramTiming spread(t, 1);
  for (uint64_t k = 0; k < 4; ++k) id[k] = spread.submit(0, k * 4 * t.row_bytes + 64 * k, 64);
  REQUIRE(end_of(spread, id[3]) == Approx(t.t_rcd + t.t_cl + 4 * t.t_burst));
}

TEST_CASE("ncoresim dram prints each preset's efficiency, sequential at peak less refresh") {
  const auto r = ncore::test::ncoresim("dram");
  INFO(r.output);
  REQUIRE(r.code == 0);
  // 1 - (tRFC + reopening the rows) / tREFI. The rows reopen in tRCD + tCL (ddr4, lpddr4); in
  // hbm2e the four groups' activates are tRRD = 4 ns apart, longer than the 1.25 ns between
  // their first bursts, so 3 x 2.75 ns more:
  //   1 - (350 + 28.3) / 7800 = 95.2 %, 1 - (350 + 28 + 8.25) / 3900 = 90.1 %,
  //   1 - (280 + 35.5) / 3900 = 91.9 %
  REQUIRE_THAT(r.output, Catch::Contains("ddr4-2400        19.2        95.2%"));
  REQUIRE_THAT(r.output, Catch::Contains("hbm2e            25.6        90.1%"));
  REQUIRE_THAT(r.output, Catch::Contains("lpddr4            6.4        91.9%"));
}

TEST_CASE("a preset's fields are overridden key by key, and ideal DRAM has no latency") {
  auto mlp = [] { return ncore::test::shipped_run("configs/runs/mlp_inf1.yaml"); };
  const auto rc = mlp()
                      .set("hw.dram.model", "banks")
                      .set("hw.dram.preset", "hbm2e")
                      .set("hw.dram.t_rcd", "20 ns")
                      .set("hw.dram.bank_groups", "2")
                      .set("hw.dram.activate_pj", "700")
                      .load();
  const auto& t = rc.hw.dram.timing;
  const auto hbm = DramPresetRegistry::instance().find("hbm2e")->timing;
  REQUIRE(t.preset == "hbm2e");
  REQUIRE(t.t_rcd == Approx(20));         // overridden
  REQUIRE(t.bank_groups == 2);            // overridden
  REQUIRE(t.activate_pj == Approx(700));  // overridden
  REQUIRE(t.t_rp == Approx(hbm.t_rp));    // the preset's
  REQUIRE(t.pj_per_byte == Approx(hbm.pj_per_byte));
  // The override takes effect: a first access costs the new tRCD.
  DramTiming d(t, 1);
  REQUIRE(d.access(0, 0, 32) == Approx(20 + t.t_cl + t.t_burst));
  // ideal: zero latency whatever the file says, peak bandwidth kept.
  const auto ideal = mlp().set("hw.dram.model", "ideal").load();
  REQUIRE(ideal.hw.dram.latency_s == 0);
  const auto simple = mlp().load();
  REQUIRE(simple.hw.dram.latency_s == Approx(100e-9));  // inf1.yaml's latency
  REQUIRE(ideal.hw.dram.bandwidth == simple.hw.dram.bandwidth);
}
