// Per-layer derived figures of the stats registry (see stats.h).
#include "base/stats.h"

#include <algorithm>

namespace ncore::base {

void IntervalUnion::add(uint64_t start, uint64_t end) {
  if (end <= start) return;  // covers no cycle
  if (m_runs.empty() || start > m_runs.back().second) {
    m_runs.emplace_back(start, end);
    return;
  }
  if (start >= m_runs.back().first) {  // overlaps or touches the last run only
    m_runs.back().second = std::max(m_runs.back().second, end);
    return;
  }
  // The first run ending at or after `start`, through the last starting at or before `end`:
  // all merge into one.
  auto first = std::lower_bound(m_runs.begin(), m_runs.end(), start,
                                [](const auto& run, uint64_t s) { return run.second < s; });
  auto last = first;
  while (last != m_runs.end() && last->first <= end) ++last;
  if (first == last) {
    m_runs.insert(first, {start, end});
    return;
  }
  first->first = std::min(first->first, start);
  first->second = std::max((last - 1)->second, end);
  m_runs.erase(first + 1, last);
}

uint64_t IntervalUnion::length() const {
  uint64_t total = 0;
  for (const auto& [s, e] : m_runs) total += e - s;
  return total;
}

}  // namespace ncore::base
