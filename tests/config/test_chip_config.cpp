// The hardware file's `chip` block (issue 15, config/chip_config.cpp): parsed with its defaults,
// every key reachable by --set and as a sweep axis, every DRAM model accepted, and ignored in
// single mode: a run with the block gives byte for byte what it gives without it. Bad values:
// test_config_errors.cpp.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/keys.h"
#include "config/run_config.h"
#include "config/sweep_config.h"
#include "planner/planner.h"
#include "test_runs.h"

using namespace ncore;

namespace {

constexpr double kGiB = 1073741824.0;

// The required keys of a chip block, as overrides of a file that has none (tiny.yaml).
std::vector<config::Override> minimal_chip() {
  return {{"hw.chip.cores", "2", "t"},
          {"hw.chip.dram.channels", "2", "t"},
          {"hw.chip.dram.bandwidth", "32 GB/s", "t"},
          {"hw.chip.dram.latency", "100 ns", "t"},
          {"hw.chip.link.bandwidth", "8 GB/s", "t"},
          {"hw.chip.chip_link.bandwidth", "4 GB/s", "t"}};
}

config::RunConfig load_tiny(const std::string& name, std::vector<config::Override> o) {
  return test::tiny_run(name).set(o).load();
}

// `hw_file` (in the repository) without its chip block, written into `dir`.
std::string without_chip(const std::string& hw_file, const std::string& dir) {
  const std::string text = test::read(test::repo(hw_file));
  const size_t at = text.find("\nchip:\n");
  REQUIRE(at != std::string::npos);
  // The block is the file's last; the comment lines just above it go too.
  size_t cut = at;
  while (cut > 0) {
    const size_t line = text.rfind('\n', cut - 1);
    if (line == std::string::npos || text.compare(line + 1, 1, "#") != 0) break;
    cut = line;
  }
  return test::write(dir + "/nochip.yaml", text.substr(0, cut + 1));
}

}  // namespace

TEST_CASE("the shipped inf1 and trn1 files describe their chips") {
  const auto inf1 = test::shipped_run("configs/runs/resnet50_inf1.yaml").load().hw;
  REQUIRE(inf1.chip);
  CHECK(inf1.chip->cores == 4);
  CHECK(inf1.chip->dram.bandwidth == 50 * kGiB);  // the chip's, four times the core's share
  CHECK(inf1.chip->dram.bandwidth == 4 * inf1.dram.bandwidth);
  CHECK(inf1.chip->dram.capacity == 8ull << 30);
  CHECK(inf1.chip->chip_link.bandwidth == 32 * kGiB);
  CHECK(inf1.chip->host_link_bandwidth == 878.24e6);

  const auto trn1 = test::shipped_run("configs/runs/resnet50_trn1.yaml").load().hw;
  REQUIRE(trn1.chip);
  CHECK(trn1.chip->cores == 2);
  CHECK(trn1.chip->dram.bandwidth == 820e9);
  CHECK(trn1.chip->dram.bandwidth == 2 * trn1.dram.bandwidth);
  CHECK(trn1.chip->dram.capacity == 32ull << 30);
  CHECK(trn1.chip->chip_link.bandwidth == 96 * kGiB);
  CHECK(trn1.chip->host_link_bandwidth == 3.512e9);
}

TEST_CASE("a chip block's optional keys take their defaults, and a file may have no block") {
  REQUIRE_FALSE(load_tiny("chip_none", {}).hw.chip);
  const auto hw = load_tiny("chip_min", minimal_chip()).hw;
  REQUIRE(hw.chip);
  const config::ChipConfig& c = *hw.chip;
  CHECK(c.cores == 2);
  CHECK(c.dram.model == config::DramModel::simple);
  CHECK(c.dram.channels == 2);
  CHECK(c.dram.bandwidth == 32e9);
  CHECK(c.dram.latency_s == 100e-9);
  CHECK(c.dram.capacity == 0);  // unbounded
  CHECK(c.link.bandwidth == 8e9);
  CHECK(c.link.latency_s == 0);
  CHECK(c.chip_link.latency_s == 0);
  // The host link: the cores times the core's (tiny.yaml: 1 GB/s).
  CHECK(c.host_link_bandwidth == 2e9);
  auto o = minimal_chip();
  o.push_back({"hw.chip.cores", "3", "t"});
  CHECK(load_tiny("chip_min3", o).hw.chip->host_link_bandwidth == 3e9);
}

