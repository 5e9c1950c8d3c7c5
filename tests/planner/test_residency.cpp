// The residency pass alone (no Program): live ranges, SBUF occupancy per layer and the spill
// decision, on a chain of vector layers whose bytes are derived by hand, and its agreement with
// the plan the emitters build on it.
#include <catch2/catch.hpp>

#include "planner/residency.h"
#include "test_runs.h"

using namespace ncore;

namespace {

// Every tensor 16 channels x 8 positions: at batch 2, fp16, 512 bytes. r1 is live from its
// producer to the add, past r2 and r3 that do not read it.
// in_place false unless asked: these cases count every live tensor whole.
config::RunConfig skip_run(const std::string& name, const std::string& capacity,
                           bool allow_spill = true, bool in_place = false) {
  return test::tiny_run(name)
      .model(
          "name: skip\ninput: {channels: 16, height: 8}\nlayers:\n"
          "  - {name: r1, kind: relu}\n  - {name: r2, kind: relu}\n"
          "  - {name: r3, kind: relu}\n  - {name: s, kind: add, inputs: [r1, r3]}\n"
          "  - {name: g, kind: global_avgpool}\n")
      .batch(2)
      .set("hw.state_buffer.capacity", capacity)
      .set("options.allow_spill", allow_spill ? "true" : "false")
      .set("options.in_place", in_place ? "true" : "false")
      .load();
}

// occupancy() of each layer, checked against occupancies(), which sums them all at once.
std::vector<uint64_t> each_occupancy(const planner::PlanInputs& in, const planner::Residency& r) {
  std::vector<uint64_t> v;
  for (size_t l = 0; l < in.g.layers.size(); ++l) v.push_back(planner::occupancy(in, r, l));
  REQUIRE(planner::occupancies(in, r) == v);
  return v;
}

}  // namespace

TEST_CASE("occupancy counts every tensor from its producer to its last consumer") {
  const auto rc = skip_run("res_fit", "1 MiB");
  const planner::PlanInputs in{rc.model, rc.hw, 2, 2, rc.options};
  const auto r = planner::plan_residency(in);
  REQUIRE(r.feasible);
  REQUIRE(r.fits);
  REQUIRE(r.weight_region_bytes == 0);  // no MatMul layers
  // r1: input + r1; r2: r1 + r2; r3: r1 + r2 + r3; s: r1 + r3 + s (512 each);
  // g: s + two stream slots of its 64-byte output (16 channels x 2 samples x 2 B) a lane block
  // (4 of 16 channels) at a time: 2 x 16
  REQUIRE(each_occupancy(in, r) == std::vector<uint64_t>{1024, 1024, 1536, 1536, 544});
}

TEST_CASE("an elementwise layer's output shares the bytes of an input it reads for the last time") {
  const auto rc = skip_run("res_in_place", "1 MiB", true, true);
  const planner::PlanInputs in{rc.model, rc.hw, 2, 2, rc.options};
  const auto r = planner::plan_residency(in);
  // r1 overwrites the network input (its last reader): 512; r2 cannot overwrite r1 (s reads it
  // later): r1 + r2 = 1024; r3 overwrites r2: r1 + r3 = 1024; s overwrites r1 or r3 (both die
  // there): r1 + r3 = 1024; g is not elementwise: 544 as before
  REQUIRE(each_occupancy(in, r) == std::vector<uint64_t>{512, 1024, 1024, 1024, 544});
}

TEST_CASE("the spill victim is the live tensor the overflowing layer does not touch") {
  // At 1280 B, r3 (1536) overflows first. Live there: r1 (not read by r3), r2, r3: spilling r1
  // brings r3 to 1024. s then streams r1 through two slots of a 4-lane block of 16 channels
  // (2 x 512 / 4 = 256): 256 + r3 + s = 1280, which fits.
  const auto rc = skip_run("res_spill", "1280 B");
  const planner::PlanInputs in{rc.model, rc.hw, 2, 2, rc.options};
  const auto r = planner::plan_residency(in);
  REQUIRE(r.feasible);
  REQUIRE_FALSE(r.fits);
  REQUIRE(r.spilled_tensors == 1);
  REQUIRE_FALSE(r.tensors[1].resident);  // r1's output
  REQUIRE(r.tensors[2].resident);
  REQUIRE(r.tensors[3].resident);
  // r1 now writes through two 256-byte slots and r2 reads through them
  REQUIRE(each_occupancy(in, r) == std::vector<uint64_t>{768, 768, 1024, 1280, 544});
  // The emitted plan reports the same occupancy per layer.
  const auto p = planner::plan(rc);
  for (size_t l = 0; l < p.layers.size(); ++l)
    REQUIRE(p.layers[l].sbuf_bytes == planner::occupancy(in, r, l));
}

