// The cost bound (src/planner/estimate.h; issue 12 findings 3 and 5): a point beyond the
// documented limits is refused with exit 2 before anything grows with it, naming the estimate
// and the limit. The reproducers only exercise the estimate path: nothing large is allocated.
#include <catch2/catch.hpp>
#include <string>

#include "config/run_config.h"
#include "planner/estimate.h"
#include "planner/lowering.h"
#include "planner/planner.h"
#include "test_util.h"

using namespace ncore;
using test::read;
using test::repo;
using test::write;

namespace {

// A run of `model_text` on inf1 at batch 1, in a scratch folder.
std::string big_run(const std::string& name, const std::string& model_text) {
  const std::string dir = test::scratch(name);
  write(dir + "/model.yaml", model_text);
  return write(dir + "/run.yaml", "hw: " + repo("configs/hw/inf1.yaml") +
                                      "\nmodel: model.yaml\nbatch: 1\ndtype: fp16\n");
}

std::string with_input(std::string model, const std::string& from, const std::string& to) {
  const size_t at = model.find(from);
  REQUIRE(at != std::string::npos);
  return model.replace(at, from.size(), to);
}

void expect_refused(const std::string& args, const std::string& what) {
  const auto r = test::ncoresim(args);
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(what));
  REQUIRE(std::count(r.output.begin(), r.output.end(), '\n') == 1);  // one line
}

}  // namespace

TEST_CASE("a 3 x 16,777,216 x 224 YAML input is refused by the instruction estimate") {
  // Was: `plan` over 8 GB in 6 s (the 20M-instruction guard fired at emit_gemm).
  const std::string run = big_run(
      "bounds_big_input", with_input(read(repo("models/tiny_cnn.yaml")), "height: 32, width: 32",
                                     "height: 16777216, width: 224"));
  expect_refused("plan '" + run + "'",
                 "compute instructions at batch 1, over the limit of 20000000");
}

TEST_CASE("resnet18 with a 2^24 input height is refused, not tiled for minutes") {
  // Was: `plan` hung > 90 s in choose_orders -> input_pass_bytes -> for_chunks.
  const std::string run = big_run("bounds_r18", with_input(read(repo("models/resnet18.yaml")),
                                                           "height: 224", "height: 16777216"));
  expect_refused("plan '" + run + "'", "over the limit of 20000000");
}

TEST_CASE("resnet50 at batch 4096 is refused with its memory estimate, trace or not") {
  // Was: over 8 GB in 10 s with the trace, 21 s and 7.2 GB without.
  const std::string args = "run configs/runs/resnet50_inf1.yaml --batch 4096 -o '" +
                           test::scratch("bounds_r50") + "/out'";
  expect_refused(args, "of it for the trace), over the limit of 4096 MiB");
  expect_refused(args + " --no-trace", "over the limit of 4096 MiB: reduce the batch");
  expect_refused("plan configs/runs/resnet50_inf1.yaml --batch 4096", "over the limit of 4096 MiB");
}

TEST_CASE("the instruction estimate is a lower bound of the exact count") {
  for (const char* f : {"configs/runs/resnet50_inf1.yaml", "configs/runs/tiny_cnn.yaml",
                        "configs/runs/bert_base_trn1.yaml"}) {
    const config::RunConfig rc = config::load_run(repo(f));
    const planner::PlanInputs in{rc.model,   rc.hw,   8, workload::dtype_bytes(rc.dtype),
                                 rc.options, rc.dtype};
    const planner::Tiling t = planner::array_tiling(rc.hw, 8);
    const auto lowered = planner::choose_lowerings(in, t);
    for (size_t l = 0; l < rc.model.layers.size(); ++l) {
      const auto& layer = rc.model.layers[l];
      INFO(f << " " << layer.name);
      REQUIRE(planner::min_instructions(layer, t, rc.hw.vector_engine.lanes) <=
              planner::lowered_instructions(layer, lowered[l], t, rc.hw.vector_engine.lanes));
    }
  }
}

TEST_CASE("the memory estimate counts the trace only when tracing") {
  const config::RunConfig rc = config::load_run(repo("configs/runs/tiny_cnn.yaml"));
  planner::PlanInputs in{rc.model, rc.hw, 1, 2, rc.options, rc.dtype};
  // 1000 instructions: 1000 x 2000 B without a trace, + 1000 x 4400 B with one
  REQUIRE(planner::estimate_cost(in, 1000).memory_bytes == 2'000'000);
  REQUIRE(planner::estimate_cost(in, 1000).trace_bytes == 0);
  in.trace = true;
  REQUIRE(planner::estimate_cost(in, 1000).memory_bytes == 6'400'000);
  // saturating: never wraps to a small number
  REQUIRE(planner::estimate_cost(in, ~uint64_t{0} / 2).memory_bytes == ~uint64_t{0});
}

TEST_CASE("shipped points stay within the cost bound") {
  REQUIRE(test::ncoresim("plan configs/runs/resnet50_inf1.yaml --batch 64").code == 0);
}
