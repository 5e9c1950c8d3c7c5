// Every self-registering extension point lists exactly the names its registrar files register:
// each registry is compared with the registration macros found in its folder on disk, so a file
// whose registrar was lost at link time (or a registry filled from somewhere else) fails here.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "config/dram_presets/registry.h"
#include "test_util.h"
#include "workload/layer_kind.h"
#include "workload/onnx/op_registry.h"

using namespace ncore;

namespace {

// The first string argument of every `macro("name"` in the .cpp files under `dir`.
std::set<std::string> registered_on_disk(const std::string& dir, const std::string& macro) {
  const std::regex call(macro + R"(\(\s*"([^"]+)\")");
  std::set<std::string> names;
  for (const auto& f : std::filesystem::recursive_directory_iterator(test::repo(dir))) {
    if (f.path().extension() != ".cpp") continue;
    const std::string text = test::read(f.path().string());
    for (std::sregex_iterator m(text.begin(), text.end(), call), end; m != end; ++m)
      names.insert((*m)[1].str());
  }
  return names;
}

template <class T>
std::set<std::string> in_registry() {
  const auto v = base::Registry<T>::instance().names();
  return {v.begin(), v.end()};
}

}  // namespace

TEST_CASE("the layer-kind registry holds exactly the kinds registered in src/workload/layers") {
  const auto on_disk = registered_on_disk("src/workload/layers", "NCORE_REGISTER_LAYER");
  REQUIRE(on_disk.size() >= 16);
  REQUIRE(in_registry<workload::LayerKind>() == on_disk);
}

TEST_CASE("the DRAM preset registry holds exactly the presets in src/config/dram_presets") {
  const auto on_disk = registered_on_disk("src/config/dram_presets", "NCORE_REGISTER_DRAM_PRESET");
  REQUIRE(on_disk.count("ddr4-2400"));
  REQUIRE(in_registry<config::DramPreset>() == on_disk);
}

TEST_CASE("the ONNX op registry holds exactly the ops registered in src/workload/onnx") {
  const auto on_disk = registered_on_disk("src/workload/onnx", "NCORE_REGISTER_ONNX_OP");
  REQUIRE(on_disk.count("Conv"));
  REQUIRE(in_registry<workload::onnx::OnnxOp>() == on_disk);
}

TEST_CASE("a name registered twice is a logic error naming the registry") {
  struct Thing {
    static const char* registry_what() { return "test thing"; }
  };
  base::Registry<Thing>::instance().add("a", Thing{});
  REQUIRE_THROWS_WITH(base::Registry<Thing>::instance().add("a", Thing{}),
                      "test thing registered twice: a");
  REQUIRE(base::Registry<Thing>::instance().find("b") == nullptr);
}
