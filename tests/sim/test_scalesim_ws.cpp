// configs/hw/scalesim-ws.yaml reproduces SCALE-Sim v2's weight-stationary cycle count: a layer
// of ceil(K/R) * ceil(M/C) folds streaming T columns keeps the array busy
// folds * (2R + C + T - 2) cycles (R = C = 128), on GEMMs whose folds cross both array
// dimensions, partly filled folds included.
#include <catch2/catch.hpp>

#include "test_runs.h"

TEST_CASE("the scalesim-ws preset gives folds x (2R + C + T - 2) tensor-engine cycles per layer") {
  // SCALE-Sim GEMM rows: Layer, M (= T, moving), N (= M, filters), K
  const auto out = ncore::test::tiny_run("scalesim_ws")
                       .hw("configs/hw/scalesim-ws.yaml")
                       .model(
                           "Layer, M, N, K\nfull, 1000, 256, 256\npartial, 33, 257, 129\n"
                           "big, 4096, 200, 300\n",
                           "g.csv")
                       .run("--no-trace");
  const ncore::test::Csv csv = out.layers();
  auto busy = [&](const std::string& layer) {
    return csv.count(csv.find("layer", layer), "tensor_busy_cycles");
  };
  // full:    K 256, M 256, T 1000: 2 x 2 folds x (256 + 128 + 1000 - 2) = 4 x 1382
  REQUIRE(busy("full") == 4 * 1382);
  // partial: K 129, M 257, T 33:   2 x 3 folds (both dimensions partly filled) x 415
  REQUIRE(busy("partial") == 6 * 415);
  // big:     K 300, M 200, T 4096: 3 x 2 folds x 4478
  REQUIRE(busy("big") == 6 * 4478);
  // partial and big read their own IFMAPs from DRAM: two external layers without MatMuls.
  REQUIRE(csv.rows() == 5);
  REQUIRE(busy("partial.ifmap") == 0);
  REQUIRE(busy("big.ifmap") == 0);
}
