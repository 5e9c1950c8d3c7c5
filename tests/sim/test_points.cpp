// Whole points through the ncoresim binary, one process per point (DESIGN.md "One point, one
// process"): the batching invariants, the roofline bounds, exit codes and determinism.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.h"

using namespace ncore;
using nlohmann::json;

namespace {

json run_point(const std::string& run, const std::string& dir, const std::string& args = "",
               int expect_code = 0) {
  const auto r = test::ncoresim("run " + run + " --out '" + dir + "' -q " + args);
  INFO(r.output);
  REQUIRE(r.code == expect_code);
  return json::parse(test::read(dir + "/summary.json"));
}

uint64_t model_macs(const std::string& model) {
  const auto r = test::ncoresim("inspect " + model);
  REQUIRE(r.code == 0);
  // "name: input CxHxW, L layers, <macs> MACs and <params> parameters per sample"
  const size_t at = r.output.find(" layers, ");
  return std::stoull(r.output.substr(at + 9));
}

void require_bounds(const json& s) {
  INFO(s.dump());
  REQUIRE(s["cycles"].get<double>() >= s["bounds"]["compute_cycles"].get<double>());
  REQUIRE(s["cycles"].get<double>() >= s["bounds"]["dram_cycles"].get<double>());
  REQUIRE(s["bounds"]["compute_cycles"].get<double>() > 0);
}

}  // namespace

TEST_CASE("tiny_cnn at batch 1, 2, 4: MACs scale with b, weight bytes do not, nothing spills") {
  const std::string dir = test::scratch("batches");
  const uint64_t macs = model_macs("models/tiny_cnn.yaml");
  REQUIRE(macs == 6509184);
  uint64_t weights = 0;
  for (uint64_t b : {1, 2, 4}) {
    const auto s = run_point("configs/runs/tiny_cnn.yaml", dir + "/b" + std::to_string(b),
                             "--batch " + std::to_string(b));
    INFO("batch " << b);
    REQUIRE(s["macs"] == macs * b);
    REQUIRE(s["fits"] == true);
    REQUIRE(s["dram"]["read_bytes"]["spill"] == 0);
    REQUIRE(s["dram"]["write_bytes"]["spill"] == 0);
    const uint64_t w = s["dram"]["read_bytes"]["weights"];
    if (b == 1) weights = w;
    REQUIRE(w == weights);
    REQUIRE(w == 26986 * 2);  // every parameter once, fp16
    require_bounds(s);
  }
}

TEST_CASE("spill bytes are zero with a large state buffer and non-zero with a tiny one") {
  const std::string dir = test::scratch("spill");
  const auto big = run_point("configs/runs/tiny_cnn.yaml", dir + "/big", "--batch 4");
  REQUIRE(big["dram"]["write_bytes"]["spill"] == 0);
  const auto small = run_point("configs/runs/tiny_cnn.yaml", dir + "/small",
                               "--batch 4 --set hw.state_buffer.capacity=64KiB");
  REQUIRE(small["fits"] == false);
  REQUIRE(small["dram"]["write_bytes"]["spill"].get<uint64_t>() > 0);
  REQUIRE(small["dram"]["read_bytes"]["spill"].get<uint64_t>() > 0);
  REQUIRE(small["state_buffer"]["peak_bytes"].get<uint64_t>() <= 64 * 1024);
  REQUIRE(small["macs"] == big["macs"]);
  require_bounds(small);
}

