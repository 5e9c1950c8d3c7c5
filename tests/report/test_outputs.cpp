// The point's outputs as the binary writes them (DESIGN.md "Outputs"): summary.json, layers.csv
// and trace.json of one MatMul against hand-computed figures; trace.json of tiny_cnn against its
// summary.json and layers.csv; the quoting of names in layers.csv, trace.json and sweep.csv.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <set>

#include "report/outputs.h"
#include "report/sweep_tables.h"
#include "test_runs.h"

using namespace ncore;
using nlohmann::json;

namespace {

// The trace's events whose `key` is `value`, in order.
std::vector<json> where(const json& trace, const char* key, const std::string& value) {
  std::vector<json> v;
  for (const json& e : trace["traceEvents"])
    if (e[key] == value) v.push_back(e);
  return v;
}
// Of phase ph: "M" metadata, "X" complete (one instruction), "C" counter.
std::vector<json> events(const json& trace, const std::string& ph) {
  return where(trace, "ph", ph);
}
std::vector<json> named(const json& trace, const std::string& name) {
  return where(trace, "name", name);
}

// Thread id -> track name, from the thread_name metadata.
std::map<int, std::string> tracks(const json& trace) {
  std::map<int, std::string> m;
  for (const json& e : named(trace, "thread_name")) m[e["tid"]] = e["args"]["name"];
  return m;
}

// Cycles per trace microsecond: trace.json's times are microseconds of the tensor engine's clock
// (outputs.cpp), which the point's config.yaml gives in Hz.
double cycles_per_us(const test::Outputs& out) {
  return config::load_run(out.dir + "/config.yaml").hw.tensor_engine.clock_hz / 1e6;
}

uint64_t dram_bytes(const json& summary) {
  uint64_t all = 0;
  for (const char* dir : {"read_bytes", "write_bytes"})
    for (const char* c : {"weights", "io", "spill"}) all += summary["dram"][dir][c].get<uint64_t>();
  return all;
}

// The bytes the "DRAM bandwidth" counter integrates to: GB/s x the bin's seconds, bins of equal
// width from 0.
double counted_dram_bytes(const json& trace, double us_per_bin) {
  const auto bins = named(trace, "DRAM bandwidth");
  double bytes = 0;
  for (size_t b = 0; b < bins.size(); ++b) {
    REQUIRE(bins[b]["ts"].get<double>() == Approx(static_cast<double>(b) * us_per_bin));
    bytes += bins[b]["args"]["GB/s"].get<double>() * 1e9 * us_per_bin * 1e-6;
  }
  return bytes;
}

}  // namespace

TEST_CASE("host.requests_in_flight paces throughput by the latency over N") {
  // the one-tile run above: latency 10 us + 64 ns + 37 ns + 64 ns; with 2 requests in flight
  // an invocation every latency / 2 (far above the device's 37 ns)
  const json s = test::tiny_run("in_flight")
                     .model(test::kOneTile)
                     .batch(8)
                     .set("hw.host.requests_in_flight", "2")
                     .run()
                     .summary;
  REQUIRE(s["cycles"] == 37);
  REQUIRE(s["throughput_inferences_per_s"].get<double>() ==
          Approx(8 / ((10e-6 + 64e-9 + 37e-9 + 64e-9) / 2)));
}

