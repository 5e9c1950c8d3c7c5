// Per-layer derived figures of the stats registry (see stats.h).
#include "base/stats.h"

#include <algorithm>

namespace ncore::base {

uint64_t LayerStats::dma_busy() const {
  auto v = dma_intervals;
  std::sort(v.begin(), v.end());
  uint64_t total = 0, cur_s = 0, cur_e = 0;
  bool open = false;
  for (const auto& [s, e] : v) {
    if (open && s <= cur_e) {
      cur_e = std::max(cur_e, e);
      continue;
    }
    if (open) total += cur_e - cur_s;
    cur_s = s;
    cur_e = e;
    open = true;
  }
  if (open) total += cur_e - cur_s;
  return total;
}

}  // namespace ncore::base
