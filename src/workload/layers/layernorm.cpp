// layernorm over the features of each position, on the vector engine: one lane-cycle per
// element per pass; vector_engine.passes.layernorm passes (default 3: mean, variance, normalize
// with scale and shift). Parameters: a scale
// and a shift per feature (2 x features), read once per invocation.
#include <cmath>

#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_layernorm(Params&, Layer& l) {
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::layernorm, l.out.c, l.out.h * l.out.w, 1, 2 * l.out.c};
}

// Over every channel of each position (flags.reduces_channels); params: scale, then shift.
void eval_layernorm(const EvalArgs& a) {
  const std::vector<float>& in = a.in();
  const uint64_t ch = a.l.out.c;
  for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
    double mean = 0, var = 0;
    for (uint64_t c = 0; c < ch; ++c) mean += in[a.at(c, pos)];
    mean /= static_cast<double>(ch);
    for (uint64_t c = 0; c < ch; ++c) var += (in[a.at(c, pos)] - mean) * (in[a.at(c, pos)] - mean);
    var /= static_cast<double>(ch);
    for (uint64_t c = 0; c < ch; ++c)
      a.out[a.at(c, pos)] =
          static_cast<float>((in[a.at(c, pos)] - mean) / std::sqrt(var + 1e-5)) * a.params[c] +
          a.params[ch + c];
  }
}

}  // namespace

NCORE_REGISTER_LAYER("layernorm", 1, 1, build_layernorm, eval_layernorm, nullptr,
                     KindFlags{true, false},
                     KindDoc{"",
                             "vector engine, `passes.layernorm` (3) lane-cycles per element; reads "
                             "2 × features parameters"});

}  // namespace ncore::workload
