// slice: `count` positions from `start` along the tokens (height) axis, e.g. BERT's [CLS] token
// for the pooler; a copy on the vector engine, one lane-cycle per element kept.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_slice(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const uint64_t start = p.count("start", 0, 0);
  const uint64_t count = p.count("count", 1);
  if (start + count > in.h)
    p.fail("count", "slice [" + std::to_string(start) + ", " + std::to_string(start + count) +
                        ") is outside the input's " + std::to_string(in.h) + " positions");
  l.out = Shape{in.c, count, in.w};
  l.slice_start = start;
  l.vector = VectorWork{VectorOp::elementwise, in.c, count * in.w, 1, 0};
}

void eval_slice(const EvalArgs& a) {
  const Shape& is = a.l.in_shapes[0];
  const Shape& os = a.l.out;
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const uint64_t n = pos / a.per(), oh = pos % a.per() / os.w, ow = pos % os.w;
      a.out[a.at(c, pos)] = a.in()[nchw(is, n, c, oh + a.l.slice_start, ow)];
    }
}

// An output tile reads the same positions shifted by the slice's start rows.
Region slice_region(const Layer& l, size_t, const Region& out) {
  const Shape& is = l.in_shapes[0];
  const uint64_t per_o = l.out.h * l.out.w, per_i = is.h * is.w, last = out.p_hi - 1;
  return {out.c_lo, out.c_hi, out.p_lo / per_o * per_i + l.slice_start * is.w + out.p_lo % per_o,
          last / per_o * per_i + l.slice_start * is.w + last % per_o + 1};
}

}  // namespace

NCORE_REGISTER_LAYER(
    "slice", 1, 1, build_slice, eval_slice, slice_region, KindFlags{},
    KindDoc{
        "`start`, `count`",
        "vector engine, 1 lane-cycle per element kept (a copy of `count` tokens from `start`)"});

}  // namespace ncore::workload
