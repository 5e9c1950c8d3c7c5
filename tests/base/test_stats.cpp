// The stats registry's interval union (a layer's DMA busy cycles): exact for intervals in any
// order, overlapping, nested, touching or empty, checked against a cycle-by-cycle count.
#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "base/stats.h"

using namespace ncore;

namespace {

// The cycles covered by at least one [start, end), counted one by one.
uint64_t covered(const std::vector<std::pair<uint64_t, uint64_t>>& v) {
  std::set<uint64_t> cycles;
  for (const auto& [s, e] : v)
    for (uint64_t c = s; c < e; ++c) cycles.insert(c);
  return cycles.size();
}

}  // namespace

TEST_CASE("an interval union counts each covered cycle once") {
  base::IntervalUnion u;
  u.add(0, 4);    // 0..3
  u.add(2, 6);    // overlaps: 0..5
  u.add(6, 8);    // touches: 0..7, one run
  u.add(10, 10);  // empty
  u.add(12, 14);  // 12, 13
  REQUIRE(u.runs() == 2);
  REQUIRE(u.length() == 8 + 2);
  u.add(1, 3);   // nested in the first run
  u.add(8, 12);  // touches both runs: 0..13, one run
  REQUIRE(u.runs() == 1);
  REQUIRE(u.length() == 14);
}

TEST_CASE("an interval union is exact whatever the order of its intervals") {
  uint64_t x = 12345;  // a fixed linear congruential sequence: the same intervals every run
  auto next = [&](uint64_t mod) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % mod;
  };
  for (int round = 0; round < 200; ++round) {
    std::vector<std::pair<uint64_t, uint64_t>> v;
    base::IntervalUnion u;
    const uint64_t n = 1 + next(30);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t s = next(200), e = s + next(25);
      v.emplace_back(s, e);
      u.add(s, e);
    }
    INFO("round " << round);
    REQUIRE(u.length() == covered(v));
  }
}
