// transpose: windowed attention's move of `windows` blocks of tokens between the tokens and the
// channels. `to: channels`: (C, windows x N, 1) -> (windows x count, N, 1), output channel
// w x count + c being input channel start + c of window w's tokens (`start`, `count`: the
// channels taken, default all: one of a fused QKV projection's three parts), so each window is
// a head of the next matmul; `to: tokens`: (windows x C, N, 1) -> (C, windows x N, 1), back.
// Data movement across partitions, modelled as a copy on the vector engine, one lane-cycle per
// element (an assumption, as for channel_shuffle; an upper bound where a DMA or the tensor
// engine's transpose would do it): no MACs, no parameters.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

const std::vector<std::string> kTo{"channels", "tokens"};

void build_transpose(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  auto& t = l.windows;
  t.windows = p.count("windows", std::nullopt);
  t.to_channels = p.choice("to", kTo, "channels") == "channels";
  if (in.w != 1) p.fail("inputs", "transpose takes (features, tokens) tensors (width 1)");
  if (t.to_channels) {
    t.start = p.count("start", 0, 0);
    t.count = p.count("count", in.c > t.start ? in.c - t.start : 1);
    if (t.start + t.count > in.c)
      p.fail("count", std::to_string(t.count) + " channels from " + std::to_string(t.start) +
                          " are outside the input's " + std::to_string(in.c));
    if (in.h % t.windows != 0)
      p.fail("windows", "the input's " + std::to_string(in.h) + " tokens are not " +
                            std::to_string(t.windows) + " equal windows");
    l.out = Shape{t.windows * t.count, in.h / t.windows, 1};
  } else {
    if (in.c % t.windows != 0)
      p.fail("windows", "the input's " + std::to_string(in.c) + " channels are not " +
                            std::to_string(t.windows) + " equal windows");
    t.start = 0;
    t.count = in.c / t.windows;
    l.out = Shape{t.count, in.h * t.windows, 1};
  }
  l.vector = VectorWork{VectorOp::elementwise, l.out.c, l.out.h, 1, 0};
}

// The input (channel, token) of output (c, token) within one sample.
std::pair<uint64_t, uint64_t> source(const Layer& l, uint64_t c, uint64_t token) {
  const auto& t = l.windows;
  const uint64_t n = t.to_channels ? l.out.h : l.in_shapes[0].h;  // tokens of a window
  if (t.to_channels) return {t.start + c % t.count, c / t.count * n + token};
  return {token / n * t.count + c, token % n};
}

void eval_transpose(const EvalArgs& a) {
  const Shape& is = a.l.in_shapes[0];
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c)
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const auto [ic, it] = source(a.l, c, pos % a.per());
      a.out[a.at(c, pos)] = a.in()[nchw(is, pos / a.per(), ic, it, 0)];
    }
}

// The input channels and tokens of the windows an output tile touches (a bounding box).
Region transpose_region(const Layer& l, size_t, const Region& out) {
  const auto& t = l.windows;
  const uint64_t per_o = l.out.h, per_i = l.in_shapes[0].h;
  const uint64_t s0 = out.p_lo / per_o, s1 = (out.p_hi - 1) / per_o;
  if (t.to_channels) {
    const uint64_t n = per_o, w0 = out.c_lo / t.count, w1 = (out.c_hi - 1) / t.count;
    const bool one = w0 == w1;
    return {t.start + (one ? out.c_lo % t.count : 0),
            t.start + (one ? (out.c_hi - 1) % t.count + 1 : t.count), s0 * per_i + w0 * n,
            s1 * per_i + (w1 + 1) * n};
  }
  const uint64_t n = per_i;
  const uint64_t w0 = s0 == s1 ? out.p_lo % per_o / n : 0;
  const uint64_t w1 = s0 == s1 ? (out.p_hi - 1) % per_o / n : t.windows - 1;
  return {w0 * t.count + out.c_lo, w1 * t.count + out.c_hi, s0 * per_i, (s1 + 1) * per_i};
}

}  // namespace

NCORE_REGISTER_LAYER("transpose", 1, 1, build_transpose, eval_transpose, transpose_region,
                     KindFlags{},
                     KindDoc{"`windows`, `to` (`channels`, the default, or `tokens`); to the "
                             "channels `start`, `count` (the channels taken)",
                             "vector engine, 1 lane-cycle per element (a copy moving windows of "
                             "tokens onto the partitions or back)"});

}  // namespace ncore::workload
