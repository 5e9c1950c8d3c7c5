// DRAM presets: each standard is one file in this folder that registers its timing by name
// (STYLE.md section 4); `dram: {model: banks, preset: NAME}` in a hardware file starts from it,
// and any timing key overrides it. An unknown name is an error that lists the known ones.
#pragma once
#include <string>

#include "base/registry.h"
#include "config/hw_config.h"

namespace ncore::hw {

struct DramPreset {
  config::DramTimingConfig timing;
  static const char* registry_what() { return "DRAM preset"; }
};
using DramPresetRegistry = base::Registry<DramPreset>;

struct DramPresetRegistrar {
  DramPresetRegistrar(const std::string& name, config::DramTimingConfig t) {
    t.preset = name;
    DramPresetRegistry::instance().add(name, DramPreset{std::move(t)});
  }
};

}  // namespace ncore::hw

#define NCORE_REGISTER_DRAM_PRESET(name, ...)                                             \
  static const ::ncore::hw::DramPresetRegistrar NCORE_CAT(s_dram_preset_, __LINE__)(name, \
                                                                                    __VA_ARGS__)
