// Whole points through the ncoresim binary, one process per point (DESIGN.md "One point, one
// process"): the batching invariants, the roofline bounds, exit codes and determinism.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "test_runs.h"

using namespace ncore;
using nlohmann::json;
using test::kTinyCnnMacs;

namespace {

uint64_t model_macs(const std::string& model) {
  const auto r = test::ncoresim("inspect " + model);
  REQUIRE(r.code == 0);
  // "name: input CxHxW, L layers, <macs> MACs and <params> parameters per sample"
  const size_t at = r.output.find(" layers, ");
  return std::stoull(r.output.substr(at + 9));
}

// The roofline bounds: compute_cycles (derived by hand by the caller: MACs / (R x C x rate)) and
// the DRAM bound, neither beaten by the simulated cycles.
void require_bounds(const json& s, double compute_cycles) {
  INFO(s.dump());
  REQUIRE(s["bounds"]["compute_cycles"].get<double>() == compute_cycles);
  REQUIRE(s["cycles"].get<double>() >= s["bounds"]["compute_cycles"].get<double>());
  REQUIRE(s["cycles"].get<double>() >= s["bounds"]["dram_cycles"].get<double>());
}

// `ncoresim sweep` of tiny_cnn.yaml over `body` (axes, slo) into dir/out, which must exit 0.
std::string tiny_sweep(const std::string& dir, const std::string& body, const std::string& out,
                       const std::string& args = "") {
  const std::string sweep = test::write(
      dir + "/s.yaml", "base: " + test::repo("configs/runs/tiny_cnn.yaml") + "\n" + body);
  const auto r = test::ncoresim("sweep '" + sweep + "' -q --out '" + dir + "/" + out + "' " + args);
  INFO(r.output);
  REQUIRE(r.code == 0);
  return dir + "/" + out;
}

}  // namespace

TEST_CASE("tiny_cnn at batch 1, 2, 4: MACs scale with b, weight bytes do not, nothing spills") {
  REQUIRE(model_macs("models/tiny_cnn.yaml") == kTinyCnnMacs);
  for (uint64_t b : {1, 2, 4}) {
    const auto s = test::tiny_run("b" + std::to_string(b)).batch(b).run().summary;
    INFO("batch " << b);
    REQUIRE(s["macs"] == kTinyCnnMacs * b);
    REQUIRE(s["fits"] == true);
    REQUIRE(s["dram"]["read_bytes"]["spill"] == 0);
    REQUIRE(s["dram"]["write_bytes"]["spill"] == 0);
    REQUIRE(s["dram"]["read_bytes"]["weights"] == test::kTinyCnnParams * 2);  // once, fp16
    // io: each sample's 3 x 32 x 32 input in and its 10 logits out, fp16
    REQUIRE(s["dram"]["read_bytes"]["io"] == 3 * 32 * 32 * 2 * b);
    REQUIRE(s["dram"]["write_bytes"]["io"] == 10 * 2 * b);
    require_bounds(s, static_cast<double>(kTinyCnnMacs * b / 16));  // 4 x 4 PEs, fp16 rate 1
  }
}

TEST_CASE("spill bytes are zero with a large state buffer and non-zero with a tiny one") {
  const auto big = test::tiny_run("big").batch(4).run().summary;
  REQUIRE(big["dram"]["write_bytes"]["spill"] == 0);
  REQUIRE(big["dram"]["read_bytes"]["spill"] == 0);
  const auto small =
      test::tiny_run("small").batch(4).set("hw.state_buffer.capacity", "64KiB").run();
  const json& s = small.summary;
  REQUIRE(s["fits"] == false);
  // Each spilled layer output written once, and read back as derived in test_runs.h.
  const test::Csv layers = small.layers();
  REQUIRE(layers.rows() == test::kTinyCnnSpill64KiB.size());
  uint64_t written = 0, read = 0, spilled = 0;
  for (size_t r = 0; r < layers.rows(); ++r) {
    const auto& want = test::kTinyCnnSpill64KiB[r];
    INFO(want.layer);
    REQUIRE(layers.at(r, "layer") == want.layer);
    REQUIRE(layers.count(r, "write_spill") == want.write);
    REQUIRE(layers.count(r, "read_spill") == want.read);
    written += want.write;
    read += want.read;
    spilled += want.write > 0;
  }
  REQUIRE(written == 131072 + 4 * 65536 + 32768);
  REQUIRE(s["dram"]["write_bytes"]["spill"] == written);
  REQUIRE(s["dram"]["read_bytes"]["spill"] == read);
  REQUIRE(s["plan"]["spilled_tensors"] == spilled);
  REQUIRE(s["state_buffer"]["peak_bytes"].get<uint64_t>() <= 64 * 1024);
  REQUIRE(s["macs"] == big["macs"]);
  require_bounds(s, static_cast<double>(kTinyCnnMacs * 4 / 16));
}

