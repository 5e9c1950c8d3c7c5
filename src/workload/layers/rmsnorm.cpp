// rmsnorm over the features of each position (Llama's RMSNorm: Zhang & Sennrich, "Root Mean
// Square Layer Normalization", 2019): y = x / sqrt(mean(x^2) + eps) x scale, eps 1e-5 (Hugging
// Face Llama's rms_norm_eps). Parameters: one scale per feature, read once per invocation.
// Cost: charged as layernorm, vector_engine.passes.layernorm lane-cycles per element. This is an
// assumption: RMSNorm skips layernorm's mean pass (and the shift), we charge layernorm's passes.
#include <cmath>

#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_rmsnorm(Params&, Layer& l) {
  l.out = l.in_shapes[0];
  l.vector = VectorWork{VectorOp::layernorm, l.out.c, l.out.h * l.out.w, 1, l.out.c};
}

// Over every channel of each position (flags.reduces_channels); params: the scales.
void eval_rmsnorm(const EvalArgs& a) {
  const std::vector<float>& in = a.in();
  const uint64_t ch = a.l.out.c;
  for (uint64_t pos = a.p0; pos < a.p0 + a.pn; ++pos) {
    double sq = 0;
    for (uint64_t c = 0; c < ch; ++c)
      sq += static_cast<double>(in[a.at(c, pos)]) * in[a.at(c, pos)];
    const double inv = 1.0 / std::sqrt(sq / static_cast<double>(ch) + 1e-5);
    for (uint64_t c = 0; c < ch; ++c)
      a.out[a.at(c, pos)] = static_cast<float>(in[a.at(c, pos)] * inv) * a.params[c];
  }
}

}  // namespace

NCORE_REGISTER_LAYER("rmsnorm", 1, 1, build_rmsnorm, eval_rmsnorm, nullptr, KindFlags{true, false},
                     KindDoc{
                         "",
                         "vector engine, charged as layernorm: `passes.layernorm` (3) "
                         "lane-cycles per element; reads features parameters (one scale each)"});

}  // namespace ncore::workload