TEST_CASE("without spilling the first overflowing layer is infeasible by its shortfall") {
  const auto rc = skip_run("res_strict", "1280 B", false);
  const auto r = planner::plan_residency(planner::PlanInputs{rc.model, rc.hw, 2, 2, rc.options});
  REQUIRE_FALSE(r.feasible);
  REQUIRE(r.infeasible.layer == "r3");
  REQUIRE(r.infeasible.shortfall_bytes == 1536 - 1280);
  REQUIRE(r.spilled_tensors == 0);
}

TEST_CASE("many long-lived branches spill one by one, each layer's occupancy summed at once") {
  // 250 relu branches of the input, then a chain of adds consuming them in turn: branch i lives
  // from its producer to add i, so at the last branch all 250 (32 KiB each: 16 channels x 32 x 32
  // x fp16) and the input are live in the tiny accelerator's 1 MiB: 220 are spilled (the count
  // the per-layer sums gave before occupancies(); 4,000 branches then planned in 87 s).
  std::string yaml = "name: fan\ninput: {channels: 16, height: 32, width: 32}\nlayers:\n";
  const int n = 250;
  for (int i = 0; i < n; ++i)
    yaml += "  - {name: r" + std::to_string(i) + ", kind: relu, inputs: [input]}\n";
  yaml += "  - {name: s1, kind: add, inputs: [r0, r1]}\n";
  for (int i = 2; i < n; ++i)
    yaml += "  - {name: s" + std::to_string(i) + ", kind: add, inputs: [s" + std::to_string(i - 1) +
            ", r" + std::to_string(i) + "]}\n";
  const auto rc = test::tiny_run("res_fan").model(yaml).batch(1).load();
  const planner::PlanInputs in{rc.model, rc.hw, 1, 2, rc.options};
  const auto r = planner::plan_residency(in);
  REQUIRE(r.feasible);
  REQUIRE(r.spilled_tensors == 220);
  const auto occ = each_occupancy(in, r);
  REQUIRE(*std::max_element(occ.begin(), occ.end()) <= rc.hw.state_buffer.capacity);
}

TEST_CASE("a grouped-query scores layer reads the whole Q tensor once, over its KV heads") {
  // Q: 4 heads of 4 features over 8 tokens; K: 2 KV heads. At batch 2, fp16, Q is 16 x 8 x 2 x
  // 2 B = 512 B. Each KV head's moving columns are its 2 query heads' 8 tokens (16 per sample),
  // 4 rows (K = head_dim) each: 2 KV heads x 2 samples x 16 x 4 x 2 B = 512 B, Q once, whatever
  // the chunk (512 columns; 2 with 64 B of PSUM).
  for (const char* psum : {"16 KiB", "64 B"}) {
    const auto rc = test::tiny_run(std::string("res_gqa_") + (psum[0] == '6' ? "small" : "big"))
                        .model(
                            "name: gqa\ninput: {channels: 16, height: 8}\nlayers:\n"
                            "  - {name: k, kind: linear, out_features: 8}\n"
                            "  - {name: s, kind: matmul, inputs: [input, k], heads: 4, kv_heads: "
                            "2, transpose_b: true}\n")
                        .batch(2)
                        .set("hw.psum.capacity", psum)
                        .load();
    const planner::PlanInputs in{rc.model, rc.hw, 2, 2, rc.options};
    const auto r = planner::plan_residency(in);
    const workload::Layer& s = rc.model.layers[1];
    const planner::Chunking c = planner::chunking(s, r.tiling);
    REQUIRE(c.total == 2 * 16);
    uint64_t bytes = 0;
    for (uint64_t g = 0; g < s.gemm->groups; ++g)
      planner::for_chunks(c, [&](uint64_t c0, uint64_t n) {
        bytes += planner::input_share(in, r, s, 0, c0, n, c);
      });
    CHECK(bytes == 512);
  }
}
