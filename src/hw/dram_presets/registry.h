// DRAM presets: each standard is one file in this folder that registers its timing by name
// (STYLE.md section 4); `dram: {model: banks, preset: NAME}` in a hardware file starts from it,
// and any timing key overrides it. An unknown name is an error that lists the known ones.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/hw_config.h"

namespace ncore::hw {

class DramPresets {
 public:
  static DramPresets& instance();
  void add(const std::string& name, config::DramTimingConfig t);
  const config::DramTimingConfig* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, config::DramTimingConfig> m_presets;
};

struct DramPresetRegistrar {
  DramPresetRegistrar(const std::string& name, config::DramTimingConfig t) {
    t.preset = name;
    DramPresets::instance().add(name, std::move(t));
  }
};

}  // namespace ncore::hw

#define NCORE_DRAM_CAT2(a, b) a##b
#define NCORE_DRAM_CAT(a, b) NCORE_DRAM_CAT2(a, b)
#define NCORE_REGISTER_DRAM_PRESET(name, ...)                                             \
  static const ::ncore::hw::DramPresetRegistrar NCORE_DRAM_CAT(s_dram_preset_, __LINE__)( \
      name, __VA_ARGS__)
