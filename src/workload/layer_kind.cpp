// Shape helpers shared by the layer kinds (see layer_kind.h).
#include "workload/layer_kind.h"

#include <algorithm>
#include <stdexcept>

namespace ncore::workload {

std::string kinds_reference() {
  std::string md = "| kind | keys | on the hardware |\n|---|---|---|\n";
  for (const auto& [name, k] : LayerRegistry::instance().entries())
    md += "| `" + name + "` | " + k.doc.keys + " | " + k.doc.cost + " |\n";
  return md;
}

const LayerKind& kind_of(const Layer& l) {
  const LayerKind* k = LayerRegistry::instance().find(l.kind);
  if (!k)
    throw std::logic_error("layer " + l.name + " has kind " + l.kind + ", which no file registers");
  return *k;
}

void window_rows(const Shape& is, const Shape& os, const Window& w, uint64_t p0, uint64_t n,
                 uint64_t& lo, uint64_t& hi) {
  const uint64_t per_o = os.h * os.w, per_i = is.h * is.w, last = p0 + n - 1;
  const int64_t top = static_cast<int64_t>(p0 % per_o / os.w * w.sh) - static_cast<int64_t>(w.ph);
  const int64_t bottom =
      static_cast<int64_t>(last % per_o / os.w * w.sh + w.kh - 1) - static_cast<int64_t>(w.ph);
  const auto rows = static_cast<int64_t>(is.h);
  lo = p0 / per_o * per_i + static_cast<uint64_t>(std::clamp<int64_t>(top, 0, rows - 1)) * is.w;
  hi = last / per_o * per_i +
       static_cast<uint64_t>(std::clamp<int64_t>(bottom, 0, rows - 1) + 1) * is.w;
}

uint64_t window_out(uint64_t in, uint64_t kernel, uint64_t stride, uint64_t pad, bool ceil_mode) {
  if (in + 2 * pad < kernel) return 0;
  const uint64_t span = in + 2 * pad - kernel;
  return (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
}

std::string read_activation(Params& p) {
  return p.choice("activation", {"none", "relu", "gelu", "tanh", "silu"}, "none");
}

}  // namespace ncore::workload
