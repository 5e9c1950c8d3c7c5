// matmul: the product of two activations per head, as attention computes it. Inputs [a, b],
// each (features, tokens); `heads` splits the features. With transpose_b (scores = Q K^T):
// per head K = a.features / heads, the stationary operand is b's head slice (M = b.tokens keys),
// output (heads * b.tokens, a.tokens). Without (context = P V): a is (heads * keys, queries),
// K = keys = b.tokens, M = b.features / heads, output (b.features, a.tokens).
// MACs per sample = heads * K * M * a.tokens; no parameters (the stationary tile comes from SBUF).
// A third input (a decode step's KV cache: kv_cache, the model loader adds it) holds earlier
// tokens of b: the stationary operand is that input's tokens, then b's (keys = both).
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

void build_matmul(Params& p, Layer& l) {
  const Shape& a = l.in_shapes[0];
  const Shape& b0 = l.in_shapes[1];
  Shape b = b0;  // the stationary operand: the cached tokens (a third input), then b's
  if (l.in_shapes.size() > 2) {
    if (l.in_shapes[2].c != b0.c || l.in_shapes[2].w != 1)
      p.fail("inputs", "the cache (third input, " + l.in_shapes[2].str() +
                           ") needs the second input's features (" + b0.str() + ")");
    b.h += l.in_shapes[2].h;
  }
  const uint64_t heads = p.count("heads", 1);
  const bool transpose_b = p.flag("transpose_b", false);
  l.activation = read_activation(p);
  if (a.w != 1 || b.w != 1) p.fail("inputs", "matmul takes (features, tokens) tensors (width 1)");
  if (b.c % heads != 0)
    p.fail("heads", "the second input's features (" + std::to_string(b.c) +
                        ") are not divisible by heads (" + std::to_string(heads) + ")");
  Gemm g;
  g.groups = heads;
  g.positions = a.h;
  g.bias = false;
  g.stationary_activation = true;
  g.transpose_b = transpose_b;
  if (transpose_b) {
    if (a.c != b.c)
      p.fail("inputs", "Q K^T needs equal features, got " + a.str() + " and " + b.str());
    g.k = a.c / heads;
    g.m = b.h;
    l.out = Shape{heads * b.h, a.h, 1};
  } else {
    if (a.c != heads * b.h)
      p.fail("inputs", "P V needs the first input's features (" + std::to_string(a.c) +
                           ") to be heads x the second's tokens (" + std::to_string(heads * b.h) +
                           ")");
    g.k = b.h;
    g.m = b.c / heads;
    l.out = Shape{b.c, a.h, 1};
  }
  l.gemm = g;
}

}  // namespace

NCORE_REGISTER_LAYER(
    "matmul", 2, 3, build_matmul, nullptr, nullptr, KindFlags{false, true},
    KindDoc{"two inputs (a third: a KV cache's earlier tokens of the second), `heads`, "
            "`transpose_b`, `activation`",
            "tensor engine with an activation as the stationary operand "
            "(attention Q·Kᵀ and P·V), per sample and head; no parameters"});

}  // namespace ncore::workload
