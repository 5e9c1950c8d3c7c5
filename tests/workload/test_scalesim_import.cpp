// SCALE-Sim topology CSVs: both forms, SCALE-Sim's output-size and MAC conventions, and the
// tolerated file quirks (byte-order mark, trailing commas, spaces, blank lines, extra columns).
#include <catch2/catch.hpp>

#include "config/run_config.h"
#include "test_runs.h"
#include "workload/importers.h"

using namespace ncore;

TEST_CASE("a SCALE-Sim conv topology imports with SCALE-Sim's output size and MACs") {
  // tests/data/scalesim/conv_topology.csv has a BOM, CRLF, trailing commas, a blank line,
  // padded names and an extra column.
  const auto g = config::load_model_file(test::repo("tests/data/scalesim/conv_topology.csv"));
  // Conv1: ceil((224 - 7 + 2) / 2) = 110 per side; MACs 110 * 110 * 7 * 7 * 3 * 64
  const auto& c1 = test::find_layer(g, "Conv1");
  REQUIRE(c1.out == workload::Shape{64, 110, 110});
  REQUIRE(c1.macs_per_sample() == 110ull * 110 * 7 * 7 * 3 * 64);
  REQUIRE(c1.weight_elems() == 7 * 7 * 3 * 64);  // no bias in SCALE-Sim
  // Conv2 reads its own 64x56x56 IFMAP from DRAM: ceil((56 - 3 + 1) / 1) = 54
  const auto& c2 = test::find_layer(g, "Conv2");
  REQUIRE(c2.out == workload::Shape{64, 54, 54});
  REQUIRE(test::find_layer(g, "Conv2.ifmap").external);
  REQUIRE(c2.macs_per_sample() == 54ull * 54 * 3 * 3 * 64 * 64);
  REQUIRE(test::find_layer(g, "FC1").macs_per_sample() == 2048ull * 1000);
  REQUIRE(g.macs_per_sample() == 113836800ull + 107495424ull + 2048000ull);
}

TEST_CASE("a SCALE-Sim GEMM row M, N, K is MatMul{K, N, M}: M moving, N filters") {
  const auto g = config::load_model_file(test::repo("tests/data/scalesim/gemm_topology.csv"));
  const auto& g2 = test::find_layer(g, "gemm2");  // M = 100, N = 300, K = 200
  REQUIRE(g2.gemm->k == 200);
  REQUIRE(g2.gemm->m == 300);
  REQUIRE(g2.gemm->positions == 100);
  REQUIRE(g2.macs_per_sample() == 100ull * 300 * 200);
  REQUIRE(g2.weight_elems() == 200 * 300);
}

TEST_CASE("ncoresim import writes a model YAML that loads to the same model") {
  const std::string dir = test::scratch("scalesim_import");
  const auto r =
      test::ncoresim("import tests/data/scalesim/conv_topology.csv -o '" + dir + "/conv.yaml'");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto a = config::load_model_file(test::repo("tests/data/scalesim/conv_topology.csv"));
  const auto b = config::load_model_file(dir + "/conv.yaml");
  REQUIRE(a.layers.size() == b.layers.size());
  REQUIRE(a.macs_per_sample() == b.macs_per_sample());
  REQUIRE(a.weight_elems() == b.weight_elems());
  for (size_t i = 0; i < a.layers.size(); ++i) REQUIRE(a.layers[i].out == b.layers[i].out);
}

TEST_CASE("a topology runs: its IFMAPs are read as io and MACs add up") {
  const auto s = test::tiny_run("scalesim_run")
                     .hw("configs/hw/trn1.yaml")
                     .model_file("tests/data/scalesim/gemm_topology.csv")
                     .run("--no-trace")
                     .summary;
  REQUIRE(s["macs"] == 128 * 256 * 64 + 100 * 300 * 200);  // M x N x K of gemm1 and gemm2
  REQUIRE(s["dram"]["read_bytes"]["weights"] == (64 * 256 + 200 * 300) * 2);  // K x N each, fp16
  // io read: gemm1's input 64 x 128 and gemm2's IFMAP 200 x 100, fp16
  REQUIRE(s["dram"]["read_bytes"]["io"] == (64 * 128 + 200 * 100) * 2);
}

TEST_CASE("a file that is not a SCALE-Sim topology is one clear error, exit 2") {
  const std::string dir = test::scratch("scalesim_bad");
  test::write(dir + "/bad.csv", "a,b\n1,2\n");
  auto r = test::ncoresim("inspect '" + dir + "/bad.csv'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(dir + "/bad.csv:1: not a SCALE-Sim topology header"));
  test::write(dir + "/neg.csv", "Layer, M, N, K\ng, 4, -2, 8\n");
  r = test::ncoresim("inspect '" + dir + "/neg.csv'");
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output,
               Catch::Contains(dir + "/neg.csv:2: N: expected a positive integer, got '-2'"));
}
