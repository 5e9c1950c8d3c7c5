// The text of `ncoresim inspect` (see inspect.h).
#include "report/inspect.h"

#include <fmt/format.h>

namespace ncore::report {

std::string inspect_text(const workload::Graph& g, workload::DType dtype) {
  const uint64_t eb = workload::dtype_bytes(dtype);
  std::string out =
      fmt::format("{}: input {}, {} layers, {} MACs and {} parameters per sample\n", g.name,
                  g.input.str(), g.layers.size(), g.macs_per_sample(), g.weight_elems());
  out += fmt::format("{:<28} {:<16} {:<14} {:>14} {:>12} {:>12} {:>10}\n", "layer", "kind",
                     "output", "macs", "params", "act_bytes", "macs/byte");
  uint64_t act_total = 0;
  for (const auto& l : g.layers) {
    const uint64_t act = l.shape_only ? 0 : l.out.elems() * eb;
    uint64_t bytes = act + l.dense_weight_elems() * eb;
    if (l.gather) bytes += l.gather->rows * l.gather->row_elems * eb;
    if (!l.shape_only)
      for (const auto& in : l.in_shapes) bytes += in.elems() * eb;
    act_total += act;
    out += fmt::format(
        "{:<28} {:<16} {:<14} {:>14} {:>12} {:>12} {:>10.2f}\n", l.name, l.kind, l.out.str(),
        l.macs_per_sample(), l.weight_elems(), act,
        bytes ? static_cast<double>(l.macs_per_sample()) / static_cast<double>(bytes) : 0.0);
  }
  out += fmt::format(
      "total: {} layers, {} MACs, {} parameters ({} bytes at {}), {} activation bytes per "
      "sample\n",
      g.layers.size(), g.macs_per_sample(), g.weight_elems(), g.weight_elems() * eb,
      workload::dtype_name(dtype), act_total);
  return out;
}

}  // namespace ncore::report
