// softmax over the features of each position (attention probabilities), on the vector engine:
// one lane-cycle per element per pass; vector_engine.passes.softmax passes (default 3: max, exp
// and sum, scale).
#include <algorithm>
#include <cmath>

#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_softmax(Params&, Layer& l) {
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::softmax, l.out.c, l.out.h * l.out.w, 1, 0};
}

// Over every channel of each position (flags.reduces_channels): max, exp and sum, scale.
void eval_softmax(const EvalArgs& a) {
  const std::vector<float>& in = a.in();
  const uint64_t ch = a.l.out.c;
  for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
    float mx = -INFINITY;
    for (uint64_t c = 0; c < ch; ++c) mx = std::max(mx, in[a.at(c, pos)]);
    double sum = 0;
    for (uint64_t c = 0; c < ch; ++c) sum += std::exp(in[a.at(c, pos)] - mx);
    for (uint64_t c = 0; c < ch; ++c)
      a.out[a.at(c, pos)] = static_cast<float>(std::exp(in[a.at(c, pos)] - mx) / sum);
  }
}

}  // namespace

NCORE_REGISTER_LAYER("softmax", 1, 1, build_softmax, eval_softmax, nullptr, KindFlags{true, false},
                     KindDoc{"",
                             "vector engine, `passes.softmax` (3) lane-cycles per element, over "
                             "the features of each position"});

}  // namespace ncore::workload
