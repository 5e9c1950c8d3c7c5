// pad: rows and columns around each channel, `padding: [rows, columns]` before (top, left) and
// `padding_end` after (bottom, right; default the same), one number for both: output
// (C, H + rows + rows_end, W + columns + columns_end), a copy on the vector engine, one lane-cycle
// per output element (the border is written too, whatever its values). ONNX exporters emit a zero
// Pad before an average pool or a conv; a Pad that does not fold into one is this layer, and so
// is a constant concatenated along a sequence's tokens (ViT's class token: one row on top).
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_pad(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const auto pad = p.pair("padding", std::nullopt, 0);
  const auto end = p.pair("padding_end", pad, 0);
  l.out = Shape{in.c, in.h + pad[0] + end[0], in.w + pad[1] + end[1]};
  l.window = Window{1, 1, 1, 1, pad[0], pad[1]};
  l.vector = VectorWork{VectorOp::elementwise, in.c, l.out.h * l.out.w, 1, 0};
}

// Output (n, c, oh, ow) is input (n, c, oh - rows, ow - columns), or 0 in the border.
void eval_pad(const EvalArgs& a) {
  const Shape& is = a.l.in_shapes[0];
  const Shape& os = a.l.out;
  const Window& w = a.l.window;
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const uint64_t n = pos / a.per(), oh = pos % a.per() / os.w, ow = pos % os.w;
      const bool inside = oh >= w.ph && oh < w.ph + is.h && ow >= w.pw && ow < w.pw + is.w;
      a.out[a.at(c, pos)] = inside ? a.in()[nchw(is, n, c, oh - w.ph, ow - w.pw)] : 0.0f;
    }
}

// An output tile reads the input rows under its own (a 1 x 1 window shifted by the padding).
Region pad_region(const Layer& l, size_t, const Region& out) {
  Region r = out;
  window_rows(l.in_shapes[0], l.out, l.window, out.p_lo, out.p_hi - out.p_lo, r.p_lo, r.p_hi);
  return r;
}

}  // namespace

NCORE_REGISTER_LAYER(
    "pad", 1, 1, build_pad, eval_pad, pad_region, KindFlags{},
    KindDoc{"`padding` (rows, columns before), `padding_end` (after; default the same)",
            "vector engine, 1 lane-cycle per output element (a bordered copy)"});

}  // namespace ncore::workload