TEST_CASE("summary.json of one MatMul holds the hand-computed figures") {
  // tiny.yaml: 4 x 4 PEs at 1 GHz, 16 B/cycle of DRAM, host 10 us + 1 GB/s. The single tile: fc
  // with K = M = 4 at batch 8, fp16 (tests/hw/test_neuron_core.cpp derives its cycles).
  const json s = test::tiny_run("one_summary").model(test::kOneTile).batch(8).run().summary;
  REQUIRE(s["model"] == "one_tile");
  REQUIRE(s["hw"] == "tiny");
  REQUIRE(s["dtype"] == "fp16");
  REQUIRE(s["batch"] == 8);
  REQUIRE(s["fits"] == true);
  REQUIRE(s["cycles"] == 37);
  REQUIRE(s["seconds"].get<double>() == Approx(37e-9));
  // host overhead + input (4 x 8 x 2 B = 64 B at 1 GB/s) + device + output (64 B)
  REQUIRE(s["latency_s"].get<double>() == Approx(10e-6 + 64e-9 + 37e-9 + 64e-9));
  REQUIRE(s["throughput_inferences_per_s"].get<double>() == Approx(8 / 37e-9));
  REQUIRE(s["macs"] == 4 * 4 * 8);
  // weights (16 + 4 biases) x 2 B; the input in and the output out, 64 B each
  REQUIRE(s["dram"]["read_bytes"] == json{{"weights", 40}, {"io", 64}, {"spill", 0}, {"kv", 0}});
  REQUIRE(s["dram"]["write_bytes"] == json{{"weights", 0}, {"io", 64}, {"spill", 0}, {"kv", 0}});
  REQUIRE(s["dram"]["bytes_per_inference"].get<double>() == Approx(168.0 / 8));
  REQUIRE(s["tensor_engine"]["busy_cycles"] == 18);
  REQUIRE(s["tensor_engine"]["utilization"].get<double>() == Approx(128.0 / (16 * 18)));
  REQUIRE(s["tensor_engine"]["matmuls"] == 1);
  REQUIRE(s["vector_engine"]["busy_cycles"] == 8);
  // SBUF: 2 weight buffers of 40 B, the input (64 B) and 2 stream slots of the output that goes
  // to DRAM (4 channels x 8 positions x 2 B each): 272
  REQUIRE(s["state_buffer"]["capacity_bytes"] == 1 << 20);
  REQUIRE(s["state_buffer"]["peak_bytes"] == 2 * 40 + 64 + 2 * 64);
  REQUIRE(s["plan"]["planned_peak_bytes"] == 272);
  REQUIRE(s["plan"]["spilled_tensors"] == 0);
  REQUIRE(s["plan"]["instructions"] == 5);  // weights, input, MatMul, evict, output
  // Bounds: 128 MACs / 16 a cycle = 8; 168 DRAM bytes / 16 a cycle = 10.5: 11
  REQUIRE(s["bounds"]["compute_cycles"] == 8);
  REQUIRE(s["bounds"]["dram_cycles"] == 11);
  REQUIRE(s["roofline"]["peak_macs_per_s"].get<double>() == Approx(16e9));
  REQUIRE(s["roofline"]["peak_dram_bytes_per_s"].get<double>() == Approx(16e9));
  REQUIRE(s["roofline"]["operational_intensity"].get<double>() == Approx(128.0 / 168));
  REQUIRE(s["roofline"]["achieved_macs_per_s"].get<double>() == Approx(128 / 37e-9));
  REQUIRE(s["host"]["input_transfer_s"].get<double>() == Approx(64e-9));
  REQUIRE(s["host"]["output_transfer_s"].get<double>() == Approx(64e-9));
}