TEST_CASE("cycles never beat the compute or DRAM roofline bound") {
  // ResNet-50: 4,089,184,256 MACs per sample; inf1 and trn1 128 x 128 PEs at fp16's rate 1:
  // 249,584 cycles per sample.
  const double resnet = 4089184256.0 / (128 * 128);
  require_bounds(test::shipped_run("configs/runs/resnet50_inf1.yaml", "inf1")
                     .batch(1)
                     .run("--no-trace")
                     .summary,
                 resnet);
  require_bounds(test::shipped_run("configs/runs/resnet50_trn1.yaml", "trn1")
                     .batch(2)
                     .run("--no-trace")
                     .summary,
                 2 * resnet);
  // mlp: 3 x 535,040 MACs / 16384 per cycle = 97.97: 98
  require_bounds(test::shipped_run("configs/runs/mlp_inf1.yaml", "mlp").batch(3).run().summary, 98);
  // tiny at fp32: rate 1/4, 4 MACs a cycle
  require_bounds(test::tiny_run("fp32").batch(2).set("dtype", "fp32").run().summary,
                 static_cast<double>(kTinyCnnMacs * 2 / 4));
  // The banked DRAM model (its peak is the preset's) and the ideal one obey the same bounds.
  auto banks = [&](const std::string& preset, const std::string& channels) {
    return test::shipped_run("configs/runs/resnet50_inf1.yaml", preset)
        .batch(2)
        .set("hw.dram.model", "banks")
        .set("hw.dram.preset", preset)
        .set("hw.dram.channels", channels)
        .run("--no-trace")
        .summary;
  };
  const auto ddr4 = banks("ddr4-2400", "2");
  require_bounds(ddr4, 2 * resnet);
  REQUIRE(ddr4["roofline"]["peak_dram_bytes_per_s"].get<double>() ==
          Approx(2 * 19.2e9).epsilon(1e-4));
  // With banks, the ddr4-2400 preset's energy: 120 pJ per DRAM byte and 2000 pJ per row
  // activation (not the inf1 table's 160 pJ per byte). Every burst of burst_bytes (64 B in
  // ddr4-2400, 32 in hbm2e and lpddr4) is a row hit or a row miss (an activation).
  auto dram_j = [](const nlohmann::json& s, double pj_per_byte, double activate_pj,
                   uint64_t burst_bytes) {
    const auto& d = s["dram"];
    uint64_t bytes = 0;
    for (const char* c : {"weights", "io", "spill"})
      bytes += d["read_bytes"][c].get<uint64_t>() + d["write_bytes"][c].get<uint64_t>();
    REQUIRE(d["row_misses"].get<uint64_t>() > 0);
    REQUIRE(d["row_hits"].get<uint64_t>() + d["row_misses"].get<uint64_t>() >=
            (bytes + burst_bytes - 1) / burst_bytes);
    return (static_cast<double>(bytes) * pj_per_byte +
            d["row_misses"].get<double>() * activate_pj) *
           1e-12;
  };
  REQUIRE(ddr4["energy"]["dram_j"].get<double>() == Approx(dram_j(ddr4, 120, 2000, 64)));
  // Each preset its own energy: hbm2e 22 pJ per byte and 500 pJ per activation, lpddr4 40 and
  // 600.
  const auto hbm = banks("hbm2e", "2");
  require_bounds(hbm, 2 * resnet);
  REQUIRE(hbm["energy"]["dram_j"].get<double>() == Approx(dram_j(hbm, 22, 500, 32)));
  const auto lp = banks("lpddr4", "4");
  require_bounds(lp, 2 * resnet);
  REQUIRE(lp["energy"]["dram_j"].get<double>() == Approx(dram_j(lp, 40, 600, 32)));
  require_bounds(test::shipped_run("configs/runs/resnet50_inf1.yaml", "ideal")
                     .batch(2)
                     .set("hw.dram.model", "ideal")
                     .run("--no-trace")
                     .summary,
                 2 * resnet);
}

