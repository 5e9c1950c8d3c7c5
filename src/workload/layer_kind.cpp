// Shape helpers shared by the layer kinds (see layer_kind.h).
#include "workload/layer_kind.h"

namespace ncore::workload {

uint64_t window_out(uint64_t in, uint64_t kernel, uint64_t stride, uint64_t pad, bool ceil_mode) {
  if (in + 2 * pad < kernel) return 0;
  const uint64_t span = in + 2 * pad - kernel;
  return (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
}

std::string read_activation(Params& p) {
  return p.choice("activation", {"none", "relu", "gelu", "tanh"}, "none");
}

}  // namespace ncore::workload