TEST_CASE("layers.csv and trace.json of one MatMul hold the hand-computed figures") {
  const auto out = test::tiny_run("one_trace").model(test::kOneTile).batch(8).run();
  const test::Csv csv = out.layers();
  REQUIRE(csv.rows() == 1);
  const std::map<std::string, std::string> row = {
      {"layer", "fc"},
      {"kind", "linear"},
      {"order", "weight_stationary"},
      {"macs", "128"},
      {"start_cycle", "0"},
      {"end_cycle", "37"},
      {"tensor_busy_cycles", "18"},
      {"vector_busy_cycles", "8"},
      {"dma_busy_cycles", "11"},  // reads 0..7, the write 33..37
      {"stall_cycles", "7"},
      {"read_weights", "40"},
      {"read_io", "64"},
      {"read_spill", "0"},
      {"write_io", "64"},
      {"write_spill", "0"},
      {"sbuf_bytes", "272"},
      {"sbuf_port_stall_cycles", "0"}};
  for (const auto& [column, value] : row) {
    INFO(column);
    REQUIRE(csv.at(0, column) == value);
  }
  REQUIRE(csv.number(0, "tensor_utilization") == Approx(128.0 / 288));
  // One event per instruction, times in us at 1 GHz. The input (64 B) on queue 0 has the one
  // DRAM channel 0..4; the weights (40 B) on queue 1 follow it, done at 4 + 2.5, in cycle 7. The
  // MatMul 7..25, the evict (8 vector cycles) 25..33, the output 33..37 on queue 0.
  const json t = out.trace();
  const auto x = events(t, "X");
  REQUIRE(x.size() == 5);
  struct Want {
    int tid;
    const char* name;
    uint64_t start, cycles;
  };
  const Want want[] = {{2, "read io", 0, 4},
                       {3, "read weights", 0, 7},
                       {0, "MatMul 4x4x8", 7, 18},
                       {1, "evict", 25, 8},
                       {2, "write io", 33, 4}};
  for (size_t i = 0; i < 5; ++i) {
    INFO(x[i].dump());
    REQUIRE(x[i]["tid"] == want[i].tid);
    REQUIRE(x[i]["name"] == want[i].name);
    REQUIRE(x[i]["args"]["layer"] == "fc");
    REQUIRE(x[i]["args"]["start_cycle"] == want[i].start);
    REQUIRE(x[i]["args"]["cycles"] == want[i].cycles);
    REQUIRE(x[i]["ts"].get<double>() == Approx(want[i].start / 1e3));
    REQUIRE(x[i]["dur"].get<double>() == Approx(want[i].cycles / 1e3));
  }
  REQUIRE(x[0]["args"]["bytes"] == 64);
  REQUIRE(x[1]["args"]["bytes"] == 40);
  REQUIRE(x[1]["args"]["class"] == "weights");
  REQUIRE((x[2]["args"]["K"] == 4 && x[2]["args"]["M"] == 4 && x[2]["args"]["N"] == 8));
  // The planned SBUF occupancy, one sample; DRAM bandwidth in 1-cycle bins over cycles 0..37:
  // 16 B a cycle for the input, 40 / 3 for the weights in cycles 4..6, 16 for the output.
  const auto sbuf = named(t, "SBUF occupancy");
  REQUIRE(sbuf.size() == 1);
  REQUIRE(sbuf[0]["args"]["bytes"] == 272);
  const auto bw = named(t, "DRAM bandwidth");
  REQUIRE(bw.size() == 38);
  for (size_t c = 0; c < bw.size(); ++c) {
    INFO("cycle " << c);
    const double want_gbs = c < 4 || (c >= 33 && c < 37) ? 16 : c >= 4 && c < 7 ? 40.0 / 3 : 0;
    REQUIRE(bw[c]["args"]["GB/s"].get<double>() == Approx(want_gbs).margin(1e-9));
  }
  REQUIRE(counted_dram_bytes(t, 1e-3) == Approx(168));
}