TEST_CASE("an infeasible plan exits 3 with fits false, the layer, and null timings") {
  const auto s = test::tiny_run("infeasible")
                     .batch(4)
                     .set("hw.state_buffer.capacity", "64KiB")
                     .set("options.allow_spill", "false")
                     .run("", 3)
                     .summary;
  REQUIRE(s["fits"] == false);
  // conv1 holds its input (3 x 32 x 32 x 4 x 2 B = 24576), its output (16 x 32 x 32 x 4 x 2 B =
  // 131072) and the weight region: 2 buffers of the largest weight block, res.conv1's 4 output
  // channels (4 x 32 x 3 x 3 + 4 biases, x 2 B = 2312): 160272 B, 94736 more than 64 KiB.
  REQUIRE(s["infeasible"]["layer"] == "conv1");
  REQUIRE(s["infeasible"]["shortfall_bytes"] == 24576 + 131072 + 2 * 2312 - 65536);
  for (const char* k : {"cycles", "seconds", "latency_s", "throughput_inferences_per_s", "macs"})
    REQUIRE(s[k].is_null());
  REQUIRE(s["dram"]["read_bytes"]["weights"].is_null());
  REQUIRE(s["state_buffer"]["capacity_bytes"] == 64 * 1024);
}

TEST_CASE("the same run twice gives byte-identical outputs, and config.yaml reproduces it") {
  auto point = [](const std::string& name) {
    return test::tiny_run(name).batch(2).set("hw.state_buffer.capacity", "80KiB").run();
  };
  const auto a = point("a"), b = point("b");
  for (const char* f : {"summary.json", "layers.csv", "config.yaml", "trace.json"}) {
    INFO(f);
    REQUIRE(a.file(f) == b.file(f));
  }
  // The resolved config alone reproduces the point.
  const auto c = test::shipped_run(a.dir + "/config.yaml", "c").run();
  REQUIRE(a.file("summary.json") == c.file("summary.json"));
  REQUIRE(a.file("layers.csv") == c.file("layers.csv"));
}

TEST_CASE("a sweep gives the same sweep.csv with --jobs 1 and --jobs 2, in axis order") {
  const std::string dir = test::scratch("sweep");
  const std::string axes =
      "axes:\n  hw.state_buffer.capacity: [64 KiB, 1 MiB]\n  batch: [1, 2, 4]\n";
  const std::string text = test::read(tiny_sweep(dir, axes, "j1", "--jobs 1") + "/sweep.csv");
  REQUIRE(text == test::read(tiny_sweep(dir, axes, "j2", "--jobs 2") + "/sweep.csv"));
  REQUIRE(test::read(dir + "/j1/manifest.json") == test::read(dir + "/j2/manifest.json"));
  for (const char* f : {"summary.json", "config.yaml", "layers.csv"})
    REQUIRE(test::read(dir + "/j1/p05/" + f) == test::read(dir + "/j2/p05/" + f));
  // Header: point, the axes by their dotted keys, then the summary's fields.
  const test::Csv csv(text);
  const std::vector<std::string> head = {
      "point", "hw.state_buffer.capacity", "batch", "version", "model", "hw", "dtype", "fits",
      "cycles"};
  REQUIRE(csv.header().size() > head.size());
  REQUIRE(std::vector<std::string>(csv.header().begin(), csv.header().begin() + 9) == head);
  // Rows in axis order (first axis outermost), values in base units.
  REQUIRE(csv.rows() == 6);
  for (size_t r = 0; r < 6; ++r) {
    INFO("row " << r);
    REQUIRE(csv.at(r, "point") == "p0" + std::to_string(r));
    REQUIRE(csv.at(r, "hw.state_buffer.capacity") == (r < 3 ? "65536" : "1048576"));
    REQUIRE(csv.at(r, "batch") == std::to_string(1 << (r % 3)));
  }
}

TEST_CASE("a sweep keeps infeasible points as rows with empty timings and exits 0") {
  const std::string dir = test::scratch("sweep_infeasible");
  const test::Csv csv(
      test::read(tiny_sweep(dir, "axes:\n  batch: [1, 4]\n  options.allow_spill: [false]\n", "out",
                            "--set hw.state_buffer.capacity=64KiB") +
                 "/sweep.csv"));
  REQUIRE(csv.rows() == 2);
  REQUIRE(csv.at(1, "point") == "p01");
  REQUIRE(csv.at(1, "batch") == "4");
  REQUIRE(csv.at(1, "options.allow_spill") == "false");
  REQUIRE(csv.at(1, "fits") == "false");
  for (const char* k : {"cycles", "seconds", "latency_s", "throughput_inferences_per_s", "macs"})
    REQUIRE(csv.at(1, k).empty());
  REQUIRE(csv.at(1, "infeasible.layer") == "conv1");
}

