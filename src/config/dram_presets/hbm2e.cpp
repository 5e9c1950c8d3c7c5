// HBM2E at 3.2 Gb/s per pin, one 64-bit pseudo-channel. Source: JEDEC JESD235 (HBM2/2E) and
// vendor datasheets' typical values: tCK 0.625 ns (1.6 GHz), BL4 on 64 bits = 32 B per 2 tCK
// (25.6 GB/s), tRCD 14 ns, tRP 14 ns, CL 14 ns, tRAS 33 ns, tRRD 4 ns, tFAW 16 ns, tRFC 350 ns,
// tREFI 3.9 us; 16 banks in 4 bank groups; a 1 KB page; tWTR 8 ns, read-to-write 4 ns
// (assumption). Bank groups (assumption): tCCD_S = tBURST (2 tCK), tCCD_L 3 tCK (1.875 ns) and
// tRRD_L 6 ns (1.5 x tRRD_S), the ratios of DRAMsim3's and Ramulator 2's HBM presets; groups
// interleaved every 32 B burst. Energy: HBM2 takes about 3.9 pJ/bit in all (O'Connor et al.,
// "Fine-Grained DRAM", MICRO 2017); split here (assumption) as 2.75 pJ/bit (22 pJ/B) for data
// movement and I/O and 0.5 nJ per activation + precharge of a 1 KB row.
// Values not fixed by the standard are typical datasheet figures (assumption).
// Every preset key is set here (times in ns): the registrar rejects a preset that leaves one out.
#include "config/dram_presets/registry.h"

NCORE_REGISTER_DRAM_PRESET("hbm2e", {{"burst_bytes", 32},
                                     {"t_burst", 2 * 0.625},
                                     {"t_cl", 14},
                                     {"t_rcd", 14},
                                     {"t_rp", 14},
                                     {"t_ras", 33},
                                     {"t_rrd", 4},
                                     {"t_rrd_l", 6},
                                     {"t_ccd_l", 3 * 0.625},
                                     {"t_faw", 16},
                                     {"t_rfc", 350},
                                     {"t_refi", 3900},
                                     {"t_wtr", 8},
                                     {"t_rtw", 4},
                                     {"banks", 16},
                                     {"bank_groups", 4},
                                     {"row_bytes", 1024},
                                     {"group_interleave_bytes", 32},
                                     {"interleave_bytes", 1024},
                                     {"pj_per_byte", 22},
                                     {"activate_pj", 500}});
