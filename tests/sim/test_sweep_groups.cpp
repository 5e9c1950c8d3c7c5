// A sweep's groups (issue 14, sim/sweep.h): points whose runs plan alike share one plan and one
// process, each simulated in a new SystemC context, and still give byte for byte what
// `ncoresim run` gives for their config alone.
#include <catch2/catch.hpp>
#include <set>

#include "planner/planner.h"
#include "test_runs.h"

using namespace ncore;

TEST_CASE("plan_key ignores what the planner does not read, and sees what it does") {
  const auto key = [](const std::vector<config::Override>& o, bool trace = false) {
    return planner::plan_key(test::shipped_run("configs/runs/resnet50_inf1.yaml").set(o).load(),
                             trace);
  };
  const std::string base = key({});
  // DRAM, host and energy: not read by the planner (planner_view masks them).
  REQUIRE(key({{"hw.dram.bandwidth", "50 GiB/s", "t"}}) == base);
  REQUIRE(key({{"hw.dram.latency", "1 us", "t"}}) == base);
  REQUIRE(key({{"hw.host.overhead", "1 ms", "t"}}) == base);
  REQUIRE(key({{"hw.energy.dram_pj_per_byte", "10", "t"}}) == base);
  // The state buffer, the array, the DMA, the batch, the options and the trace: read.
  REQUIRE(key({{"hw.state_buffer.capacity", "8 MiB", "t"}}) != base);
  REQUIRE(key({{"hw.tensor_engine.cols", "64", "t"}}) != base);
  REQUIRE(key({{"hw.dma.queues", "4", "t"}}) != base);
  REQUIRE(key({{"batch", "2", "t"}}) != base);
  REQUIRE(key({{"options.prefetch", "fixed", "t"}}) != base);
  REQUIRE(key({}, true) != base);
  // And the program itself does not see the masked fields: the same instructions.
  const auto a = test::shipped_run("configs/runs/resnet50_inf1.yaml").plan();
  const auto b = test::shipped_run("configs/runs/resnet50_inf1.yaml")
                     .set("hw.dram.bandwidth", "50GiB/s")
                     .plan();
  REQUIRE(a.instructions() == b.instructions());
  REQUIRE(a.weight_buffers == b.weight_buffers);
}

TEST_CASE("points sharing a plan and a process give what ncoresim run gives, byte for byte") {
  // Eight points, four bandwidths at two batches: at --jobs 1 they run in groups of two
  // (ceil(8 / 4)), each group's second point in a new SystemC context of the same process.
  // ResNet-50's replay is sensitive to the order of same-time events (an SBUF port taken first
  // by one engine or the other), so a context that kept anything of the first point would show.
  const std::string dir = test::scratch("sweep_groups");
  const std::string sweep = test::write(
      dir + "/s.yaml", "base: " + test::repo("configs/runs/resnet50_inf1.yaml") +
                           "\naxes:\n  batch: [1, 2]\n"
                           "  hw.dram.bandwidth: [4 GiB/s, 8 GiB/s, 12.5 GiB/s, 25 GiB/s]\n");
  const auto r = test::ncoresim("sweep '" + sweep + "' -q -o '" + dir + "/out' --jobs 1");
  INFO(r.output);
  REQUIRE(r.code == 0);
  std::set<std::string> cycles;
  for (int p = 0; p < 8; ++p) {
    const std::string point = dir + "/out/p0" + std::to_string(p);
    const auto alone =
        test::shipped_run(point + "/config.yaml", "alone" + std::to_string(p)).run("--no-trace");
    INFO(point);
    REQUIRE(test::read(point + "/summary.json") == alone.file("summary.json"));
    REQUIRE(test::read(point + "/layers.csv") == alone.file("layers.csv"));
    cycles.insert(alone.summary["cycles"].dump());
  }
  REQUIRE(cycles.size() == 8);  // the bandwidth matters: eight different points
}