TEST_CASE("cycles never beat the compute or DRAM roofline bound") {
  const std::string dir = test::scratch("bounds");
  require_bounds(
      run_point("configs/runs/resnet50_inf1.yaml", dir + "/inf1", "--batch 1 --no-trace"));
  require_bounds(
      run_point("configs/runs/resnet50_trn1.yaml", dir + "/trn1", "--batch 2 --no-trace"));
  require_bounds(run_point("configs/runs/mlp_inf1.yaml", dir + "/mlp", "--batch 3"));
  require_bounds(
      run_point("configs/runs/tiny_cnn.yaml", dir + "/fp32", "--batch 2 --set dtype=fp32"));
  // The banked DRAM model (its peak is the preset's) and the ideal one obey the same bounds.
  const auto banks = run_point("configs/runs/resnet50_inf1.yaml", dir + "/banks",
                               "--batch 2 --no-trace --set hw.dram.model=banks "
                               "--set hw.dram.preset=ddr4-2400 --set hw.dram.channels=2");
  require_bounds(banks);
  REQUIRE(banks["roofline"]["peak_dram_bytes_per_s"].get<double>() ==
          Approx(2 * 19.2e9).epsilon(1e-4));
  // With banks, the ddr4-2400 preset's energy: 120 pJ per DRAM byte and 2000 pJ per row
  // activation (not the inf1 table's 160 pJ per byte).
  auto dram_j = [](const nlohmann::json& s, double pj_per_byte, double activate_pj) {
    const auto& d = s["dram"];
    uint64_t bytes = 0;
    for (const char* c : {"weights", "io", "spill"})
      bytes += d["read_bytes"][c].get<uint64_t>() + d["write_bytes"][c].get<uint64_t>();
    REQUIRE(d["row_misses"].get<uint64_t>() > 0);
    return (static_cast<double>(bytes) * pj_per_byte +
            d["row_misses"].get<double>() * activate_pj) *
           1e-12;
  };
  REQUIRE(banks["energy"]["dram_j"].get<double>() == Approx(dram_j(banks, 120, 2000)));
  // Each preset its own energy: hbm2e 22 pJ per byte and 500 pJ per activation, lpddr4 40 and
  // 600.
  const auto hbm = run_point("configs/runs/resnet50_inf1.yaml", dir + "/hbm",
                             "--batch 2 --no-trace --set hw.dram.model=banks "
                             "--set hw.dram.preset=hbm2e --set hw.dram.channels=2");
  require_bounds(hbm);
  REQUIRE(hbm["energy"]["dram_j"].get<double>() == Approx(dram_j(hbm, 22, 500)));
  const auto lp = run_point("configs/runs/resnet50_inf1.yaml", dir + "/lpddr4",
                            "--batch 2 --no-trace --set hw.dram.model=banks "
                            "--set hw.dram.preset=lpddr4 --set hw.dram.channels=4");
  require_bounds(lp);
  REQUIRE(lp["energy"]["dram_j"].get<double>() == Approx(dram_j(lp, 40, 600)));
  require_bounds(run_point("configs/runs/resnet50_inf1.yaml", dir + "/ideal",
                           "--batch 2 --no-trace --set hw.dram.model=ideal"));
}

TEST_CASE("an infeasible plan exits 3 with fits false, the layer, and null timings") {
  const std::string dir = test::scratch("infeasible");
  const auto s = run_point("configs/runs/tiny_cnn.yaml", dir,
                           "--batch 4 --set hw.state_buffer.capacity=64KiB "
                           "--set options.allow_spill=false",
                           3);
  REQUIRE(s["fits"] == false);
  REQUIRE(s["infeasible"]["layer"].is_string());
  REQUIRE(s["infeasible"]["shortfall_bytes"].get<uint64_t>() > 0);
  for (const char* k : {"cycles", "seconds", "latency_s", "throughput_inferences_per_s", "macs"})
    REQUIRE(s[k].is_null());
  REQUIRE(s["dram"]["read_bytes"]["weights"].is_null());
  REQUIRE(s["state_buffer"]["capacity_bytes"] == 64 * 1024);
}

TEST_CASE("the same run twice gives byte-identical outputs, and config.yaml reproduces it") {
  const std::string dir = test::scratch("determinism");
  run_point("configs/runs/tiny_cnn.yaml", dir + "/a",
            "--batch 2 --set hw.state_buffer.capacity=80KiB");
  run_point("configs/runs/tiny_cnn.yaml", dir + "/b",
            "--batch 2 --set hw.state_buffer.capacity=80KiB");
  for (const char* f : {"summary.json", "layers.csv", "config.yaml", "trace.json"}) {
    INFO(f);
    REQUIRE(test::read(dir + "/a/" + f) == test::read(dir + "/b/" + f));
  }
  // The resolved config alone reproduces the point.
  run_point("'" + dir + "/a/config.yaml'", dir + "/c");
  REQUIRE(test::read(dir + "/a/summary.json") == test::read(dir + "/c/summary.json"));
  REQUIRE(test::read(dir + "/a/layers.csv") == test::read(dir + "/c/layers.csv"));
}

