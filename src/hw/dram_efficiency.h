// `ncoresim dram`: each DRAM preset's efficiency on one channel of the banked timing model
// (dram_timing.h), refresh included: a sequential stream in 4 KiB pieces, dependent random 64 B
// reads (one in flight), and random reads 16 at a time. Efficiency is the achieved share of the
// preset's peak bandwidth. The addresses come from a fixed xorshift, so the figures are the same
// every time.
#pragma once
#include <string>
#include <vector>

namespace ncore::hw {

struct DramEfficiency {
  std::string preset;
  double peak_gb_per_s = 0;                            // 10^9 bytes/s
  double sequential = 0, random_1 = 0, random_16 = 0;  // fractions of peak
};

std::vector<DramEfficiency> dram_efficiency();  // one per registered preset, by name

}  // namespace ncore::hw
