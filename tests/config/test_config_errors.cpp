// Bad inputs: each fails with one message `file:line:col: dotted.key: what is wrong` and exit
// code 2 (README "Errors"). Each case writes a small broken file next to good ones and runs
// `ncoresim plan` on it, so the message and the exit code are both checked.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "base/strings.h"
#include "config/config_error.h"
#include "config/dram_presets/registry.h"
#include "config/run_config.h"
#include "config/sweep_config.h"
#include "test_util.h"
#include "workload/layer_kind.h"

using namespace ncore;
using test::read;
using test::repo;
using test::write;

namespace {

// 1-based line of the first line containing `needle`.
int line_of(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  REQUIRE(at != std::string::npos);
  int line = 1;
  for (size_t i = 0; i < at; ++i) line += text[i] == '\n';
  return line;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

struct Case {
  std::string dir, run, hw, model;
};

// A run file, hardware file and model in a scratch folder, each editable.
Case make_case(const std::string& name, const std::string& hw_text, const std::string& model_text,
               const std::string& run_extra = "") {
  Case c;
  c.dir = test::scratch(name);
  c.hw = write(c.dir + "/hw.yaml", hw_text);
  c.model = write(c.dir + "/model.yaml", model_text);
  c.run = write(c.dir + "/run.yaml",
                "hw: hw.yaml\nmodel: model.yaml\nbatch: 2\ndtype: fp16\n" + run_extra);
  return c;
}

std::string tiny_hw() {
  return read(repo("configs/hw/tiny.yaml"));
}
std::string tiny_cnn() {
  return read(repo("models/tiny_cnn.yaml"));
}

void expect_bad(const Case& c, const std::string& message, const std::string& args = "") {
  const auto r = test::ncoresim("plan '" + c.run + "' " + args);
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output, Catch::Contains(message));
  // One message: a single error line.
  REQUIRE(std::count(r.output.begin(), r.output.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("a missing key names the file, the line of its mapping and the key") {
  const std::string hw = replace(tiny_hw(), "  rows: 4\n", "");
  const Case c = make_case("missing", hw, tiny_cnn());
  expect_bad(c, c.hw + ":" + std::to_string(line_of(hw, "  cols: 4")) +
                    ":3: tensor_engine.rows: missing required key");
}

TEST_CASE("an unknown key is an error with a did-you-mean") {
  const std::string hw = replace(tiny_hw(), "issue_interval:", "issue_intervall:");
  const Case c = make_case("unknown", hw, tiny_cnn());
  expect_bad(c,
             c.hw + ":" + std::to_string(line_of(hw, "issue_intervall:")) +
                 ":3: tensor_engine.issue_intervall: unknown key (did you mean issue_interval?)");
  // A misspelt required section is reported as the section that is missing.
  const Case c2 =
      make_case("unknown2", replace(tiny_hw(), "state_buffer:", "state_bufer:"), tiny_cnn());
  expect_bad(c2, c2.hw + ":3:1: state_buffer: missing required key");
}

TEST_CASE("a duplicate key is an error naming both lines") {
  const Case c = make_case("duplicate", tiny_hw(), tiny_cnn(), "batch: 4\n");
  expect_bad(c, c.run + ":5:1: batch: duplicate key (first given at line 3)");
}

TEST_CASE("a wrong type names what was expected") {
  const std::string hw = replace(tiny_hw(), "  cols: 4", "  cols: four");
  const Case c = make_case("type", hw, tiny_cnn());
  expect_bad(c, c.hw + ":" + std::to_string(line_of(hw, "cols: four")) +
                    ":9: tensor_engine.cols: expected an integer, got 'four'");
  const std::string hw2 = replace(tiny_hw(), "  rows: 4", "  rows: [4, 4]");
  const Case c2 = make_case("type2", hw2, tiny_cnn());
  expect_bad(c2, "tensor_engine.rows: expected a positive integer, got a list");
}

TEST_CASE("a negative size is rejected") {
  const std::string hw = replace(tiny_hw(), "capacity: 1 MiB", "capacity: -4 MiB");
  const Case c = make_case("negative", hw, tiny_cnn());
  expect_bad(c, c.hw + ":" + std::to_string(line_of(hw, "-4 MiB")) +
                    ":13: state_buffer.capacity: expected a non-negative size, got '-4 MiB'");
}

TEST_CASE("an out-of-range value is rejected") {
  const Case c = make_case("range", tiny_hw(), tiny_cnn());
  write(c.run, "hw: hw.yaml\nmodel: model.yaml\nbatch: 0\n");
  expect_bad(c, c.run + ":3:8: batch: expected a positive integer no larger than 1048576, got 0");
}

TEST_CASE("a bad unit lists the known units") {
  const std::string hw = replace(tiny_hw(), "bandwidth: 16 GB/s", "bandwidth: 16 GB");
  const Case c = make_case("unit", hw, tiny_cnn());
  expect_bad(c, c.hw + ":" + std::to_string(line_of(hw, "bandwidth: 16 GB ")) +
                    ":14: dram.bandwidth: unknown unit 'GB' in '16 GB' (expected one of B/s, ");
}

TEST_CASE("an unknown layer kind lists the known kinds") {
  const std::string model = replace(tiny_cnn(), "kind: maxpool", "kind: maxpool3d");
  const Case c = make_case("kind", tiny_hw(), model);
  expect_bad(c, c.model + ":" + std::to_string(line_of(model, "maxpool3d")) +
                    ":24: layers[5].kind: unknown layer kind 'maxpool3d' (known: " +
                    base::join(workload::LayerRegistry::instance().names()) + ")");
  expect_bad(c, "did you mean maxpool?");
}

TEST_CASE("an unknown input name is an error with a did-you-mean") {
  const std::string model =
      replace(tiny_cnn(), "inputs: [res.conv2, conv2]", "inputs: [res.conv2, conv_2]");
  const Case c = make_case("input", tiny_hw(), model);
  expect_bad(c, c.model + ":" + std::to_string(line_of(model, "conv_2]")) + ":");
  expect_bad(c,
             "layers[4].inputs: unknown input 'conv_2' (inputs must name the model input or "
             "an earlier layer; did you mean conv2?)");
}

TEST_CASE("a shape error names the layer's key") {
  const std::string model = replace(tiny_cnn(), "groups: 64", "groups: 3");
  const Case c = make_case("groups", tiny_hw(), model);
  expect_bad(c, "layers[7].groups: input channels (64) are not divisible by groups (3)");
}

TEST_CASE("a bad --set value names the override") {
  const Case c = make_case("set", tiny_hw(), tiny_cnn());
  expect_bad(c,
             "--set hw.tensor_engine.rows=-4: tensor_engine.rows: expected a positive integer "
             "no larger than 65536, got -4",
             "--set hw.tensor_engine.rows=-4");
  expect_bad(c,
             "--set hw.state_bufer.capacity=1MiB: state_bufer: unknown key (did you mean "
             "state_buffer?)",
             "--set hw.state_bufer.capacity=1MiB");
  expect_bad(c, "--set batch: expected key=value", "--set batch");
}

TEST_CASE("a file that is not YAML text, or missing, is a clear error") {
  const Case c = make_case("garbage",
                           std::string("\x7f"
                                       "ELF\x02\x01\x01\0\0\0",
                                       10),
                           tiny_cnn());
  expect_bad(c, c.hw + ": not a YAML text file");
  const Case c2 = make_case("syntax", "tensor_engine: {rows: 4\n", tiny_cnn());
  expect_bad(c2, c2.hw + ":2:1: invalid YAML");
  write(c2.run, "hw: nothere.yaml\nmodel: model.yaml\nbatch: 1\n");
  expect_bad(c2, c2.run + ":1:5: hw: hardware file not found");
}

TEST_CASE("a sweep axis value is checked where it is written") {
  const Case c = make_case("sweep", tiny_hw(), tiny_cnn());
  const std::string sweep = write(c.dir + "/sweep.yaml",
                                  "base: run.yaml\naxes:\n  batch: [1, 2]\n"
                                  "  hw.state_buffer.capacity: [1 MiB, 2 MiBB]\n");
  const auto r = test::ncoresim("sweep '" + sweep + "' --out '" + c.dir + "/out'");
  INFO(r.output);
  REQUIRE(r.code == 2);
  REQUIRE_THAT(r.output,
               Catch::Contains(sweep + ":4:37: state_buffer.capacity: unknown unit 'MiBB'"));
}

TEST_CASE("the config loader throws ConfigError, never exits") {
  const Case c = make_case("throws", replace(tiny_hw(), "  lanes: 4\n", ""), tiny_cnn());
  REQUIRE_THROWS_AS(config::load_run(c.run), config::ConfigError);
}

TEST_CASE("an unknown DRAM preset lists the known ones") {
  const Case c = make_case("preset", tiny_hw(), tiny_cnn());
  expect_bad(c,
             "dram.preset: unknown DRAM preset 'ddr5' (known: " +
                 base::join(config::DramPresetRegistry::instance().names()) + ")",
             "--set hw.dram.model=banks --set hw.dram.preset=ddr5");
}

TEST_CASE("bank groups must divide the banks and the group interleave the row") {
  const Case c = make_case("groups", tiny_hw(), tiny_cnn());
  const std::string banks = "--set hw.dram.model=banks --set hw.dram.preset=ddr4-2400 ";
  expect_bad(c,
             "--set hw.dram.bank_groups=3: dram.bank_groups: banks (16) must be a multiple of "
             "bank_groups (3)",
             banks + "--set hw.dram.bank_groups=3");
  expect_bad(c,
             "--set hw.dram.group_interleave_bytes=96: dram.group_interleave_bytes: "
             "group_interleave_bytes (96) must be a multiple of burst_bytes (64) and divide "
             "row_bytes (8192)",
             banks + "--set hw.dram.group_interleave_bytes=96");
}

TEST_CASE("every shipped run and sweep file loads, every sweep point resolved") {
  namespace fs = std::filesystem;
  int runs = 0, sweeps = 0;
  for (const auto& e : fs::directory_iterator(repo("configs/runs"))) {
    INFO(e.path());
    REQUIRE_NOTHROW(config::load_run(e.path().string()));
    ++runs;
  }
  for (const auto& e : fs::directory_iterator(repo("configs/sweeps"))) {
    INFO(e.path());
    const auto s = config::load_sweep(e.path().string());
    REQUIRE(s.points >= 2);
    ++sweeps;
  }
  REQUIRE(runs >= 5);
  REQUIRE(sweeps >= 4);
}
