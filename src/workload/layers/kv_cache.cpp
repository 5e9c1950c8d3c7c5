// kv_cache: a decoder's KV cache in DRAM (issue 16): the `tokens` earlier tokens of a K or V
// tensor of `channels` features per sample, the third input of an attention matmul in a decode
// step (the model loader inserts one per matmul of a `decoder: true` model). Read by DMA as
// class kv, like an external layer's output; takes the model input only as an anchor; no MACs,
// no parameters.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_kv_cache(Params& p, Layer& l) {
  l.out = Shape{p.count("channels", std::nullopt), p.count("tokens", std::nullopt), 1};
  l.external = l.kv_read = true;
}

}  // namespace

NCORE_REGISTER_LAYER("kv_cache", 1, 1, build_kv_cache, nullptr, nullptr, KindFlags{},
                     KindDoc{"`channels`, `tokens`",
                             "DMA: a KV cache's earlier tokens read from DRAM (class `kv`); a "
                             "decode step's matmuls take it as their third input"});

}  // namespace ncore::workload
