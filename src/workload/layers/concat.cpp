// concat: 2 to 64 inputs joined along the channels (Inception, DenseNet, whose last blocks
// concatenate up to 49 tensors; U-Net skips), or with `axis: height | width` along an image's rows
// or columns (Swin's shifted windows: torch.roll exported as two slices concatenated). A copy on
// the vector engine, one lane-cycle per output element (a compiler that lays the producers'
// outputs side by side would make it free: an upper bound); no MACs, no parameters.
#include <algorithm>

#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

const std::vector<std::string> kAxes{"channels", "height", "width"};

uint64_t along(const Shape& s, uint32_t axis) {
  return axis == 0 ? s.c : axis == 1 ? s.h : s.w;
}

void build_concat(Params& p, Layer& l) {
  const std::string name = p.choice("axis", kAxes, "channels");
  const uint32_t axis = name == "channels" ? 0 : name == "height" ? 1 : 2;
  l.concat_axis = axis;
  const Shape& first = l.in_shapes[0];
  Shape out = first;
  uint64_t total = 0;
  for (const auto& s : l.in_shapes) {
    for (uint32_t a = 0; a < 3; ++a)
      if (a != axis && along(s, a) != along(first, a))
        p.fail("inputs",
               std::string(axis == 0   ? "concat needs equal height and width"
                           : axis == 1 ? "concat along the height needs equal channels and width"
                                       : "concat along the width needs equal channels and height") +
                   ", got " + first.str() + " and " + s.str());
    total += along(s, axis);
  }
  (axis == 0 ? out.c : axis == 1 ? out.h : out.w) = total;
  l.out = out;
  l.vector = VectorWork{VectorOp::elementwise, out.c, out.h * out.w, 1, 0};
}

// Output element (c, h, w) comes from the input holding its index along the axis.
void eval_concat(const EvalArgs& a) {
  const Shape& os = a.l.out;
  const uint32_t axis = a.l.concat_axis;
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const uint64_t n = pos / a.per();
      uint64_t at[3] = {c, pos % a.per() / os.w, pos % os.w};
      size_t k = 0;
      while (at[axis] >= along(a.l.in_shapes[k], axis)) at[axis] -= along(a.l.in_shapes[k++], axis);
      a.out[a.at(c, pos)] = a.in(k)[nchw(a.l.in_shapes[k], n, at[0], at[1], at[2])];
    }
}

// The part of an output tile input k holds, in its own numbering (along the rows or columns: the
// input's positions of the samples the tile touches).
Region concat_region(const Layer& l, size_t k, const Region& out) {
  uint64_t off = 0;
  for (size_t j = 0; j < k; ++j) off += along(l.in_shapes[j], l.concat_axis);
  const Shape& is = l.in_shapes[k];
  if (l.concat_axis != 0) {
    const uint64_t per_o = l.out.h * l.out.w, per_i = is.h * is.w;
    return {out.c_lo, out.c_hi, out.p_lo / per_o * per_i, ((out.p_hi - 1) / per_o + 1) * per_i};
  }
  return {std::clamp<uint64_t>(out.c_lo, off, off + is.c) - off,
          std::clamp<uint64_t>(out.c_hi, off, off + is.c) - off, out.p_lo, out.p_hi};
}

}  // namespace

NCORE_REGISTER_LAYER(
    "concat", 2, 64, build_concat, eval_concat, concat_region, KindFlags{},
    KindDoc{"2–64 inputs, `axis` (`channels`, the default, `height` or `width`)",
            "vector engine, 1 lane-cycle per element: a copy along the axis, an upper bound"});

}  // namespace ncore::workload
