// Sequential and random efficiency of each DRAM preset (see dram_efficiency.h).
#include "hw/dram_efficiency.h"

#include <algorithm>
#include <cstdint>

#include "config/dram_presets/registry.h"
#include "hw/dram_timing.h"

namespace ncore::hw {
namespace {

double sequential(const config::DramTimingConfig& t, double peak) {
  DramTiming seq(t, 1);
  const uint64_t bytes = 64ull << 20;
  double end = 0;
  for (uint64_t a = 0; a < bytes; a += 4096) end = seq.access(0, a, 4096);
  return static_cast<double>(bytes) / end / peak;
}

// `depth` requests at once, then wait for all; 160000 bursts in all.
double random(const config::DramTimingConfig& t, double peak, int depth) {
  uint64_t x = 88172645463325252ull;  // xorshift: the same addresses every time
  auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return (x % (1ull << 32)) & ~uint64_t{63};
  };
  DramTiming d(t, 1);
  double now = 0;
  const int n = 160000;
  for (int i = 0; i < n / depth; ++i) {
    std::vector<uint64_t> ids;
    for (int k = 0; k < depth; ++k) ids.push_back(d.submit(now, next(), t.burst_bytes));
    d.advance(1e300);
    for (const uint64_t id : ids) now = std::max(now, d.release(id).end);
    d.take_finished();
  }
  return static_cast<double>(n) * t.burst_bytes / now / peak;
}

}  // namespace

std::vector<DramEfficiency> dram_efficiency() {
  std::vector<DramEfficiency> out;
  for (const auto& [name, preset] : config::DramPresetRegistry::instance().entries()) {
    const auto& t = preset.timing;
    const double peak = t.burst_bytes / t.t_burst;  // bytes per ns = GB/s
    out.push_back({name, peak, sequential(t, peak), random(t, peak, 1), random(t, peak, 16)});
  }
  return out;
}

}  // namespace ncore::hw
