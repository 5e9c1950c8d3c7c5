// The layer-kind registry (see layer_kind.h).
#include "workload/layer_kind.h"

#include <stdexcept>

namespace ncore::workload {

LayerRegistry& LayerRegistry::instance() {
  static LayerRegistry r;
  return r;
}

void LayerRegistry::add(LayerKind k) {
  const std::string name = k.name;
  if (!m_kinds.emplace(name, std::move(k)).second)
    throw std::logic_error("layer kind registered twice: " + name);
}

const LayerKind* LayerRegistry::find(const std::string& name) const {
  const auto it = m_kinds.find(name);
  return it == m_kinds.end() ? nullptr : &it->second;
}

std::vector<std::string> LayerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, k] : m_kinds) out.push_back(n);
  return out;
}

uint64_t window_out(uint64_t in, uint64_t kernel, uint64_t stride, uint64_t pad, bool ceil_mode) {
  if (in + 2 * pad < kernel) return 0;
  const uint64_t span = in + 2 * pad - kernel;
  return (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
}

std::string read_activation(Params& p) {
  return p.choice("activation", {"none", "relu", "gelu", "tanh"}, "none");
}

}  // namespace ncore::workload
