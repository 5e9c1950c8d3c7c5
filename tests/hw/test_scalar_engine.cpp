// The scalar and GpSimd engines (hw key `engines`): a PSUM eviction on the scalar engine with its
// fixed costs, by hand; the planner's placement of evictions; a whole run's outputs and
// functional mode with NeuronCore-v2's engine set; the key's errors.
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <systemc>

#include "config/config_error.h"
#include "hw/scalar_engine.h"
#include "test_runs.h"

using namespace ncore;
using nlohmann::json;

namespace {

// tiny.yaml plus NeuronCore-v2's four engines, the new ones like tiny's vector engine.
std::vector<config::Override> four_engines() {
  return {{"hw.engines", "[tensor, vector, scalar, gpsimd]", "test"},
          {"hw.scalar_engine", "{clock: 1 GHz, lanes: 4}", "test"},
          {"hw.gpsimd_engine", "{clock: 1 GHz, lanes: 4}", "test"}};
}

}  // namespace

TEST_CASE("an eviction on the scalar engine pays its fixed costs at the scalar clock") {
  // Engine 2 of a program with tensor, vector and scalar engines; core 2.8 GHz, scalar 1.4 GHz
  // (2 core cycles each), O = 100, A = 60. An eviction of 4 x 8 sums, 8 scalar cycles
  // (ceil(4 / 4 lanes) x 8): busy max(8, 100) = 100 -> 200 core cycles; ready
  // 100 + 120 + 8 = 228 -> 456. The second (independent, 300 cycles) follows at 200: busy 600,
  // 200..800, ready 200 + (100 + 120 + 300) x 2 = 1240.
  isa::Program p;
  p.compute.push_back(isa::ComputeEngine::scalar);
  p.queues.resize(p.first_dma());
  REQUIRE(p.first_dma() == 3);
  const auto id = static_cast<uint16_t>(p.engine_id(isa::ComputeEngine::scalar));
  REQUIRE(id == 2);
  for (uint64_t cycles : {8, 300}) {
    isa::Instr i;
    isa::Evict e;
    e.vector_cycles = cycles;
    e.m = 4;
    e.n = 8;
    i.payload = e;
    p.queues[id].push_back(i);
  }
  base::Stats s;
  s.init_layers(1);
  hw::Semaphores sem(p);
  config::StateBufferConfig sc;
  hw::StateBuffer sbuf("state_buffer", sc, {0}, s);
  hw::Psum psum("psum", config::PsumConfig{}, s);
  config::ScalarEngineConfig c;
  c.clock_hz = 1.4e9;
  c.lanes = 4;
  c.fixed = {100, 60};
  hw::ScalarEngine se("scalar_engine", c, 2.8e9, {id, p.queues[id], sem, s});
  se.sbuf(sbuf);
  se.psum(psum);
  sc_core::sc_start();
  REQUIRE(sem.completed(id) == 2);
  REQUIRE(s.get("scalar_engine.busy_cycles") == 200 + 600);
  REQUIRE(s.layer(0).scalar_busy == 800);
  REQUIRE(s.layer(0).vector_busy == 0);
  REQUIRE(s.get("scalar_engine.lane_cycles") == (8 + 300) * 4);
  REQUIRE(s.get("psum.read_bytes") == 2 * 4 * 8 * 4);
  REQUIRE(sem.completed_at({id, 1}) == 456);
  REQUIRE(sem.completed_at({id, 2}) == 1240);
}

TEST_CASE("with a scalar engine the planner evicts there and DMA queues follow the engines") {
  // One MatMul{4, 4, 8}: its eviction, ceil(4 / 4 lanes) x 8 = 8 scalar cycles, on engine 2.
  const auto p =
      test::tiny_run("plan_scalar").model(test::kOneTile).batch(8).set(four_engines()).plan();
  REQUIRE(p.first_dma() == 4);
  REQUIRE(p.queues[isa::kVectorEngine].empty());
  REQUIRE(p.queues[2].size() == 1);
  REQUIRE(p.queues[2][0].evict().vector_cycles == 8);
  REQUIRE(p.queues[3].empty());  // GpSimd: nothing of this planner's goes there
  for (size_t e = p.first_dma(); e < p.engines(); ++e)
    for (const auto& i : p.queues[e]) REQUIRE(std::holds_alternative<isa::Dma>(i.payload));
}