TEST_CASE("a sweep gives the same sweep.csv with --jobs 1 and --jobs 2, in axis order") {
  const std::string dir = test::scratch("sweep");
  const std::string sweep =
      test::write(dir + "/s.yaml", "base: " + test::repo("configs/runs/tiny_cnn.yaml") +
                                       "\naxes:\n  hw.state_buffer.capacity: [64 KiB, 1 MiB]\n"
                                       "  batch: [1, 2, 4]\n");
  for (const char* jobs : {"1", "2"}) {
    const auto r = test::ncoresim("sweep '" + sweep + "' -q --jobs " + std::string(jobs) +
                                  " --out '" + dir + "/j" + jobs + "'");
    INFO(r.output);
    REQUIRE(r.code == 0);
  }
  const std::string csv = test::read(dir + "/j1/sweep.csv");
  REQUIRE(csv == test::read(dir + "/j2/sweep.csv"));
  // Header: point, the axes by their dotted keys, then the summary's fields.
  REQUIRE(csv.rfind("point,hw.state_buffer.capacity,batch,version,model,hw,dtype,fits,cycles,",
                    0) == 0);
  // Rows in axis order (first axis outermost), values in base units.
  const std::vector<std::string> starts = {"p00,65536,1,",   "p01,65536,2,",   "p02,65536,4,",
                                           "p03,1048576,1,", "p04,1048576,2,", "p05,1048576,4,"};
  size_t pos = csv.find('\n') + 1;
  for (const auto& s : starts) {
    REQUIRE(csv.compare(pos, s.size(), s) == 0);
    pos = csv.find('\n', pos) + 1;
  }
  REQUIRE(pos == csv.size());
}

TEST_CASE("a sweep keeps infeasible points as rows with empty timings and exits 0") {
  const std::string dir = test::scratch("sweep_infeasible");
  const std::string sweep = test::write(
      dir + "/s.yaml", "base: " + test::repo("configs/runs/tiny_cnn.yaml") +
                           "\naxes:\n  batch: [1, 4]\n  options.allow_spill: [false]\n");
  const auto r = test::ncoresim(
      "sweep '" + sweep + "' -q --set hw.state_buffer.capacity=64KiB --out '" + dir + "/out'");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const std::string csv = test::read(dir + "/out/sweep.csv");
  REQUIRE_THAT(csv, Catch::Contains("p01,4,false,"));
  REQUIRE_THAT(csv, Catch::Contains(",false,,,,,"));  // fits false, then empty timings
}

TEST_CASE("plan --max-batch --json prints the max batch, binding layer and shortfall") {
  const auto r = test::ncoresim("plan configs/runs/resnet50_inf1.yaml --max-batch --json");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto j = json::parse(r.output);
  REQUIRE(j["max_batch"] == 5);
  REQUIRE(j["binding_layer"] == "layer1.0.add");
  REQUIRE(j["shortfall_bytes"].get<uint64_t>() > 0);
  const auto small =
      json::parse(test::ncoresim("plan configs/runs/resnet50_inf1.yaml --max-batch --json "
                                 "--set hw.state_buffer.capacity=12MiB")
                      .output);
  REQUIRE(small["max_batch"].get<uint64_t>() < 5);
}

TEST_CASE("a client batch is run as ceil(N / b) pipelined invocations") {
  const std::string dir = test::scratch("client");
  const auto s =
      run_point("configs/runs/tiny_cnn.yaml", dir, "--batch 4 --set options.client_batch=10");
  const auto& c = s["client"];
  REQUIRE(c["batch"] == 10);
  REQUIRE(c["invocations"] == 3);
  REQUIRE(c["padded_samples"] == 2);
  const double h =
      s["host"]["overhead_s"].get<double>() + s["host"]["input_transfer_s"].get<double>();
  const double d = s["seconds"], o = s["host"]["output_transfer_s"];
  REQUIRE(c["first_completion_s"].get<double>() == Approx(h + d + o));
  REQUIRE(c["last_completion_s"].get<double>() == Approx(h + d + o + 2 * std::max({h, d, o})));
  REQUIRE(c["throughput_inferences_per_s"].get<double>() ==
          Approx(10 / c["last_completion_s"].get<double>()));
  REQUIRE(s["latency_s"].get<double>() == Approx(h + d + o));
}