TEST_CASE("a chip DRAM takes every DRAM model, a preset and overrides of its keys") {
  auto ideal = minimal_chip();
  ideal.push_back({"hw.chip.dram.model", "ideal", "t"});
  const auto i = load_tiny("chip_ideal", ideal).hw.chip->dram;
  CHECK(i.model == config::DramModel::ideal);
  CHECK(i.latency_s == 0);

  auto banks = minimal_chip();
  banks.push_back({"hw.chip.dram.model", "banks", "t"});
  banks.push_back({"hw.chip.dram.preset", "hbm2e", "t"});
  banks.push_back({"hw.chip.dram.capacity", "16 GiB", "t"});
  banks.push_back({"hw.chip.dram.t_cl", "20 ns", "t"});
  const auto run = test::tiny_run("chip_banks").set(banks);
  const auto rc = run.load();
  const auto& b = rc.hw.chip->dram;
  CHECK(b.model == config::DramModel::banks);
  CHECK(b.timing.preset == "hbm2e");
  CHECK(b.timing.t_cl == 20);
  CHECK(b.capacity == 16ull << 30);
  CHECK(b.bandwidth == b.channels * b.timing.burst_bytes / (b.timing.t_burst * 1e-9));
  // The core's own DRAM is untouched, and config.yaml reads back to the same configuration.
  CHECK(rc.hw.dram.model == config::DramModel::simple);
  const std::string text = config::resolved_yaml(rc, run.dir());
  test::write(run.dir() + "/config.yaml", text);
  CHECK(config::resolved_yaml(config::load_run(run.dir() + "/config.yaml"), run.dir()) == text);
}

TEST_CASE("every key of the chip tables is reachable with --set hw.chip.KEY") {
  // Each key with a value whose resolved text (base units) is the value itself.
  const auto value_of = [](const std::string& key) -> std::string {
    if (key == "cores" || key == "dram.channels") return "3";
    if (key.find("latency") != std::string::npos) return "0.5";
    return "1024";
  };
  std::vector<std::string> keys;
  for (const auto& k : config::chip_keys().keys()) keys.push_back(k.name);
  for (const auto& k : config::dram_keys().keys())
    if (k.name != "model") keys.push_back("dram." + k.name);
  REQUIRE(keys.size() == 10);
  for (const auto& key : keys) {
    INFO(key);
    const auto rc = test::shipped_run("configs/runs/mlp_inf1.yaml")
                        .set({{"hw.chip." + key, value_of(key), "--set"}})
                        .load();
    CHECK(config::resolved_value(rc, "hw.chip." + key, ".") == value_of(key));
  }
  const auto rc = test::shipped_run("configs/runs/mlp_inf1.yaml")
                      .set({{"hw.chip.dram.model", "ideal", "--set"}})
                      .load();
  CHECK(config::resolved_value(rc, "hw.chip.dram.model", ".") == "ideal");
}

TEST_CASE(
    "a sweep takes chip keys as axes, which in single mode change nothing but their columns") {
  const std::string dir = test::scratch("chip_sweep");
  const std::string sweep =
      test::write(dir + "/s.yaml", "base: " + test::repo("configs/runs/mlp_inf1.yaml") +
                                       "\naxes:\n  hw.chip.cores: [2, 4]\n"
                                       "  hw.chip.dram.bandwidth: [25 GiB/s, 50 GiB/s]\n");
  const auto s = config::load_sweep(sweep);
  REQUIRE(s.points == 4);
  const auto last = config::load_run(s.base_run, s.point(3).overrides);
  CHECK(last.hw.chip->cores == 4);
  CHECK(last.hw.chip->dram.bandwidth == 50 * kGiB);

  const auto r = test::ncoresim("sweep '" + sweep + "' -q --jobs 1 -o '" + dir + "/out'");
  INFO(r.output);
  REQUIRE(r.code == 0);
  const test::Csv csv(test::read(dir + "/out/sweep.csv"));
  REQUIRE(csv.rows() == 4);
  CHECK(csv.at(0, "hw.chip.cores") == "2");
  CHECK(csv.at(3, "hw.chip.cores") == "4");
  CHECK(csv.at(3, "hw.chip.dram.bandwidth") == "53687091200");
  for (const char* p : {"p01", "p02", "p03"}) {
    INFO(p);
    CHECK(test::read(dir + "/out/" + p + "/summary.json") ==
          test::read(dir + "/out/p00/summary.json"));
  }
}

TEST_CASE("in single mode the chip block changes no plan and no output but config.yaml") {
  // The same run on inf1.yaml and trn1.yaml with and without their blocks: summary.json,
  // layers.csv and trace.json byte for byte (one binary, so the version too).
  for (const char* hw : {"configs/hw/inf1.yaml", "configs/hw/trn1.yaml"}) {
    INFO(hw);
    const std::string dir = test::scratch("chip_single");
    const auto with = test::Run("chip_with", "").model_file("models/mlp.yaml").hw(hw).batch(4);
    const auto without = test::Run("chip_without", "")
                             .model_file("models/mlp.yaml")
                             .hw(without_chip(hw, dir))
                             .batch(4);
    REQUIRE(with.load().hw.chip);
    REQUIRE_FALSE(without.load().hw.chip);
    CHECK(planner::plan_key(with.load(), true) == planner::plan_key(without.load(), true));
    const auto a = with.run("--trace"), b = without.run("--trace");
    for (const char* f : {"summary.json", "layers.csv", "trace.json"}) {
      INFO(f);
      CHECK(a.file(f) == b.file(f));
    }
    CHECK(a.file("config.yaml") != b.file("config.yaml"));
  }
}