TEST_CASE("NeuronCore-v2's engine set keeps functional mode exact and reports each engine") {
  const auto out =
      test::tiny_run("tiny_four").set(four_engines()).set("options.functional", "true").run();
  const json& s = out.summary;
  REQUIRE(s["functional"]["passed"] == true);
  REQUIRE(s["scalar_engine"]["busy_cycles"].get<uint64_t>() > 0);
  REQUIRE(s["gpsimd_engine"]["busy_cycles"] == 0);
  // layers.csv: a column per engine, summing to the summary's.
  const test::Csv csv = out.layers();
  REQUIRE(csv.sum("scalar_busy_cycles") == s["scalar_engine"]["busy_cycles"]);
  REQUIRE(csv.sum("gpsimd_busy_cycles") == 0);
  // trace.json: a track per compute engine, then the DMA queues.
  std::map<int, std::string> tracks;
  const json trace = out.trace();
  for (const json& e : trace["traceEvents"])
    if (e["name"] == "thread_name") tracks[e["tid"]] = e["args"]["name"];
  const std::map<int, std::string> want = {{0, "tensor engine"}, {1, "vector engine"},
                                           {2, "scalar engine"}, {3, "gpsimd engine"},
                                           {4, "dma queue 0"},   {5, "dma queue 1"}};
  REQUIRE(tracks == want);
}

TEST_CASE("without the new engines the outputs name none of them") {
  const auto out = test::tiny_run("tiny_two").run("--no-trace");
  REQUIRE_FALSE(out.summary.contains("scalar_engine"));
  REQUIRE_FALSE(out.summary.contains("gpsimd_engine"));
  REQUIRE(out.file("layers.csv").find("scalar_busy") == std::string::npos);
  REQUIRE(out.file("config.yaml").find("engines:") == std::string::npos);
}

TEST_CASE("the engines key names known engines, tensor and vector among them, each once") {
  auto error = [](std::vector<config::Override> o) {
    try {
      test::tiny_run("engines_err").set(o).load();
    } catch (const config::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error({{"hw.engines", "[tensor, vector, simd]", "t"}}),
             Catch::Contains("engines: unknown engine 'simd'"));
  CHECK_THAT(error({{"hw.engines", "[tensor, scalar]", "t"}}),
             Catch::Contains("engines: must include vector"));
  CHECK_THAT(error({{"hw.engines", "[tensor, vector, vector]", "t"}}),
             Catch::Contains("'vector' is listed twice"));
  CHECK_THAT(error({{"hw.engines", "[tensor, vector, scalar]", "t"}}),
             Catch::Contains("scalar_engine"));  // listed: its section is required
  CHECK_THAT(error({{"hw.scalar_engine", "{clock: 1 GHz, lanes: 0}", "t"}}),
             Catch::Contains("scalar_engine.lanes"));  // not listed: still validated
}

TEST_CASE("an engine left out of engines switches it off: its section is ignored") {
  // trn1 with engines [tensor, vector]: its scalar and GpSimd sections stay in the file, the
  // evictions go back to the vector engine and the outputs name neither engine.
  auto run = test::shipped_run("configs/runs/bert_base_trn1.yaml", "two_of_four")
                 .batch(1)
                 .set("hw.engines", "[tensor, vector]");
  const auto p = run.plan();
  REQUIRE(p.first_dma() == 2);
  REQUIRE(p.compute.size() == 2);
  REQUIRE_FALSE(run.load().hw.engines.scalar);
}
