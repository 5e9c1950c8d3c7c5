// rope: rotary position embedding (Su et al., "RoFormer", 2021) of a (features, tokens) tensor
// split into `heads` of head_dim d (even), in Hugging Face Llama's rotate-half convention: for
// i < d/2, out[i] = x[i] cos(p w_i) - x[i + d/2] sin(p w_i) and out[i + d/2] = x[i + d/2]
// cos(p w_i) + x[i] sin(p w_i), w_i = base^(-2i/d), p = Layer::position0 + the token's index.
// Cost: vector engine, 3 lane-cycles per element (two multiplies, one add). Assumption: the cos and
// sin tables are generated on chip (GpSimd iota, the activation engine's sin), so no parameters
// and no DRAM reads are charged for them. No MACs.
#include <cmath>

#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

uint64_t head_dim(const Layer& l) {
  return l.out.c / l.rope.heads;
}

void build_rope(Params& p, Layer& l) {
  const Shape& in = l.in_shapes[0];
  const uint64_t heads = p.count("heads", 1);
  l.rope.heads = heads;
  l.rope.base = p.count("base", 10000);
  if (in.w != 1) p.fail("inputs", "rope takes a (features, tokens) tensor (width 1)");
  if (in.c % heads != 0 || (in.c / heads) % 2 != 0)
    p.fail("heads", "the features (" + std::to_string(in.c) + ") are not " + std::to_string(heads) +
                        " heads of an even head_dim");
  l.out = in;
  l.vector = VectorWork{VectorOp::elementwise, l.out.c, l.out.h * l.out.w, 3, 0};
}

void eval_rope(const EvalArgs& a) {
  const uint64_t d = head_dim(a.l), half = d / 2;
  const double base = static_cast<double>(a.l.rope.base);
  for (uint64_t c = a.c0; c < a.c0 + a.cn; ++c) {
    const uint64_t head0 = c / d * d, i = c % d % half;
    const double w = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(d));
    for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
      const double angle = static_cast<double>(a.l.position0 + pos % a.per()) * w;
      const double lo = a.in()[a.at(head0 + i, pos)], hi = a.in()[a.at(head0 + i + half, pos)];
      a.out[a.at(c, pos)] =
          static_cast<float>(c % d < half ? lo * std::cos(angle) - hi * std::sin(angle)
                                          : hi * std::cos(angle) + lo * std::sin(angle));
    }
  }
}

// An output tile reads its channels' whole heads (each element pairs with one d/2 away).
Region rope_region(const Layer& l, size_t, const Region& out) {
  const uint64_t d = head_dim(l);
  return {out.c_lo / d * d, (out.c_hi + d - 1) / d * d, out.p_lo, out.p_hi};
}

}  // namespace

NCORE_REGISTER_LAYER("rope", 1, 1, build_rope, eval_rope, rope_region, KindFlags{},
                     KindDoc{"`heads`, `base` (10000)",
                             "vector engine, 3 lane-cycles per element (rotate-half; the cos and "
                             "sin tables generated on chip: no parameters, no DRAM reads)"});

}  // namespace ncore::workload