TEST_CASE("trace.json of tiny_cnn has a track per engine and DMA queue and SBUF, DRAM counters") {
  const auto out = test::tiny_run("trace_tracks").run();
  const json t = out.trace();
  const auto& s = out.summary;
  REQUIRE(named(t, "process_name").at(0)["args"]["name"] == "NeuronCore tiny");
  // tiny.yaml's engines: the tensor engine, the vector engine and 2 DMA queues
  const std::map<int, std::string> want = {
      {0, "tensor engine"}, {1, "vector engine"}, {2, "dma queue 0"}, {3, "dma queue 1"}};
  REQUIRE(tracks(t) == want);
  // Each instruction on the track of its engine, every engine busy.
  std::set<int> used;
  for (const json& e : events(t, "X")) {
    INFO(e.dump());
    const std::string name = e["name"];
    const int tid = e["tid"];
    used.insert(tid);
    if (name.rfind("MatMul ", 0) == 0)
      REQUIRE(tid == 0);
    else if (name.rfind("read ", 0) == 0 || name.rfind("write ", 0) == 0)
      REQUIRE(tid >= 2);
    else
      REQUIRE(tid == 1);
  }
  REQUIRE(used == std::set<int>{0, 1, 2, 3});
  // SBUF occupancy: a sample per layer, its peak the summary's, within the capacity.
  const auto sbuf = named(t, "SBUF occupancy");
  REQUIRE(sbuf.size() == 10);
  uint64_t peak = 0;
  for (const json& e : sbuf) peak = std::max(peak, e["args"]["bytes"].get<uint64_t>());
  REQUIRE(peak == s["state_buffer"]["peak_bytes"]);
  REQUIRE(peak <= s["state_buffer"]["capacity_bytes"].get<uint64_t>());
  // DRAM bandwidth: 500 bins or a few more of cycles / 500 + 1 cycles each, none above tiny's
  // 16 GB/s, adding up to every DRAM byte of the summary.
  const auto bw = named(t, "DRAM bandwidth");
  const uint64_t bin = s["cycles"].get<uint64_t>() / 500 + 1;
  REQUIRE(bw.size() == s["cycles"].get<uint64_t>() / bin + 1);
  for (const json& e : bw) REQUIRE(e["args"]["GB/s"].get<double>() <= 16 * (1 + 1e-12));
  REQUIRE(counted_dram_bytes(t, static_cast<double>(bin) / cycles_per_us(out)) ==
          Approx(static_cast<double>(dram_bytes(s))));
  REQUIRE(t["otherData"]["model"] == "tiny_cnn");
  REQUIRE(t["otherData"]["batch"] == 1);
}

TEST_CASE("every complete event in trace.json lasts and falls within a layer of layers.csv") {
  const auto out = test::tiny_run("trace_layers").run();
  const test::Csv csv = out.layers();
  const double f = cycles_per_us(out);
  REQUIRE(f == 1e3);                                          // tiny.yaml: 1 GHz
  std::map<std::string, std::pair<uint64_t, uint64_t>> span;  // layer -> first start, last end
  for (const json& e : events(out.trace(), "X")) {
    INFO(e.dump());
    REQUIRE(e["dur"].get<double>() > 0);
    const std::string layer = e["args"]["layer"];
    REQUIRE(e["cat"] == layer);
    const size_t r = csv.find("layer", layer);
    const uint64_t start = e["args"]["start_cycle"], cycles = e["args"]["cycles"];
    REQUIRE(e["ts"].get<double>() * f == Approx(static_cast<double>(start)));
    REQUIRE(e["dur"].get<double>() * f == Approx(static_cast<double>(cycles)));
    REQUIRE(start >= csv.count(r, "start_cycle"));
    REQUIRE(start + cycles <= csv.count(r, "end_cycle"));
    auto it = span.emplace(layer, std::make_pair(start, start + cycles)).first;
    it->second.first = std::min(it->second.first, start);
    it->second.second = std::max(it->second.second, start + cycles);
  }
  // Each layer's span in layers.csv is its events' (the first starting, the last ending).
  REQUIRE(span.size() == csv.rows());
  for (size_t r = 0; r < csv.rows(); ++r) {
    const auto& [first, last] = span.at(csv.at(r, "layer"));
    REQUIRE(first == csv.count(r, "start_cycle"));
    REQUIRE(last == csv.count(r, "end_cycle"));
  }
}

