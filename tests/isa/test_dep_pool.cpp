// The dependency pool: every span it hands out keeps its deps while later lists are added (its
// blocks never move), lists longer than a block included, and a moved pool keeps them too.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "isa/dep_pool.h"

using namespace ncore;

namespace {

std::vector<isa::Dep> list(uint32_t tag, size_t n) {
  std::vector<isa::Dep> v;
  for (size_t k = 0; k < n; ++k)
    v.push_back({static_cast<uint16_t>(k % 7), static_cast<uint32_t>(tag * 1000 + k)});
  return v;
}

bool same(isa::DepSpan s, const std::vector<isa::Dep>& v) {
  if (s.size() != v.size()) return false;
  for (size_t k = 0; k < v.size(); ++k)
    if (s[k].engine != v[k].engine || s[k].count != v[k].count) return false;
  return true;
}

}  // namespace

TEST_CASE("a dep pool's spans keep their lists while more are added and after a move") {
  isa::DepPool pool;
  std::vector<isa::DepSpan> spans;
  std::vector<std::vector<isa::Dep>> lists;
  // 3000 lists of 0..16 deps fill several 8192-dep blocks; one of 20000 needs its own.
  for (uint32_t t = 0; t < 3000; ++t) {
    lists.push_back(list(t, t == 1500 ? 20000 : t % 17));
    spans.push_back(pool.add(lists.back()));
  }
  size_t total = 0;
  for (const auto& l : lists) total += l.size();
  REQUIRE(pool.size() == total);
  isa::DepPool moved = std::move(pool);
  for (size_t t = 0; t < lists.size(); ++t) {
    INFO("list " << t);
    REQUIRE(same(spans[t], lists[t]));
  }
  REQUIRE(moved.add({}).empty());
  REQUIRE(moved.add({{3, 4}})[0].count == 4);
}
