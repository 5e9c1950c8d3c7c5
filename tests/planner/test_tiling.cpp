// The planner's pure tiling functions, without a Program: chunks of output positions against
// the PSUM moving limit, output-channel and K blocks against the array, weight-block bytes,
// proportional parts, lane shares and the instruction estimate. Expected values by hand.
#include <catch2/catch.hpp>
#include <utility>
#include <vector>

#include "planner/tiling.h"

using namespace ncore;
using planner::Tiling;

namespace {

workload::Layer gemm_layer(uint64_t k, uint64_t m, uint64_t positions, bool per_sample = false) {
  workload::Layer l;
  l.gemm = workload::Gemm{1, k, m, positions, true, per_sample};
  return l;
}

workload::Layer vector_layer(uint64_t channels, uint64_t positions) {
  workload::Layer l;
  l.vector = workload::VectorWork{workload::VectorOp::elementwise, channels, positions, 1, 0};
  return l;
}

std::vector<std::pair<uint64_t, uint64_t>> chunks_of(const planner::Chunking& c) {
  std::vector<std::pair<uint64_t, uint64_t>> v;
  planner::for_chunks(c, [&](uint64_t c0, uint64_t n) { v.emplace_back(c0, n); });
  return v;
}

}  // namespace

TEST_CASE("the array's tiling: K blocks of its rows, M blocks of its cols, chunks of the limit") {
  config::HwConfig hw;  // 128 x 128, PSUM 2 MiB / 128 partitions / 8 banks / 4 B = 512
  const Tiling t = planner::array_tiling(hw, 3);
  REQUIRE(t.batch == 3);
  REQUIRE(t.rows == 128);
  REQUIRE(t.m_cap == 128);
  REQUIRE(t.chunk_cap == 512);
}

TEST_CASE("chunks cover b x positions, at most the chunk cap each, across samples") {
  // 3 samples x 200 positions = 600: one chunk of 512, then 88 (a chunk may cross samples)
  const auto c = planner::chunking(gemm_layer(27, 64, 200), Tiling{3, 128, 128, 512});
  REQUIRE(c.total == 600);
  REQUIRE(c.span == 600);
  REQUIRE(c.chunk == 512);
  REQUIRE(planner::n_chunks(c) == 2);
  REQUIRE(chunks_of(c) == std::vector<std::pair<uint64_t, uint64_t>>{{0, 512}, {512, 88}});
}

TEST_CASE("a per-sample stationary operand keeps every chunk inside one sample") {
  // attention: span = 200 positions of one sample, chunk = min(64, 200) = 64, so per sample
  // 64 + 64 + 64 + 8, for 3 samples: 12 chunks
  const auto c = planner::chunking(gemm_layer(64, 200, 200, true), Tiling{3, 128, 128, 64});
  REQUIRE(c.span == 200);
  REQUIRE(c.chunk == 64);
  REQUIRE(planner::n_chunks(c) == 12);
  const auto v = chunks_of(c);
  REQUIRE(v.size() == 12);
  REQUIRE(v[3] == std::pair<uint64_t, uint64_t>{192, 8});
  REQUIRE(v[4] == std::pair<uint64_t, uint64_t>{200, 64});
  // a chunk cap above the span: one chunk per sample
  REQUIRE(planner::chunking(gemm_layer(64, 200, 200, true), Tiling{3, 128, 128, 512}).chunk == 200);
}

TEST_CASE("output-channel and K blocks are at most the array's cols and rows") {
  const Tiling t{1, 128, 128, 512};
  const workload::Gemm gm{1, 300, 300, 49};
  REQUIRE(planner::block_m(gm, t) == 128);  // 300 = 128 + 128 + 44
  REQUIRE(planner::n_blocks(gm, t) == 3);
  REQUIRE(planner::n_k_blocks(gm, t) == 3);
  std::vector<std::pair<uint64_t, uint64_t>> k;
  planner::for_k_blocks(gm, t, [&](uint64_t k0, uint64_t kk) { k.emplace_back(k0, kk); });
  REQUIRE(k == std::vector<std::pair<uint64_t, uint64_t>>{{0, 128}, {128, 128}, {256, 44}});
  // narrower than the array: the block is the layer's M; tiled finer: the cap
  REQUIRE(planner::block_m(workload::Gemm{1, 27, 64, 49}, t) == 64);
  REQUIRE(planner::block_m(gm, Tiling{1, 128, 32, 512}) == 32);
  REQUIRE(planner::n_blocks(gm, Tiling{1, 128, 32, 512}) == 10);  // ceil(300 / 32)
}

