// linear: a fully connected layer applied at every position (token) of its input:
// K = input channels, M = out_features, moving columns = H * W positions per sample (1 after a
// global pool or flatten). MACs = K * M * positions; parameters K * M (+ M with bias), or only
// the bias with `tied: true` (the matrix is an embedding's table, counted there; still read whole
// from DRAM as weights).
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_linear(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const uint64_t out_f = p.count("out_features", std::nullopt);
  const bool bias = p.flag("bias", true);
  l.activation = read_activation(p);
  l.out = Shape{out_f, in.h, in.w};
  l.gemm = Gemm{1, in.c, out_f, in.h * in.w, bias};
  l.gemm->tied = p.flag("tied", false);
}

}  // namespace

NCORE_REGISTER_LAYER("linear", 1, 1, build_linear, nullptr, nullptr, KindFlags{false, true},
                     KindDoc{"`out_features`, `bias`, `activation`, `tied`",
                             "tensor engine, per position (K = input features); `tied`: the "
                             "weights are an embedding's table, not counted again"});

}  // namespace ncore::workload
