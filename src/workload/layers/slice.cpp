// slice: `count` elements from `start`, every `step`-th, along one `axis` of the (channels,
// height, width) tensor: `height` (the default) is a sequence's tokens (BERT's [CLS] token for
// the pooler), `channels` its features (a fused QKV projection split in three, an ONNX Split),
// `width` an image's columns; `last: true` keeps the last `count` (start = size - count, step 1:
// the last token before a decoder's LM head). A copy on the vector engine, one lane-cycle per
// element kept; no MACs, no parameters.
#include <array>

#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

const std::vector<std::string> kAxes{"channels", "height", "width"};

uint64_t& along(Shape& s, uint32_t axis) {
  return axis == 0 ? s.c : axis == 1 ? s.h : s.w;
}

void build_slice(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const std::string axis = p.choice("axis", kAxes, "height");
  l.slice.axis = axis == "channels" ? 0 : axis == "height" ? 1 : 2;
  const bool last = p.flag("last", false);
  constexpr uint64_t kUnset = ~uint64_t{0};  // above any count a model file can give
  const uint64_t start = p.count("start", kUnset, 0);
  l.slice.step = p.count("step", 1);
  const uint64_t count = p.count("count", 1);
  Shape out = in;
  const uint64_t size = along(out, l.slice.axis);
  if (last && start != kUnset) p.fail("start", "`start` and `last: true` cannot be given together");
  if (last && l.slice.step != 1) p.fail("step", "`last: true` keeps consecutive elements (step 1)");
  if (last && count > size)
    p.fail("count", "the last " + std::to_string(count) + " of the input's " +
                        std::to_string(size) + " " + axis + " do not exist");
  l.slice.start = last ? size - count : start == kUnset ? 0 : start;
  if (l.slice.start + (count - 1) * l.slice.step >= size)
    p.fail("count", "slice of " + std::to_string(count) + " from " + std::to_string(l.slice.start) +
                        " every " + std::to_string(l.slice.step) + " is outside the input's " +
                        std::to_string(size) + " " + axis);
  along(out, l.slice.axis) = count;
  l.out = out;
  l.vector = VectorWork{VectorOp::elementwise, out.c, out.h * out.w, 1, 0};
}

// The input (channel, row, column) of output (c, h, w).
std::array<uint64_t, 3> source(const Layer& l, uint64_t c, uint64_t h, uint64_t w) {
  std::array<uint64_t, 3> at{c, h, w};
  at[l.slice.axis] = l.slice.start + at[l.slice.axis] * l.slice.step;
  return at;
}

void eval_slice(const EvalArgs& a) {
  const Shape& is = a.l.in_shapes[0];
  const Shape& os = a.l.out;
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const uint64_t n = pos / a.per(), oh = pos % a.per() / os.w, ow = pos % os.w;
      const auto [ic, ih, iw] = source(a.l, c, oh, ow);
      a.out[a.at(c, pos)] = a.in()[nchw(is, n, ic, ih, iw)];
    }
}

// An output tile reads, in its channels' span, the input positions from its first output
// position's source to its last one's (the mapping keeps the order).
Region slice_region(const Layer& l, size_t, const Region& out) {
  const Shape& is = l.in_shapes[0];
  const Shape& os = l.out;
  const uint64_t per_o = os.h * os.w, per_i = is.h * is.w;
  auto in_pos = [&](uint64_t pos) {
    const auto at = source(l, 0, pos % per_o / os.w, pos % os.w);
    return pos / per_o * per_i + at[1] * is.w + at[2];
  };
  return {source(l, out.c_lo, 0, 0)[0], source(l, out.c_hi - 1, 0, 0)[0] + 1, in_pos(out.p_lo),
          in_pos(out.p_hi - 1) + 1};
}

}  // namespace

NCORE_REGISTER_LAYER("slice", 1, 1, build_slice, eval_slice, slice_region, KindFlags{},
                     KindDoc{"`start`, `count`, `step`, `axis` (`height`: tokens, the default; "
                             "`channels`: features; `width`), `last` (the last `count`)",
                             "vector engine, 1 lane-cycle per element kept (a copy of `count` "
                             "elements from `start`, every `step`-th)"});

}  // namespace ncore::workload
