// matmul: the product of two activations per head, as attention computes it. Inputs [a, b],
// each (features, tokens); `heads` splits a's features, `kv_heads` (grouped-query attention,
// default heads) b's: query head h uses b's head h / (heads / kv_heads). With transpose_b
// (scores = Q K^T): per head K = a.features / heads = b.features / kv_heads, the stationary
// operand is b's head slice (M = b.tokens keys), output (heads * keys, a.tokens). Without
// (context = P V): a is (heads * keys, queries), K = keys = b.tokens, M = b.features / kv_heads,
// output (heads * M, a.tokens). On the array, as a GQA kernel runs it, each K or V head is loaded
// once and the heads / kv_heads query heads sharing it stream as its moving columns: groups =
// kv_heads, positions = heads / kv_heads x a.tokens (Gemm::heads_per_group).
// MACs per sample = heads * K * M * a.tokens; no parameters (the stationary tile comes from SBUF).
// A third input (a decode step's KV cache: kv_cache, the model loader adds it) holds earlier
// tokens of b: the stationary operand is that input's tokens, then b's (keys = both).
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

// The tokens of the stationary operand (the keys): the cached ones (a third input), then b's.
uint64_t stationary_tokens(const Layer& l) {
  return l.in_shapes[1].h + (l.in_shapes.size() > 2 ? l.in_shapes[2].h : 0);
}

void check_inputs(Params& p, const Layer& l, uint64_t heads, uint64_t kv_heads) {
  const Shape& a = l.in_shapes[0];
  const Shape& b = l.in_shapes[1];
  if (l.in_shapes.size() > 2 && (l.in_shapes[2].c != b.c || l.in_shapes[2].w != 1))
    p.fail("inputs", "the cache (third input, " + l.in_shapes[2].str() +
                         ") needs the second input's features (" + b.str() + ")");
  if (a.w != 1 || b.w != 1) p.fail("inputs", "matmul takes (features, tokens) tensors (width 1)");
  if (heads % kv_heads != 0)
    p.fail("kv_heads", "heads (" + std::to_string(heads) + ") are not divisible by kv_heads (" +
                           std::to_string(kv_heads) + ")");
  const char* key = kv_heads == heads ? "heads" : "kv_heads";
  if (b.c % kv_heads != 0)
    p.fail(key, "the second input's features (" + std::to_string(b.c) + ") are not divisible by " +
                    key + " (" + std::to_string(kv_heads) + ")");
}

void build_matmul(Params& p, Layer& l) {
  const Shape& a = l.in_shapes[0];
  const Shape& b = l.in_shapes[1];
  const uint64_t heads = p.count("heads", 1);
  const uint64_t kv_heads = p.count("kv_heads", heads);
  const bool transpose_b = p.flag("transpose_b", false);
  l.activation = read_activation(p);
  check_inputs(p, l, heads, kv_heads);
  const uint64_t shared = heads / kv_heads, keys = stationary_tokens(l);
  Gemm g;
  g.groups = kv_heads;
  g.heads_per_group = shared;
  g.positions = shared * a.h;
  g.bias = false;
  g.stationary_activation = true;
  g.transpose_b = transpose_b;
  if (transpose_b) {
    if (a.c != shared * b.c)
      p.fail("inputs", shared == 1 ? "Q K^T needs equal features, got " + a.str() + " and " +
                                         Shape{b.c, keys, 1}.str()
                                   : "Q K^T needs the first input's features to be heads / "
                                     "kv_heads x the second's, got " +
                                         a.str() + " and " + b.str());
    g.k = b.c / kv_heads;
    g.m = keys;
    l.out = Shape{heads * keys, a.h, 1};
  } else {
    if (a.c != heads * keys)
      p.fail("inputs", "P V needs the first input's features (" + std::to_string(a.c) +
                           ") to be heads x the second's tokens (" + std::to_string(heads * keys) +
                           ")");
    g.k = keys;
    g.m = b.c / kv_heads;
    l.out = Shape{heads * g.m, a.h, 1};
  }
  l.gemm = g;
}

}  // namespace

NCORE_REGISTER_LAYER(
    "matmul", 2, 3, build_matmul, nullptr, nullptr, KindFlags{false, true},
    KindDoc{"two inputs (a third: a KV cache's earlier tokens of the second), `heads`, "
            "`kv_heads` (grouped-query attention; default `heads`), `transpose_b`, `activation`",
            "tensor engine with an activation as the stationary operand (attention Q·Kᵀ and "
            "P·V), per sample and K/V head, the query heads sharing it as moving columns; no "
            "parameters"});

}  // namespace ncore::workload
