// configs/hw/scalesim-ws.yaml reproduces SCALE-Sim v2's weight-stationary cycle count: a layer
// of ceil(K/R) * ceil(M/C) folds streaming T columns keeps the array busy
// folds * (2R + C + T - 2) cycles (R = C = 128), on GEMMs whose folds cross both array
// dimensions, partly filled folds included.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <vector>

#include "test_util.h"

TEST_CASE("the scalesim-ws preset gives folds x (2R + C + T - 2) tensor-engine cycles per layer") {
  const std::string dir = ncore::test::scratch("scalesim_ws");
  // SCALE-Sim GEMM rows: Layer, M (= T, moving), N (= M, filters), K
  ncore::test::write(dir + "/g.csv",
                     "Layer, M, N, K\nfull, 1000, 256, 256\npartial, 33, 257, 129\n"
                     "big, 4096, 200, 300\n");
  ncore::test::write(dir + "/run.yaml", "hw: " + ncore::test::repo("configs/hw/scalesim-ws.yaml") +
                                            "\nmodel: g.csv\nbatch: 1\n");
  const auto r =
      ncore::test::ncoresim("run '" + dir + "/run.yaml' -q --no-trace --out '" + dir + "/out'");
  INFO(r.output);
  REQUIRE(r.code == 0);
  std::map<std::string, std::string> busy;  // layer -> tensor_busy_cycles
  std::istringstream csv(ncore::test::read(dir + "/out/layers.csv"));
  std::string line;
  std::getline(csv, line);
  while (std::getline(csv, line)) {
    std::vector<std::string> c;
    for (std::istringstream l(line); std::getline(l, line, ',');) c.push_back(line);
    busy[c[0]] = c[6];
  }
  // full:    K 256, M 256, T 1000: 2 x 2 folds x (256 + 128 + 1000 - 2) = 4 x 1382
  REQUIRE(busy["full"] == std::to_string(4 * 1382));
  // partial: K 129, M 257, T 33:   2 x 3 folds (both dimensions partly filled) x 415
  REQUIRE(busy["partial"] == std::to_string(6 * 415));
  // big:     K 300, M 200, T 4096: 3 x 2 folds x 4478
  REQUIRE(busy["big"] == std::to_string(6 * 4478));
}
