// LPDDR4-3200, one 16-bit channel of an 8 Gb die. Source: JEDEC JESD209-4 timing tables:
// tCK 0.625 ns, RL 28 tCK (17.5 ns), tRCD 18 ns, tRPpb 18 ns, tRAS 42 ns, tRRD 10 ns, tFAW 40 ns,
// tRFCab 280 ns (8 Gb), tREFI 3.9 us; BL16 on 16 bits = 32 B per 8 tCK (6.4 GB/s); 8 banks;
// a 2 KB page; tWTR 10 ns; read-to-write about 8 ns (assumption from RL, BL/2 and WL).
// LPDDR4 has no bank groups: one group, tRRD_L = tRRD, tCCD_L = tCCD = tBURST.
// Energy (assumption): 5 pJ/bit (40 pJ/B) for the array access and its low-swing I/O, and
// 0.6 nJ per activation + precharge of a 2 KB page.
// Every preset key is set here (times in ns): the registrar rejects a preset that leaves one out.
#include "config/dram_presets/registry.h"

NCORE_REGISTER_DRAM_PRESET("lpddr4", {{"burst_bytes", 32},
                                      {"t_burst", 8 * 0.625},
                                      {"t_cl", 28 * 0.625},
                                      {"t_rcd", 18},
                                      {"t_rp", 18},
                                      {"t_ras", 42},
                                      {"t_rrd", 10},
                                      {"t_rrd_l", 10},
                                      {"t_ccd_l", 8 * 0.625},
                                      {"t_faw", 40},
                                      {"t_rfc", 280},
                                      {"t_refi", 3900},
                                      {"t_wtr", 10},
                                      {"t_rtw", 8},
                                      {"banks", 8},
                                      {"bank_groups", 1},
                                      {"row_bytes", 2048},
                                      {"group_interleave_bytes", 32},
                                      {"interleave_bytes", 2048},
                                      {"pj_per_byte", 40},
                                      {"activate_pj", 600}});
