// channel_shuffle: ShuffleNet's permutation of the channels, `groups` g: the C channels seen as
// g x C/g are transposed to C/g x g, so output channel j * g + i is input channel i * C/g + j.
// Channels sit on the partitions, so this is data movement across them, modelled as a copy on
// the vector engine, one lane-cycle per element (no MACs, no parameters); an upper bound where a
// compiler would fold the permutation into the next layer's weights.
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_shuffle(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const uint64_t g = p.count("groups", std::nullopt);
  if (in.c % g != 0)
    p.fail("groups", "the " + std::to_string(in.c) + " channels are not divisible by " +
                         std::to_string(g) + " groups");
  l.out = in;
  l.shuffle_groups = g;
  l.vector = VectorWork{VectorOp::elementwise, in.c, in.h * in.w, 1, 0};
}

void eval_shuffle(const EvalArgs& a) {
  const Shape& s = a.l.in_shapes[0];
  const uint64_t g = a.l.shuffle_groups, per_group = s.c / g;
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c) {
    const uint64_t src = c % g * per_group + c / g;
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const uint64_t n = pos / a.per(), h = pos % a.per() / s.w, w = pos % s.w;
      a.out[a.at(c, pos)] = a.in()[nchw(s, n, src, h, w)];
    }
  }
}

// An output tile of channels reads channels from every group: all of the input's channels.
Region shuffle_region(const Layer& l, size_t, const Region& out) {
  return {0, l.in_shapes[0].c, out.p_lo, out.p_hi};
}

}  // namespace

NCORE_REGISTER_LAYER("channel_shuffle", 1, 1, build_shuffle, eval_shuffle, shuffle_region,
                     KindFlags{},
                     KindDoc{"`groups`",
                             "vector engine, 1 lane-cycle per element (a copy "
                             "permuting the channels across partitions)"});

}  // namespace ncore::workload
