// LPDDR4-3200, one 16-bit channel of an 8 Gb die. Source: JEDEC JESD209-4 timing tables:
// tCK 0.625 ns, RL 28 tCK (17.5 ns), tRCD 18 ns, tRPpb 18 ns, tRAS 42 ns, tRRD 10 ns, tFAW 40 ns,
// tRFCab 280 ns (8 Gb), tREFI 3.9 us; BL16 on 16 bits = 32 B per 8 tCK (6.4 GB/s); 8 banks;
// a 2 KB page; tWTR 10 ns; read-to-write about 8 ns (assumption from RL, BL/2 and WL).
// LPDDR4 has no bank groups: one group, tRRD_L = tRRD, tCCD_L = tCCD = tBURST.
// Energy (assumption): 5 pJ/bit (40 pJ/B) for the array access and its low-swing I/O, and
// 0.6 nJ per activation + precharge of a 2 KB page.
#include "hw/dram_presets/registry.h"

namespace {
ncore::config::DramTimingConfig lpddr4() {
  ncore::config::DramTimingConfig t;
  t.burst_bytes = 32;
  t.t_burst = 8 * 0.625;
  t.t_cl = 28 * 0.625;
  t.t_rcd = 18;
  t.t_rp = 18;
  t.t_ras = 42;
  t.t_rrd = t.t_rrd_l = 10;
  t.t_ccd_l = t.t_burst;
  t.t_faw = 40;
  t.t_rfc = 280;
  t.t_refi = 3900;
  t.t_wtr = 10;
  t.t_rtw = 8;
  t.banks = 8;
  t.bank_groups = 1;
  t.row_bytes = 2048;
  t.group_interleave_bytes = 32;
  t.pj_per_byte = 40;
  t.activate_pj = 600;
  t.interleave_bytes = 2048;
  return t;
}
}  // namespace

NCORE_REGISTER_DRAM_PRESET("lpddr4", lpddr4());