TEST_CASE("trace.json's engine time is summary.json's busy cycles, and layers.csv's per layer") {
  const auto out = test::tiny_run("trace_busy").run();
  const auto& s = out.summary;
  const test::Csv csv = out.layers();
  const double f = cycles_per_us(out);
  double tensor_us = 0;
  uint64_t matmuls = 0;
  std::map<std::string, uint64_t> tensor, vector;  // layer -> busy cycles
  std::map<std::string, uint64_t> bytes;           // "read weights" ... -> bytes
  for (const json& e : events(out.trace(), "X")) {
    const std::string layer = e["args"]["layer"];
    const int tid = e["tid"];
    if (tid == 0) {
      tensor_us += e["dur"].get<double>();
      tensor[layer] += e["args"]["cycles"].get<uint64_t>();
      ++matmuls;
    } else if (tid == 1) {
      vector[layer] += e["args"]["cycles"].get<uint64_t>();
    } else {
      bytes[e["name"]] += e["args"]["bytes"].get<uint64_t>();
    }
  }
  REQUIRE(std::llround(tensor_us * f) == s["tensor_engine"]["busy_cycles"].get<int64_t>());
  REQUIRE(matmuls == s["tensor_engine"]["matmuls"]);
  for (size_t r = 0; r < csv.rows(); ++r) {
    const std::string layer = csv.at(r, "layer");
    INFO(layer);
    REQUIRE(tensor[layer] == csv.count(r, "tensor_busy_cycles"));
    REQUIRE(vector[layer] == csv.count(r, "vector_busy_cycles"));
  }
  REQUIRE(csv.sum("vector_busy_cycles") == s["vector_engine"]["busy_cycles"]);
  // The DMA events move the summary's DRAM bytes, class by class: at batch 1 the weights
  // (26986 parameters x 2 B), the input (3 x 32 x 32 x 2 B) and the 10 logits (x 2 B).
  REQUIRE(bytes == std::map<std::string, uint64_t>{{"read weights", test::kTinyCnnParams * 2},
                                                   {"read io", 3 * 32 * 32 * 2},
                                                   {"write io", 10 * 2}});
  REQUIRE(s["dram"]["read_bytes"]["weights"] == bytes["read weights"]);
  REQUIRE(s["dram"]["read_bytes"]["io"] == bytes["read io"]);
  REQUIRE(s["dram"]["write_bytes"]["io"] == bytes["write io"]);
}

TEST_CASE("a layer name with a comma and quotes reads back from layers.csv and trace.json") {
  const std::string name = "fc, \"one\"";
  const auto out = test::tiny_run("quoted_name")
                       .model(
                           "name: q\ninput: {channels: 4}\nlayers:\n"
                           "  - {name: 'fc, \"one\"', kind: linear, out_features: 4}\n")
                       .batch(8)
                       .run();
  REQUIRE_THAT(out.file("layers.csv"), Catch::Contains("\n\"fc, \"\"one\"\"\",linear,"));
  REQUIRE(out.layers().at(0, "layer") == name);
  for (const json& e : events(out.trace(), "X")) REQUIRE(e["args"]["layer"] == name);
}

TEST_CASE("sweep.csv flattens summaries, quotes a comma, and leaves a missing field empty") {
  nlohmann::ordered_json ok;
  ok["batch"] = 2;  // an axis: not repeated
  ok["model"] = "m,1";
  ok["cycles"] = 5;
  ok["plan"]["note"] = "say \"hi\"";
  const std::string text =
      report::sweep_csv({"batch"}, {{"p00", {"2"}, ok}, {"p01", {"4"}, nullptr}});
  REQUIRE(text ==
          "point,batch,model,cycles,plan.note\n"
          "p00,2,\"m,1\",5,\"say \"\"hi\"\"\"\n"
          "p01,4,,,\n");
  const test::Csv csv(text);
  REQUIRE(csv.at(0, "model") == "m,1");
  REQUIRE(csv.at(0, "plan.note") == "say \"hi\"");
  REQUIRE(csv.at(1, "batch") == "4");
  REQUIRE(csv.at(1, "plan.note").empty());
}
