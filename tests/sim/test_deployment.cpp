// Multi-core deployments through the ncoresim binary (issue 15): data-parallel copies contending
// for their chip's DRAM, checked against one core and against hand-derived DRAM bounds.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "test_runs.h"

using namespace ncore;
using nlohmann::json;

namespace {

// One linear layer of 256 x 256 fp16 weights and 256 biases (131,584 B): on tiny.yaml (4 x 4
// PEs at 1 GHz, serial timing) its 4,096 MatMuls {4, 4, 1} of 11 cycles each take about 45,000
// cycles at batch 1; with DRAM at 1 GB/s (1 B/cycle) its weights take 131,584 cycles: the DRAM
// bounds it. Input and output: 512 B each.
const char* const kWide =
    "name: wide\ninput: {channels: 256}\nlayers:\n"
    "  - {name: fc, kind: linear, out_features: 256}\n";
constexpr double kWeightCycles = (256.0 * 256 + 256) * 2;  // 131,584
constexpr double kIoCycles = 2 * 512;                      // 1,024

// tiny.yaml with a chip block of `cores` cores whose DRAM is as the core's (one channel, no
// latency) at 1 GB/s, and whose host link is `cores` x the core's 1 GB/s.
std::string tiny_chip(const std::string& dir, int cores) {
  return test::write(dir + "/tiny_chip.yaml",
                     test::read(test::repo("configs/hw/tiny.yaml")) +
                         "chip:\n  cores: " + std::to_string(cores) +
                         "\n  dram: {channels: 1, bandwidth: 1 GB/s, latency: 0 s}\n"
                         "  link: {bandwidth: 16 GB/s}\n  chip_link: {bandwidth: 4 GB/s}\n"
                         "  host: {link_bandwidth: " +
                         std::to_string(cores) + " GB/s}\n");
}

// kWide on tiny_chip; the core's own DRAM share (single mode) at the chip's 1 GB/s too.
test::Run wide(const std::string& name, int chip_cores) {
  test::Run r(name, "");
  r.model(kWide).hw(tiny_chip(r.dir(), chip_cores)).set("hw.dram.bandwidth", "1 GB/s");
  return r;
}

// wide() as `cores` data-parallel copies.
test::Run data_parallel(const std::string& name, int chip_cores, int cores) {
  return wide(name, chip_cores)
      .set("deployment.mode", "data_parallel")
      .set("deployment.cores", std::to_string(cores));
}

double num(const json& j) {
  return j.get<double>();
}

}  // namespace

TEST_CASE("data_parallel on one core of a chip whose DRAM is the core's equals a single run") {
  const json one = wide("dp_single", 1).run().summary;
  const json dp = data_parallel("dp_one", 1, 1).run().summary;
  for (const char* k : {"cycles", "seconds", "latency_s", "throughput_inferences_per_s", "macs"})
    REQUIRE(dp[k] == one[k]);
  REQUIRE(dp["dram"]["read_bytes"] == one["dram"]["read_bytes"]);
  REQUIRE(dp["dram"]["write_bytes"] == one["dram"]["write_bytes"]);
  REQUIRE(dp["deployment"]["cores"] == 1);
  REQUIRE(dp["deployment"]["chips"] == 1);
  REQUIRE(!one.contains("deployment"));
  REQUIRE(num(one["cycles"]) >= kWeightCycles);
}

TEST_CASE("data_parallel copies on one chip share its DRAM, and copies on separate chips do not") {
  const json one = wide("dp_ref", 2).run().summary;
  // Two copies on one chip: each reads its weights, twice 131,584 B through 1 B/cycle, so
  // the deployment takes at least 2 x 131,584 cycles and its throughput cannot exceed one core's
  // by more than the compute the second copy overlaps (none here: DRAM-bound).
  const json shared = data_parallel("dp_shared", 2, 2).run().summary;
  INFO(shared.dump(1));
  REQUIRE(shared["dram"]["read_bytes"]["weights"] ==
          2 * one["dram"]["read_bytes"]["weights"].get<uint64_t>());
  REQUIRE(num(shared["cycles"]) >= 2 * kWeightCycles);
  REQUIRE(num(shared["cycles"]) >= num(shared["bounds"]["dram_cycles"]));
  REQUIRE(num(shared["bounds"]["dram_cycles"]) == 2 * (kWeightCycles + kIoCycles));  // 265,216
  REQUIRE(shared["deployment"]["chips"] == 1);
  REQUIRE(shared["deployment"]["per_core"].size() == 2);
  // Per-core bandwidth is an outcome: the two copies' DRAM bytes per second add up to at most
  // the chip's 1 GB/s.
  const double bw = num(shared["deployment"]["per_core"][0]["dram_bytes_per_s"]) +
                    num(shared["deployment"]["per_core"][1]["dram_bytes_per_s"]);
  REQUIRE(bw <= 1e9 * 1.0001);
  REQUIRE(num(shared["throughput_inferences_per_s"]) <
          1.05 * num(one["throughput_inferences_per_s"]));

  // Two copies on two chips of one core each: no contention, each exactly the single run.
  const json apart = data_parallel("dp_apart", 1, 2).run().summary;
  const json single = wide("dp_ref1", 1).run().summary;
  REQUIRE(apart["deployment"]["chips"] == 2);
  REQUIRE(apart["cycles"] == single["cycles"]);
  REQUIRE(num(apart["throughput_inferences_per_s"]) ==
          Approx(2 * num(single["throughput_inferences_per_s"])).epsilon(1e-12));
  for (const json& c : apart["deployment"]["per_core"]) REQUIRE(c["cycles"] == single["cycles"]);
}

