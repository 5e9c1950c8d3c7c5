// The DRAM preset registry (see registry.h).
#include "hw/dram_presets/registry.h"

#include <stdexcept>

namespace ncore::hw {

DramPresets& DramPresets::instance() {
  static DramPresets r;
  return r;
}

void DramPresets::add(const std::string& name, config::DramTimingConfig t) {
  if (!m_presets.emplace(name, std::move(t)).second)
    throw std::logic_error("DRAM preset registered twice: " + name);
}

const config::DramTimingConfig* DramPresets::find(const std::string& name) const {
  const auto it = m_presets.find(name);
  return it == m_presets.end() ? nullptr : &it->second;
}

std::vector<std::string> DramPresets::names() const {
  std::vector<std::string> v;
  for (const auto& [n, t] : m_presets) v.push_back(n);
  return v;
}

}  // namespace ncore::hw
