// external: an activation that comes from DRAM rather than from another layer: (channels,
// height, width) per sample, read by DMA as class io (or streamed by its consumers when it does
// not stay in SBUF). SCALE-Sim topologies use it: each of their layers reads its own IFMAP.
// Takes the model input only as an anchor; no MACs, no parameters.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_external(Params& p, Layer& l) {
  l.out = Shape{p.count("channels", std::nullopt), p.count("height", 1), p.count("width", 1)};
  l.external = true;
}

}  // namespace

NCORE_REGISTER_LAYER(
    "external", 1, 1, build_external, nullptr, nullptr, KindFlags{},
    KindDoc{
        "`channels`, `height`, `width`",
        "DMA: an activation read from DRAM (class `io`), as SCALE-Sim layers read their IFMAPs"});

}  // namespace ncore::workload
