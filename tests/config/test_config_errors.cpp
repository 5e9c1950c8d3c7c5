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

namespace {

// tiny.yaml with a chip block (every key once) whose line `from` is replaced by `to`.
std::string chip_hw(const std::string& from, const std::string& to) {
  const std::string chip =
      "chip:\n"
      "  cores: 2\n"
      "  dram:\n"
      "    channels: 2\n"
      "    bandwidth: 32 GB/s\n"
      "    latency: 100 ns\n"
      "    capacity: 1 GiB\n"
      "  link: {bandwidth: 8 GB/s, latency: 50 ns}\n"
      "  chip_link: {bandwidth: 4 GB/s, latency: 1 us}\n"
      "  host:\n"
      "    link_bandwidth: 2 GB/s\n";
  return tiny_hw() + replace(chip, from, to);
}

// A bad chip key: the line `from` of chip_hw replaced by `to`; the message names the hardware
// file, the value's line (the first line of `to`) and column, and the key.
struct BadChipKey {
  const char *name, *from, *to;
  int col;
  const char* message;
};
const BadChipKey kBadChipKeys[] = {
    {"chip_cores", "cores: 2", "cores: 0", 10,
     "chip.cores: expected a positive integer no larger than 1024, got 0"},
    {"chip_capacty", "capacity: 1 GiB", "capacty: 1 GiB", 5,
     "chip.dram.capacty: unknown key (did you mean capacity?)"},
    {"chip_bw", "bandwidth: 32 GB/s", "bandwidth: 32 GB", 16,
     "chip.dram.bandwidth: unknown unit 'GB' in '32 GB' (expected one of B/s, "},
    {"chip_cap", "capacity: 1 GiB", "capacity: -1 GiB", 15,
     "chip.dram.capacity: expected a non-negative size, got '-1 GiB'"},
    {"chip_model", "channels: 2", "model: fast", 12,
     "chip.dram.model: unknown value 'fast' (expected one of simple, ideal, banks)"},
    {"chip_preset", "capacity: 1 GiB", "preset: hbm2e\n    capacity: 1 GiB", 13,
     "chip.dram.preset: a preset needs model: banks"},
    {"chip_link_bw", "link: {bandwidth: 8 GB/s,", "link: {bandwidth: 0 GB/s,", 21,
     "chip.link.bandwidth: expected a positive rate, got '0 GB/s'"},
    {"chip_link_lat", "latency: 1 us}", "latency: -1 us}", 43,
     "chip.chip_link.latency: expected a non-negative time, got '-1 us'"},
    {"chip_host", "link_bandwidth: 2 GB/s", "link_bandwidth: fast", 21,
     "chip.host.link_bandwidth: expected a rate such as 50 GiB/s, got 'fast'"}};

}  // namespace

TEST_CASE("each bad chip key names the file, its line and the key") {
  REQUIRE(config::load_run(make_case("chip_good", chip_hw("", ""), tiny_cnn()).run).hw.chip);
  for (const BadChipKey& k : kBadChipKeys) {
    const std::string hw = chip_hw(k.from, k.to);
    const Case c = make_case(k.name, hw, tiny_cnn());
    expect_bad(c, c.hw + ":" + std::to_string(line_of(hw, k.to)) + ":" + std::to_string(k.col) +
                      ": " + k.message);
  }
  // A missing section is reported at the chip mapping.
  const std::string hw = chip_hw("  link: {bandwidth: 8 GB/s, latency: 50 ns}\n", "");
  const Case c = make_case("chip_nolink", hw, tiny_cnn());
  expect_bad(c, c.hw + ":" + std::to_string(line_of(hw, "  cores: 2")) +
                    ":3: chip.link: missing required key");
}

TEST_CASE("a chip DRAM takes the core's models and presets, and their errors") {
  const Case c = make_case("chip_banks", chip_hw("", ""), tiny_cnn());
  expect_bad(c,
             "--set hw.chip.dram.preset=ddr5: chip.dram.preset: unknown DRAM preset 'ddr5' "
             "(known: " +
                 base::join(config::DramPresetRegistry::instance().names()) + ")",
             "--set hw.chip.dram.model=banks --set hw.chip.dram.preset=ddr5");
  expect_bad(c,
             "--set hw.chip.dram.bank_groups=3: chip.dram.bank_groups: banks (16) must be a "
             "multiple of bank_groups (3)",
             "--set hw.chip.dram.model=banks --set hw.chip.dram.preset=ddr4-2400 "
             "--set hw.chip.dram.bank_groups=3");
  expect_bad(
      c, "--set hw.chip.cores=2000: chip.cores: expected a positive integer no larger than 1024",
      "--set hw.chip.cores=2000");
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