TEST_CASE(
    "a data-parallel run writes a core column, a trace process per core and chip, and "
    "repeats bit for bit") {
  auto run = [](const std::string& name) { return data_parallel(name, 2, 3).run(); };
  const test::Outputs a = run("dp_files_a"), b = run("dp_files_b");
  REQUIRE(a.file("summary.json") == b.file("summary.json"));
  REQUIRE(a.file("layers.csv") == b.file("layers.csv"));
  REQUIRE(a.summary["deployment"]["chips"] == 2);  // 3 cores, 2 per chip
  const test::Csv layers = a.layers();
  REQUIRE(layers.header().front() == "core");
  REQUIRE(layers.rows() == 3);  // one layer, three cores
  for (size_t c = 0; c < 3; ++c) REQUIRE(layers.at(c, "core") == std::to_string(c));
  int processes = 0;
  const json trace = a.trace();
  for (const json& e : trace["traceEvents"])
    if (e["name"] == "process_name") ++processes;
  REQUIRE(processes == 3 + 2);
  const std::string config = a.file("config.yaml");
  REQUIRE(config.find("deployment:") != std::string::npos);
}

TEST_CASE("bad deployments: one clear error naming the key, exit 2") {
  const std::string dir = test::scratch("dp_bad");
  const std::string run = test::write(
      dir + "/run.yaml", "hw: " + test::repo("configs/hw/tiny.yaml") +
                             "\nmodel: " + test::repo("models/tiny_cnn.yaml") + "\nbatch: 1\n");
  struct Case {
    std::string sets, words;
  };
  for (const Case& c :
       {Case{"--set deployment.cores=2", "deployment.cores"},
        Case{"--set deployment.mode=data_parallel", "has no `chip` block"},
        Case{"--set deployment.mode=pipelined", "deployment.mode"},
        Case{"--set deployment.cores=0 --set deployment.mode=data_parallel", "deployment.cores"},
        Case{"--set hw=" + tiny_chip(dir, 2) +
                 " --set deployment.mode=data_parallel --set options.functional=true",
             "functional"}}) {
    const auto r = test::ncoresim("run '" + run + "' -q --out '" + dir + "/out' " + c.sets);
    INFO(c.sets << "\n" << r.output);
    REQUIRE(r.code == 2);
    REQUIRE(r.output.find(c.words) != std::string::npos);
  }
}

namespace {

// Four linear layers of 16 x 16 on tiny_chip: two stages of two layers each.
test::Run four_stages(const std::string& name, int stages) {
  std::string model = "name: four\ninput: {channels: 16}\nlayers:\n";
  for (int i = 0; i < 4; ++i)
    model += "  - {name: fc" + std::to_string(i) + ", kind: linear, out_features: 16}\n";
  test::Run r(name, "");
  r.model(model).hw(tiny_chip(r.dir(), 2)).batch(8);
  r.set("deployment.mode", "pipeline").set("deployment.cores", std::to_string(stages));
  return r;
}

}  // namespace