TEST_CASE("plan --max-batch --json prints the max batch, binding layer and shortfall") {
  const auto r = test::ncoresim("plan configs/runs/resnet50_inf1.yaml --max-batch --json");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto j = json::parse(r.output);
  REQUIRE(j["max_batch"] == 5);
  REQUIRE(j["binding_layer"] == "layer1.0.downsample");
  // At batch 6, layer1.0.downsample holds the block's input (pool1's output, 64 x 56 x 56 x 6 x
  // 2 B = 2408448, read for the last time there), layer1.0.conv3's output and its own (256 x 56 x
  // 56 x 6 x 2 B = 9633792 each) and the weight region: 2 buffers of the largest weight block,
  // a 128-wide block of layer4's 3x3 convs (512 x 3 x 3 x 128 + 128 biases, x 2 B = 1179904):
  // 3064320 B more than inf1's 20 MiB. (layer1.0.add writes over one of its inputs, so it holds
  // two 9633792-byte tensors only.)
  REQUIRE(j["shortfall_bytes"] == 2408448 + 2 * 9633792 + 2 * 1179904 - 20 * 1048576);
  const auto small =
      json::parse(test::ncoresim("plan configs/runs/resnet50_inf1.yaml --max-batch --json "
                                 "--set hw.state_buffer.capacity=12MiB")
                      .output);
  REQUIRE(small["max_batch"].get<uint64_t>() < 5);
}

TEST_CASE("a client batch is run as ceil(N / b) pipelined invocations") {
  const auto s = test::tiny_run("client").batch(4).set("options.client_batch", "10").run().summary;
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
  const std::string out = tiny_sweep(
      test::scratch("slo"),
      "slo: 600 us\naxes:\n  hw.state_buffer.capacity: [64 KiB, 1 MiB]\n  batch: [1, 2, 4]\n",
      "out");
  // Recompute the answer from sweep.csv's own rows.
  const test::Csv csv(test::read(out + "/sweep.csv"));
  std::map<std::string, std::pair<double, std::string>> best;  // capacity -> (throughput, batch)
  for (size_t r = 0; r < csv.rows(); ++r) {
    if (csv.number(r, "latency_s") > 600e-6) continue;
    auto& b = best[csv.at(r, "hw.state_buffer.capacity")];
    const double thr = csv.number(r, "throughput_inferences_per_s");
    if (thr > b.first) b = {thr, csv.at(r, "batch")};
  }
  REQUIRE(best.size() == 2);
  const test::Csv got(test::read(out + "/best.csv"));
  REQUIRE(got.header() == std::vector<std::string>{"hw.state_buffer.capacity", "slo_s", "batch",
                                                   "throughput_inferences_per_s", "latency_s"});
  REQUIRE(got.rows() == 2);
  for (const auto& [cap, b] : best) {
    const size_t r = got.find("hw.state_buffer.capacity", cap);
    REQUIRE(got.at(r, "slo_s") == "0.0006");
    REQUIRE(got.at(r, "batch") == b.second);
  }
}

TEST_CASE("layers.csv tensor_utilization is each layer's MACs over the array's peak while busy") {
  for (const char* dtype : {"fp16", "int8"}) {
    const auto out = test::shipped_run("configs/runs/resnet50_inf1.yaml", dtype)
                         .batch(2)
                         .set("dtype", dtype)
                         .run("--no-trace");
    const double rate = std::string(dtype) == "int8" ? 2.0 : 1.0;  // inf1: INT8 at 2x
    const test::Csv csv = out.layers();
    int rows = 0;
    for (size_t r = 0; r < csv.rows(); ++r) {
      const double m = csv.number(r, "macs"), b = csv.number(r, "tensor_busy_cycles");
      if (b == 0) {
        REQUIRE(csv.at(r, "tensor_utilization").empty());
        continue;
      }
      ++rows;
      const double u = csv.number(r, "tensor_utilization");
      REQUIRE(u == Approx(m / (128.0 * 128.0 * rate * b)));
      REQUIRE(u <= 1.0);
    }
    REQUIRE(rows == 54);  // ResNet-50's 53 convolutions (downsamples included) and its fc
    // The layers add up to the summary's totals.
    REQUIRE(csv.sum("macs") == out.summary["macs"].get<uint64_t>());
    REQUIRE(csv.sum("tensor_busy_cycles") == out.summary["tensor_engine"]["busy_cycles"]);
  }
}

TEST_CASE("ideal DRAM runs as the simple model with zero latency, faster than with it") {
  auto mlp = [](const std::string& name) {
    return test::shipped_run("configs/runs/mlp_inf1.yaml", name);
  };
  const auto ideal = mlp("ideal").set("hw.dram.model", "ideal").run("--no-trace").summary;
  const auto zero = mlp("zero").set("hw.dram.latency", "0s").run("--no-trace").summary;
  const auto simple = mlp("simple").run("--no-trace").summary;
  REQUIRE(ideal["cycles"] == zero["cycles"]);
  REQUIRE(ideal["cycles"].get<uint64_t>() < simple["cycles"].get<uint64_t>());  // 100 ns each
}
