// The key tables: the README's config reference is what `ncoresim keys` prints from them, a
// resolved config reads back to the same text, DRAM presets are complete tables, and an override
// of a preset key wins over the preset.
#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "config/dram_presets/registry.h"
#include "config/keys.h"
#include "config/run_config.h"
#include "test_runs.h"
#include "workload/layer_kind.h"

using namespace ncore;

namespace {

// The text between `<!-- keys:WHICH ... -->\n` and `<!-- /keys:WHICH -->` in the README.
std::string readme_block(const std::string& which) {
  const std::string readme = test::read(test::repo("README.md"));
  const std::regex block("<!-- keys:" + which + " [^\\n]*-->\\n([\\s\\S]*?)<!-- /keys:" + which +
                         " -->");
  std::smatch m;
  REQUIRE(std::regex_search(readme, m, block));
  return m[1].str();
}

std::vector<std::pair<std::string, double>> ddr4_pairs() {
  return {{"burst_bytes", 64},
          {"t_burst", 3.3332},
          {"t_cl", 14.16},
          {"t_rcd", 14.16},
          {"t_rp", 14.16},
          {"t_ras", 32},
          {"t_rrd", 3.3},
          {"t_rrd_l", 4.9},
          {"t_ccd_l", 5},
          {"t_faw", 21},
          {"t_rfc", 350},
          {"t_refi", 7800},
          {"t_wtr", 7.5},
          {"t_rtw", 9.2},
          {"banks", 16},
          {"bank_groups", 4},
          {"row_bytes", 8192},
          {"group_interleave_bytes", 64},
          {"interleave_bytes", 4096},
          {"pj_per_byte", 120},
          {"activate_pj", 2000}};
}

}  // namespace

TEST_CASE("the README's config reference is the key tables' (scripts/gen_readme_keys.py)") {
  CHECK(readme_block("hw") == config::config_reference("hw"));
  CHECK(readme_block("options") == config::config_reference("options"));
  CHECK(readme_block("kinds") == workload::kinds_reference());
}

TEST_CASE("every hardware key has a row in the reference, and every table key is documented") {
  const std::string md = config::config_reference("hw");
  for (const char* key :
       {"`tensor_engine.rate.int8`", "`state_buffer.shared_bytes_per_cycle`", "`dram.t_rtw`",
        "`dram.preset`", "`energy.static_w.dma`", "`chip.cores`", "`chip.dram.capacity`",
        "`chip.chip_link.latency`", "`chip.host.link_bandwidth`"})
    CHECK(md.find(key) != std::string::npos);
  for (const auto& k : config::dram_timing_keys_table().keys()) CHECK(!k.doc.empty());
}

TEST_CASE("a resolved config.yaml reads back to the same configuration, for every shipped hw") {
  for (const char* hw : {"inf1", "trn1", "tiny", "scalesim-ws"}) {
    for (const char* dram : {"simple", "banks"}) {
      INFO(hw << " " << dram);
      std::vector<config::Override> o = {{"hw", std::string("../hw/") + hw + ".yaml", "test"},
                                         {"hw.dram.model", dram, "test"}};
      if (std::string(dram) == "banks") o.push_back({"hw.dram.preset", "hbm2e", "test"});
      const auto run = test::tiny_run(std::string("keys_") + hw + dram).set(o);
      const auto rc = run.load();
      const std::string dir = run.dir();
      const std::string text = config::resolved_yaml(rc, dir);
      test::write(dir + "/config.yaml", text);
      test::write(dir + "/model.yaml", test::read(rc.model_file));
      const auto again = config::load_run(dir + "/config.yaml");
      REQUIRE(config::resolved_yaml(again, dir) == text);
    }
  }
}

TEST_CASE("a DRAM preset must set every preset key, once, and nothing else") {
  auto pairs = ddr4_pairs();
  const auto t = config::dram_preset_timing("x", pairs);
  REQUIRE(t.t_rtw == 9.2);
  REQUIRE(t.interleave_bytes == 4096);
  REQUIRE(t.queue_depth == 64);  // a controller key, not the standard's: its default

  auto missing = pairs;
  missing.pop_back();
  REQUIRE_THROWS_WITH(config::dram_preset_timing("x", missing),
                      "DRAM preset x leaves out 'activate_pj'");
  auto twice = pairs;
  twice.push_back({"t_cl", 15});
  REQUIRE_THROWS_WITH(config::dram_preset_timing("x", twice), "DRAM preset x: 't_cl' set twice");
  auto unknown = pairs;
  unknown.push_back({"queue_depth", 8});
  REQUIRE_THROWS_WITH(config::dram_preset_timing("x", unknown),
                      "DRAM preset x: 'queue_depth' is not a preset key");
}

TEST_CASE("ncoresim keys prints the tables, and an unknown table is a command-line error") {
  const auto r = test::ncoresim("keys options");
  REQUIRE(r.code == 0);
  REQUIRE(r.output == config::config_reference("options"));
  REQUIRE(test::ncoresim("keys nonsense").code == 2);
}
