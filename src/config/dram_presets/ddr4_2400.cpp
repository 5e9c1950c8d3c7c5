// DDR4-2400 (speed bin 2400R, 17-17-17), one 64-bit channel of x8 8 Gb devices. Source: JEDEC
// JESD79-4 speed-bin and timing tables: tCK 0.833 ns, CL = tRCD = tRP = 17 tCK (14.16 ns),
// tRAS 32 ns, tRRD_S 3.3 ns and tRRD_L 4.9 ns (1 KB page), tFAW 21 ns, tCCD_S 4 tCK (= tBURST),
// tCCD_L 6 tCK (5 ns), tRFC1 350 ns (8 Gb), tREFI 7.8 us; BL8 on 64 bits = 64 B per 4 tCK
// (19.2 GB/s); 16 banks in 4 bank groups (x8 devices); an 8 KB rank page (8 chips x 1 KB);
// tWTR_L 7.5 ns; read-to-write CL + BL/2 + 2 - CWL = 11 tCK (9.2 ns). Address map: bank groups
// interleaved every 64 B (one burst), so a sequential stream alternates groups at tCCD_S, as a
// controller with the bank-group bits just above the burst offset does.
// Energy (assumption): 15 pJ/bit (120 pJ/B) for the array access and I/O of a 64-bit DDR4 rank,
// and 2 nJ per activation + precharge of its 8 KB page; together about the 20 pJ/bit the inf1
// table takes at typical locality (Horowitz, ISSCC 2014: 1.3-2.6 nJ per 64-bit DDR3 access).
// Every preset key is set here (times in ns): the registrar rejects a preset that leaves one out.
#include "config/dram_presets/registry.h"

NCORE_REGISTER_DRAM_PRESET("ddr4-2400", {{"burst_bytes", 64},
                                         {"t_burst", 4 * 0.8333},
                                         {"t_cl", 17 * 0.8333},
                                         {"t_rcd", 17 * 0.8333},
                                         {"t_rp", 17 * 0.8333},
                                         {"t_ras", 32},
                                         {"t_rrd", 3.3},
                                         {"t_rrd_l", 4.9},
                                         {"t_ccd_l", 6 * 0.8333},
                                         {"t_faw", 21},
                                         {"t_rfc", 350},
                                         {"t_refi", 7800},
                                         {"t_wtr", 7.5},
                                         {"t_rtw", 11 * 0.8333},
                                         {"banks", 16},
                                         {"bank_groups", 4},
                                         {"row_bytes", 8192},
                                         {"group_interleave_bytes", 64},
                                         {"interleave_bytes", 4096},
                                         {"pj_per_byte", 120},
                                         {"activate_pj", 2000}});