TEST_CASE("a sweep with slo writes best.csv: the fastest batch within the bound per SBUF size") {
  const std::string dir = test::scratch("slo");
  const std::string sweep = test::write(
      dir + "/s.yaml", "base: " + test::repo("configs/runs/tiny_cnn.yaml") +
                           "\nslo: 600 us\naxes:\n  hw.state_buffer.capacity: [64 KiB, 1 MiB]\n"
                           "  batch: [1, 2, 4]\n");
  const auto r = test::ncoresim("sweep '" + sweep + "' -q --out '" + dir + "/out'");
  INFO(r.output);
  REQUIRE(r.code == 0);
  // Recompute the answer from sweep.csv's own rows.
  const std::string csv = test::read(dir + "/out/sweep.csv");
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> head;
  for (std::istringstream h(line); std::getline(h, line, ',');) head.push_back(line);
  const auto col = [&](const std::string& n) {
    return static_cast<size_t>(std::find(head.begin(), head.end(), n) - head.begin());
  };
  std::map<std::string, std::pair<double, std::string>> best;  // capacity -> (throughput, batch)
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    for (std::istringstream c(line); std::getline(c, line, ',');) cells.push_back(line);
    if (std::stod(cells[col("latency_s")]) > 600e-6) continue;
    auto& b = best[cells[col("hw.state_buffer.capacity")]];
    const double thr = std::stod(cells[col("throughput_inferences_per_s")]);
    if (thr > b.first) b = {thr, cells[col("batch")]};
  }
  const std::string got = test::read(dir + "/out/best.csv");
  REQUIRE(got.rfind("hw.state_buffer.capacity,slo_s,batch,throughput_inferences_per_s,latency_s\n",
                    0) == 0);
  for (const auto& [cap, b] : best)
    REQUIRE_THAT(got, Catch::Contains(cap + ",0.0006," + b.second + ","));
  REQUIRE(best.size() == 2);
}

TEST_CASE("layers.csv tensor_utilization is each layer's MACs over the array's peak while busy") {
  const std::string dir = test::scratch("layer_util");
  for (const char* dtype : {"fp16", "int8"}) {
    const auto s = run_point("configs/runs/resnet50_inf1.yaml", dir + "/" + dtype,
                             std::string("--batch 2 --no-trace --set dtype=") + dtype);
    const double rate = std::string(dtype) == "int8" ? 2.0 : 1.0;  // inf1: INT8 at 2x
    std::istringstream csv(test::read(dir + "/" + dtype + "/layers.csv"));
    std::string line;
    std::getline(csv, line);  // header: macs is column 3, tensor_busy_cycles 6, utilization 10
    uint64_t macs = 0, busy = 0;
    int rows = 0;
    while (std::getline(csv, line)) {
      std::vector<std::string> f;
      std::istringstream ls(line);
      for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
      const double m = std::stod(f[3]), b = std::stod(f[6]);
      macs += static_cast<uint64_t>(m);
      busy += static_cast<uint64_t>(b);
      if (b == 0) {
        REQUIRE(f[10].empty());
        continue;
      }
      ++rows;
      const double u = std::stod(f[10]);
      REQUIRE(u == Approx(m / (128.0 * 128.0 * rate * b)));
      REQUIRE(u <= 1.0);
    }
    REQUIRE(rows >= 50);  // ResNet-50's convolutions and its linear layer
    // The layers add up to the summary's totals.
    REQUIRE(macs == s["macs"].get<uint64_t>());
    REQUIRE(busy == s["tensor_engine"]["busy_cycles"].get<uint64_t>());
  }
}

TEST_CASE("ideal DRAM runs as the simple model with zero latency, faster than with it") {
  const std::string dir = test::scratch("ideal");
  const auto ideal = run_point("configs/runs/mlp_inf1.yaml", dir + "/ideal",
                               "--no-trace --set hw.dram.model=ideal");
  const auto zero =
      run_point("configs/runs/mlp_inf1.yaml", dir + "/zero", "--no-trace --set hw.dram.latency=0s");
  const auto simple = run_point("configs/runs/mlp_inf1.yaml", dir + "/simple", "--no-trace");
  REQUIRE(ideal["cycles"] == zero["cycles"]);
  REQUIRE(ideal["cycles"].get<uint64_t>() < simple["cycles"].get<uint64_t>());  // 100 ns each
}
