// DRAM presets: each standard is one file in this folder that registers its figures by name
// (STYLE.md section 4) as `{key, value}` pairs of the dram key table (times in ns). A preset is a
// complete table: the registrar rejects one that leaves out a preset key, names an unknown one or
// sets one twice (std::logic_error at start-up). `dram: {model: banks, preset: NAME}` in a
// hardware file starts from it, and any key overrides it; an unknown name lists the known ones.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "base/registry.h"
#include "config/hw_config.h"

namespace ncore::config {

struct DramPreset {
  DramTimingConfig timing;
  static const char* registry_what() { return "DRAM preset"; }
};
using DramPresetRegistry = base::Registry<DramPreset>;

// The preset's timing from its pairs; throws std::logic_error naming a missing, unknown or
// repeated key.
DramTimingConfig dram_preset_timing(const std::string& name,
                                    const std::vector<std::pair<std::string, double>>& values);

struct DramPresetRegistrar {
  DramPresetRegistrar(const std::string& name,
                      const std::vector<std::pair<std::string, double>>& values) {
    DramPresetRegistry::instance().add(name, DramPreset{dram_preset_timing(name, values)});
  }
};

}  // namespace ncore::config

#define NCORE_REGISTER_DRAM_PRESET(name, ...)                                            \
  static const ::ncore::config::DramPresetRegistrar NCORE_CAT(s_dram_preset_, __LINE__)( \
      name, __VA_ARGS__)