TEST_CASE("a weight block is K x M weights plus M biases") {
  const workload::Gemm gm{1, 27, 64, 49};
  REQUIRE(planner::block_bytes(gm, 64, 2) == (27 * 64 + 64) * 2);  // 3584
  workload::Gemm no_bias = gm;
  no_bias.bias = false;
  REQUIRE(planner::block_bytes(no_bias, 44, 1) == 27 * 44);
}

TEST_CASE("tiling finer halves both caps until both are 1") {
  Tiling t{1, 128, 4, 3};
  REQUIRE(planner::tile_finer(t));  // 4 -> 2, 3 -> 1
  REQUIRE(t.m_cap == 2);
  REQUIRE(t.chunk_cap == 1);
  REQUIRE(planner::tile_finer(t));  // 2 -> 1, 1 stays 1
  REQUIRE(t.m_cap == 1);
  REQUIRE(t.chunk_cap == 1);
  REQUIRE_FALSE(planner::tile_finer(t));
  REQUIRE(t.rows == 128);  // K blocks never narrow
}

TEST_CASE("consecutive parts of a byte count add up to it exactly") {
  // 10 bytes over 3 items: floor(10 k / 3) at k = 0..3 is 0, 3, 6, 10
  REQUIRE(planner::part(10, 0, 1, 3) == 3);
  REQUIRE(planner::part(10, 1, 1, 3) == 3);
  REQUIRE(planner::part(10, 2, 1, 3) == 4);
  REQUIRE(planner::part(10, 0, 3, 3) == 10);
  // no overflow: floor(2^64 / 3) - floor(2^63 / 3) = 6148914691236517205 - 3074457345618258602
  REQUIRE(planner::part(uint64_t{1} << 63, 1, 1, 3) == 3074457345618258603ull);
}

TEST_CASE("a lane-wide channel block's share rounds up") {
  // 1000 bytes over 300 channels, 128 of them at a time: ceil(1000 * 128 / 300) = 427
  REQUIRE(planner::lane_share(1000, 300, 128) == 427);
  // fewer channels than lanes: all of it
  REQUIRE(planner::lane_share(1000, 64, 128) == 1000);
}

TEST_CASE("an embedding passes through SBUF at most a chunk cap of rows at a time") {
  const workload::Gather ga{24, 16, 50, false};
  REQUIRE(planner::gather_chunk_rows(ga, Tiling{3, 128, 128, 512}) == 72);  // 24 x 3 rows
  REQUIRE(planner::gather_chunk_rows(ga, Tiling{3, 128, 128, 32}) == 32);
}

TEST_CASE("the instruction estimate counts MatMuls and evictions, or vector ops") {
  const Tiling t{3, 128, 128, 512};
  // 1 group x 3 M blocks x 2 chunks x (3 K blocks + 1 eviction) = 24
  REQUIRE(planner::compute_instructions(gemm_layer(300, 300, 200), t, 128) == 24);
  // 2 chunks x ceil(300 channels / 128 lanes) = 6
  REQUIRE(planner::compute_instructions(vector_layer(300, 200), t, 128) == 6);
  REQUIRE(planner::compute_instructions(workload::Layer{}, t, 128) == 0);
}

TEST_CASE("a layer's kind implies its order, but for activation_stationary") {
  using isa::Order;
  REQUIRE(planner::base_order(gemm_layer(27, 64, 49)) == Order::weight_stationary);
  REQUIRE(planner::base_order(gemm_layer(64, 64, 49, true)) == Order::activation_operands);
  REQUIRE(planner::base_order(vector_layer(8, 8)) == Order::vector);
  workload::Layer g;
  g.gather = workload::Gather{1, 16, 50, false};
  REQUIRE(planner::base_order(g) == Order::gather);
  workload::Layer x;
  x.external = true;
  REQUIRE(planner::base_order(x) == Order::external);
  REQUIRE(std::string(isa::order_name(Order::activation_stationary)) == "activation_stationary");
}
