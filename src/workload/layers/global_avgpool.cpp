// global_avgpool: the mean over all H * W positions of each channel, on the vector engine.
// Output (C, 1, 1); one output position per sample costing H * W lane-cycles per channel.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_global_avgpool(Params&, Layer& l) {
  const Shape& in = l.in_shapes[0];
  l.out = Shape{in.c, 1, 1};
  l.vector = VectorWork{VectorOp::reduce, in.c, 1, in.h * in.w, 0};
}

void eval_global_avgpool(const EvalArgs& a) {
  const Shape& is = a.l.in_shapes[0];
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const uint64_t n = pos / a.per();
      double sum = 0;
      for (uint64_t p = 0; p < is.h * is.w; ++p) sum += a.in()[nchw(is, n, c, 0, 0) + p];
      a.out[a.at(c, pos)] = static_cast<float>(sum / static_cast<double>(is.h * is.w));
    }
}

// An output tile reads every position of its samples.
Region global_avgpool_region(const Layer& l, size_t, const Region& out) {
  const uint64_t per_o = l.out.h * l.out.w, per_i = l.in_shapes[0].h * l.in_shapes[0].w;
  return {out.c_lo, out.c_hi, out.p_lo / per_o * per_i, ((out.p_hi - 1) / per_o + 1) * per_i};
}

}  // namespace

NCORE_REGISTER_LAYER("global_avgpool", 1, 1, build_global_avgpool, eval_global_avgpool,
                     global_avgpool_region, KindFlags{},
                     KindDoc{"", "vector engine, H·W lane-cycles per channel"});

}  // namespace ncore::workload
