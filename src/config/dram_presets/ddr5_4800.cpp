// DDR5-4800 (speed bin 4800B, 40-39-39), one 32-bit sub-channel of x8 16 Gb devices. Source: JEDEC
// JESD79-5 speed-bin and timing tables: tCK 0.416 ns, tAA = CL 40 tCK (16.64 ns), tRCD = tRP =
// 39 tCK (16.22 ns), tRAS 32 ns; BL16 on 32 bits = 64 B per 8 tCK (19.2 GB/s per sub-channel, two
// per DIMM channel); tCCD_S = 8 tCK (= tBURST), tCCD_L max(8 tCK, 5 ns), tRRD_S 8 tCK (3.33 ns),
// tRRD_L max(8 tCK, 5 ns), tFAW max(32 tCK, 13.33 ns) for a 1 KB page; tRFC1 295 ns (16 Gb), tREFI
// 3.9 us; 32 banks in 8 bank groups; a 4 KB sub-channel page (4 devices x 1 KB); tWTR_L
// max(16 tCK, 10 ns); read-to-write CL - CWL + BL/2 + 2 = 12 tCK (5 ns). Bank groups interleaved
// every 64 B burst, as for DDR4. Energy (assumption): 12 pJ/bit (96 pJ/B) for array access and
// I/O at DDR5's 1.1 V, and 1.5 nJ per activation + precharge of the 4 KB page.
// Every preset key is set here (times in ns): the registrar rejects a preset that leaves one out.
#include "config/dram_presets/registry.h"

NCORE_REGISTER_DRAM_PRESET("ddr5-4800", {{"burst_bytes", 64},
                                         {"t_burst", 8 * 0.4167},
                                         {"t_cl", 40 * 0.4167},
                                         {"t_rcd", 39 * 0.4167},
                                         {"t_rp", 39 * 0.4167},
                                         {"t_ras", 32},
                                         {"t_rrd", 8 * 0.4167},
                                         {"t_rrd_l", 5},
                                         {"t_ccd_l", 5},
                                         {"t_faw", 13.333},
                                         {"t_rfc", 295},
                                         {"t_refi", 3900},
                                         {"t_wtr", 10},
                                         {"t_rtw", 12 * 0.4167},
                                         {"banks", 32},
                                         {"bank_groups", 8},
                                         {"row_bytes", 4096},
                                         {"group_interleave_bytes", 64},
                                         {"interleave_bytes", 4096},
                                         {"pj_per_byte", 96},
                                         {"activate_pj", 1500}});