TEST_CASE(
    "a pipeline of two stages: static weights, activations over the link, the steady "
    "state paced by the slower stage") {
  const test::Outputs o = four_stages("pipe_two", 2).run();
  const json& s = o.summary;
  const json& d = s["deployment"];
  INFO(s.dump(1));
  REQUIRE(d["mode"] == "pipeline");
  REQUIRE(d["invocations"] == 2 * 2 + 2);
  REQUIRE(d["static_weights"] == true);
  REQUIRE(s["dram"]["read_bytes"]["weights"] == 0);
  // fc1's output crosses: 16 channels x 8 samples x 2 B = 256 B per invocation, 32 per inference
  REQUIRE(num(d["link_bytes_per_inference"]) == 32);
  // the host's DRAM sees the model input (16 x 8 x 2 B) and output, nothing between the stages
  REQUIRE(s["dram"]["read_bytes"]["io"] == 256);
  REQUIRE(s["dram"]["write_bytes"]["io"] == 256);
  REQUIRE(s["macs"] == 4 * 16 * 16 * 8);
  // Each stage runs one invocation at a time: the completions come no faster than the slower
  // stage's passes, and no slower than one invocation's whole time.
  double slowest = 0;
  for (const json& st : d["stages"]) slowest = std::max(slowest, num(st["seconds"]));
  REQUIRE(num(d["period_s"]) >= slowest * (1 - 1e-9));
  REQUIRE(num(d["period_s"]) <= num(s["seconds"]));
  REQUIRE(d["stages"][0]["first_layer"] == "fc0");
  REQUIRE(d["stages"][1]["last_layer"] == "fc3");
  const test::Csv layers = o.layers();
  REQUIRE(layers.rows() == 4);
  REQUIRE(layers.at(0, "core") == "0");
  REQUIRE(layers.at(3, "core") == "1");
  REQUIRE(layers.at(3, "layer") == "fc3");
  // the same point again: the same files
  const test::Outputs again = four_stages("pipe_two_again", 2).run();
  REQUIRE(again.file("summary.json") == o.file("summary.json"));
  REQUIRE(again.file("layers.csv") == o.file("layers.csv"));
}

TEST_CASE(
    "a pipeline of one stage is the single core's program replayed: its period is one "
    "invocation's device time") {
  const json one = four_stages("pipe_one", 1).run().summary;
  const json& d = one["deployment"];
  // One stage, 4 invocations queued: each starts when the previous one ends, so completions
  // come every pass and a pass is invocation 0's own time (nothing differs between passes but
  // the weights, static here).
  REQUIRE(d["invocations"] == 4);
  REQUIRE(num(d["period_s"]) == Approx(num(one["seconds"])).epsilon(1e-9));
  REQUIRE(num(d["stages"][0]["seconds"]) == Approx(num(one["seconds"])).epsilon(1e-9));
}

TEST_CASE("bad pipelines: more stages than layers, or dynamic batching, exit 2") {
  const auto r = test::ncoresim("run '" + four_stages("pipe_bad", 5).file() + "' -q --out '" +
                                test::scratch("pipe_bad_out") +
                                "' --set deployment.mode=pipeline --set deployment.cores=5");
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE(r.output.find("5 stages") != std::string::npos);
  const auto c = test::ncoresim("run '" + four_stages("pipe_bad2", 2).file() + "' -q --out '" +
                                test::scratch("pipe_bad2_out") +
                                "' --set deployment.mode=pipeline --set deployment.cores=2 "
                                "--set options.client_batch=64");
  INFO(c.output);
  REQUIRE(c.code == 2);
  REQUIRE(c.output.find("client_batch") != std::string::npos);
}

TEST_CASE("a sweep takes deployment.* as axes, and each point equals a run of its config.yaml") {
  test::Run base = four_stages("pipe_sweep", 2);
  const std::string dir = base.dir();
  const std::string sweep =
      test::write(dir + "/s.yaml", "base: " + base.file() +
                                       "\naxes:\n  deployment.mode: [data_parallel, pipeline]\n"
                                       "  deployment.cores: [2]\n  batch: [8]\n");
  const auto r = test::ncoresim("sweep '" + sweep + "' -q --out '" + dir + "/sw' --jobs 2");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const test::Csv table(test::read(dir + "/sw/sweep.csv"));
  REQUIRE(table.rows() == 2);
  REQUIRE(table.at(0, "deployment.mode") == "data_parallel");
  REQUIRE(table.at(1, "deployment.mode") == "pipeline");
  REQUIRE(table.at(1, "deployment.static_weights") == "true");
  for (const char* p : {"p00", "p01"}) {
    const auto again = test::ncoresim("run '" + dir + "/sw/" + p + "/config.yaml' -q --out '" +
                                      dir + "/again_" + p + "'");
    REQUIRE(again.code == 0);
    REQUIRE(test::read(dir + "/again_" + p + "/summary.json") ==
            test::read(dir + "/sw/" + p + "/summary.json"));
  }
}

