// Psum: the moving limit a bank allows and the accumulator traffic it counts (4 B FP32 sums).
// Constructing the module elaborates: CTest runs each case in its own process.
#include <catch2/catch.hpp>

#include "hw/psum.h"

using namespace ncore;

namespace {
config::PsumConfig tiny_psum() {  // configs/hw/tiny.yaml's: 4 partitions x 2 banks x 2 KiB
  config::PsumConfig c;
  c.capacity = 16 << 10;
  c.partitions = 4;
  c.banks = 2;
  return c;
}
}  // namespace

TEST_CASE("a PSUM bank holds bank bytes per partition / 4 moving columns") {
  base::Stats s;
  hw::Psum p("psum", tiny_psum(), s);
  // 16384 B / 4 partitions / 2 banks = 2048 B per bank and partition, / 4 B = 512 columns
  REQUIRE(s.get("psum.moving_limit") == 512);
}

TEST_CASE("a MatMul writes and an eviction reads M x N FP32 sums") {
  base::Stats s;
  hw::Psum p("psum", tiny_psum(), s);
  p.accumulate(4, 8);  // 4 x 8 sums x 4 B = 128 B
  p.accumulate(4, 8);  // accumulating into the same bank writes them again: 256 B
  REQUIRE(s.get("psum.write_bytes") == 256);
  REQUIRE(s.get("psum.read_bytes") == 0);
  p.evict(4, 8);  // read out once: 128 B
  p.evict(3, 5);  // 3 x 5 x 4 = 60 B
  REQUIRE(s.get("psum.read_bytes") == 188);
}
