// concat: 2 to 64 inputs of equal height and width joined along the channels (Inception,
// DenseNet, whose last blocks concatenate up to 49 tensors; U-Net skips). A copy on the vector
// engine, one lane-cycle per output element (a compiler that lays the producers' outputs side by
// side would make it free: an upper bound). Output (sum of channels, H, W); no MACs, no parameters.
#include <algorithm>

#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_concat(Params& p, Layer& l) {
  uint64_t c = 0;
  for (const auto& s : l.in_shapes) {
    if (s.h != l.in_shapes[0].h || s.w != l.in_shapes[0].w)
      p.fail("inputs", "concat needs equal height and width, got " + l.in_shapes[0].str() +
                           " and " + s.str());
    c += s.c;
  }
  l.out = Shape{c, l.in_shapes[0].h, l.in_shapes[0].w};
  l.vector = VectorWork{VectorOp::elementwise, c, l.out.h * l.out.w, 1, 0};
}

// Output channel c comes from the input holding it.
void eval_concat(const EvalArgs& a) {
  const Shape& os = a.l.out;
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c) {
    uint64_t off = 0;
    size_t k = 0;
    while (c >= off + a.l.in_shapes[k].c) off += a.l.in_shapes[k++].c;
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const uint64_t n = pos / a.per(), oh = pos % a.per() / os.w, ow = pos % os.w;
      a.out[a.at(c, pos)] = a.in(k)[nchw(a.l.in_shapes[k], n, c - off, oh, ow)];
    }
  }
}

// The output channels input k holds, in its own numbering.
Region concat_region(const Layer& l, size_t k, const Region& out) {
  uint64_t off = 0;
  for (size_t j = 0; j < k; ++j) off += l.in_shapes[j].c;
  const uint64_t c = l.in_shapes[k].c;
  return {std::clamp<uint64_t>(out.c_lo, off, off + c) - off,
          std::clamp<uint64_t>(out.c_hi, off, off + c) - off, out.p_lo, out.p_hi};
}

}  // namespace

NCORE_REGISTER_LAYER(
    "concat", 2, 64, build_concat, eval_concat, concat_region, KindFlags{},
    KindDoc{"2–64 inputs",
            "vector engine, 1 lane-cycle per element: a copy along the channels, an upper bound"});

}  // namespace ncore::workload