TEST_CASE("plan of a pipeline prints its cut, and --max-batch works per stage") {
  test::Run r = four_stages("pipe_plan", 2);
  const auto cut = test::ncoresim("plan '" + r.file() +
                                  "' --set deployment.mode=pipeline --set deployment.cores=2");
  INFO(cut.output);
  REQUIRE(cut.code == 0);
  REQUIRE(cut.output.find("NeuronCore Pipeline of 2 stages") != std::string::npos);
  REQUIRE(cut.output.find("weights static on every stage") != std::string::npos);
  const auto mb = test::ncoresim("plan '" + r.file() +
                                 "' --max-batch --json --set deployment.mode=pipeline "
                                 "--set deployment.cores=2");
  INFO(mb.output);
  REQUIRE(mb.code == 0);
  const json j = json::parse(mb.output);
  REQUIRE(j["stages"].size() == 2);
  uint64_t least = UINT64_MAX, least_static = UINT64_MAX;
  for (const json& st : j["stages"]) {
    // keeping the weights takes SBUF: never a larger batch than streaming them
    REQUIRE(st["max_batch_static"].get<uint64_t>() <= st["max_batch"].get<uint64_t>());
    least = std::min(least, st["max_batch"].get<uint64_t>());
    least_static = std::min(least_static, st["max_batch_static"].get<uint64_t>());
  }
  REQUIRE(j["max_batch"] == least);
  REQUIRE(j["max_batch_static"] == least_static);
  REQUIRE(least_static >= 1);
}

TEST_CASE("replicas of a pipeline: two copies of the two-stage pipeline, each its own cores") {
  const json one = four_stages("pipe_rep1", 2).run().summary;
  const json two = four_stages("pipe_rep2", 2).set("deployment.replicas", "2").run().summary;
  INFO(two.dump(1));
  // tiny_chip has 2 cores a chip: each replica on a chip of its own, so no DRAM or link shared
  // between them: the same period, twice the throughput and MACs, the same bytes per inference.
  REQUIRE(two["deployment"]["replicas"] == 2);
  REQUIRE(two["deployment"]["chips"] == 2);
  REQUIRE(two["deployment"]["per_core"].size() == 4);
  REQUIRE(two["deployment"]["stages"].size() == 2);
  REQUIRE(two["deployment"]["period_s"] == one["deployment"]["period_s"]);
  REQUIRE(num(two["throughput_inferences_per_s"]) ==
          Approx(2 * num(one["throughput_inferences_per_s"])).epsilon(1e-12));
  REQUIRE(two["macs"] == 2 * one["macs"].get<uint64_t>());
  REQUIRE(two["dram"]["bytes_per_inference"] == one["dram"]["bytes_per_inference"]);
  REQUIRE(two["deployment"]["link_bytes_per_inference"] ==
          one["deployment"]["link_bytes_per_inference"]);
  const auto bad = test::ncoresim("run '" + four_stages("pipe_rep_bad", 2).file() + "' -q --out '" +
                                  test::scratch("pipe_rep_bad_out") +
                                  "' --set deployment.mode=data_parallel --set deployment.cores=2 "
                                  "--set deployment.replicas=2");
  INFO(bad.output);
  REQUIRE(bad.code == 2);
  REQUIRE(bad.output.find("deployment.replicas") != std::string::npos);
}

TEST_CASE("a pipeline's activations cross the link: a slower link lengthens the period") {
  // Two stages of four 16 x 16 linear layers, static weights: the link carries fc1's 256 B per
  // invocation. At 1 MB/s that alone takes 256 us, far beyond either stage's compute, so the
  // period grows to it; the DRAM, which only the input and output cross, matters little.
  const json fast = four_stages("pipe_link_fast", 2).run().summary;
  const json slow =
      four_stages("pipe_link_slow", 2).set("hw.chip.link.bandwidth", "1 MB/s").run().summary;
  INFO(fast.dump(1) << slow.dump(1));
  REQUIRE(num(slow["deployment"]["period_s"]) >= 256e-6);
  REQUIRE(num(fast["deployment"]["period_s"]) < 0.1 * num(slow["deployment"]["period_s"]));
}

TEST_CASE("a pipeline cut across a residual: a stage reads from a stage before the previous one") {
  // tiny_cnn in 4 stages: res.add reads conv2's output, produced two or more stages before it
  // whatever the balanced cut, so its stage waits for that stage as well. One invocation: the
  // period is its longest stage's pass.
  test::Run r = test::tiny_run("pipe_residual");
  r.set("hw", tiny_chip(r.dir(), 4))
      .set("deployment.mode", "pipeline")
      .set("deployment.cores", "4")
      .set("deployment.invocations", "1");
  const json s = r.run().summary;
  INFO(s.dump(1));
  REQUIRE(s["deployment"]["invocations"] == 1);
  REQUIRE(s["macs"] == test::kTinyCnnMacs);
  double slowest = 0;
  for (const json& st : s["deployment"]["stages"]) slowest = std::max(slowest, num(st["seconds"]));
  REQUIRE(slowest > 0);
  REQUIRE(num(s["deployment"]["period_s"]) == Approx(slowest).epsilon(1e-12));
  REQUIRE(num(s["deployment"]["period_s"]) <= num(s["seconds"]));
}
