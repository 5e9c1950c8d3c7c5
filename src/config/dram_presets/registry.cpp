// Builds a preset's timing from its pairs through the dram key table (see registry.h).
#include "config/dram_presets/registry.h"

#include <set>
#include <stdexcept>

#include "config/keys.h"

namespace ncore::config {

DramTimingConfig dram_preset_timing(const std::string& name,
                                    const std::vector<std::pair<std::string, double>>& values) {
  const auto& table = dram_timing_keys_table();
  DramTimingConfig t;
  t.preset = name;
  std::set<std::string> seen;
  for (const auto& [key, value] : values) {
    const auto* k = table.find(key);
    if (!k || !k->preset)
      throw std::logic_error("DRAM preset " + name + ": '" + key + "' is not a preset key");
    if (!seen.insert(key).second)
      throw std::logic_error("DRAM preset " + name + ": '" + key + "' set twice");
    k->set(t, value);
  }
  for (const auto& k : table.keys())
    if (k.preset && !seen.count(k.name))
      throw std::logic_error("DRAM preset " + name + " leaves out '" + k.name + "'");
  return t;
}

}  // namespace ncore::config
