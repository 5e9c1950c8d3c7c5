// The instruction queue: keeps its instructions in order and where they are while more are
// appended (across its 512-instruction blocks), and copies and moves whole.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "isa/instr_queue.h"

using namespace ncore;

TEST_CASE("an instruction queue keeps order and addresses across its blocks") {
  isa::InstrQueue q;
  REQUIRE(q.empty());
  std::vector<const isa::Instr*> at;
  for (uint32_t k = 0; k < 1300; ++k) {  // three blocks, the last one partly filled
    isa::Instr i;
    i.layer = k;
    q.push_back(i);
    at.push_back(&q.back());
  }
  REQUIRE(q.size() == 1300);
  uint32_t k = 0;
  for (const isa::Instr& i : q) {
    REQUIRE(i.layer == k);
    REQUIRE(&i == at[k]);  // never moved by a later append
    ++k;
  }
  REQUIRE(k == 1300);
  const isa::InstrQueue copy = q;
  REQUIRE(copy.size() == 1300);
  REQUIRE(copy[1299].layer == 1299);
  isa::InstrQueue moved = std::move(q);
  REQUIRE(moved.size() == 1300);
  REQUIRE(&moved[700] == at[700]);  // a move keeps the blocks
  moved.resize(1302);
  REQUIRE(moved[1301].layer == 0);
  const isa::InstrQueue listed = {isa::Instr{}, isa::Instr{}};
  REQUIRE(listed.size() == 2);
}
