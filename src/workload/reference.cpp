// Seeded model data and the direct reference evaluation (see reference.h).
#include "workload/reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "workload/layer_kind.h"
#include "workload/unary_ops.h"

namespace ncore::workload {
namespace {

// SplitMix64: a small fixed generator, so the values do not depend on the standard library.
struct Rng {
  uint64_t s;
  float next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;  // [-1, 1)
  }
  std::vector<float> fill(uint64_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = next();
    return v;
  }
};

}  // namespace

uint64_t token_row(float value, uint64_t rows) {
  return static_cast<uint64_t>(std::fabs(value) * 1e6f) % rows;
}

ModelData make_model_data(const Graph& g, uint64_t batch, uint32_t seed) {
  Rng r{seed};
  ModelData d;
  d.input = r.fill(g.input.elems() * batch);
  d.weights.resize(g.layers.size());
  d.bias.resize(g.layers.size());
  d.external.resize(g.layers.size());
  for (size_t i = 0; i < g.layers.size(); ++i) {
    const Layer& l = g.layers[i];
    if (l.gemm && !l.gemm->stationary_activation) {
      // Scaled so that values stay O(1) through deep stacks of layers.
      const float scale = 1.0f / std::sqrt(static_cast<float>(l.gemm->k));
      d.weights[i] = r.fill(l.gemm->groups * l.gemm->k * l.gemm->m);
      for (auto& w : d.weights[i]) w *= scale;
      if (l.gemm->bias) d.bias[i] = r.fill(l.gemm->groups * l.gemm->m);
    }
    if (l.vector && l.vector->param_elems) d.weights[i] = r.fill(l.vector->param_elems);
    if (l.gather) d.weights[i] = r.fill(l.gather->table_rows * l.gather->row_elems);
    if (l.external) d.external[i] = r.fill(l.out.elems() * batch);
  }
  return d;
}

void eval_layer(const Layer& l, const std::vector<const std::vector<float>*>& ins,
                std::vector<float>& out, const std::vector<float>& params, uint64_t c0, uint64_t cn,
                uint64_t p0, uint64_t pn) {
  const LayerKind& kind = kind_of(l);
  if (!kind.eval) throw std::logic_error("functional mode: no evaluation for kind " + l.kind);
  kind.eval(EvalArgs{l, ins, out, params, c0, cn, p0, pn});
}

namespace {

// A conv or linear layer: every output element as the sum over its window and input channels.
void weight_gemm(const Layer& l, const std::vector<float>& in, std::vector<float>& out,
                 const std::vector<float>& weights, const std::vector<float>& bias, uint64_t b) {
  const auto& gm = *l.gemm;
  const auto& w = l.window;
  const Shape& is = l.in_shapes[0];
  const Shape& os = l.out;
  const UnaryFn act = unary_fn(l.activation);
  const uint64_t cin_g = is.c / gm.groups;
  for (uint64_t n = 0; n < b; ++n)
    for (uint64_t gi = 0; gi < gm.groups; ++gi)
      for (uint64_t m = 0; m < gm.m; ++m)
        for (uint64_t oh = 0; oh < os.h; ++oh)
          for (uint64_t ow = 0; ow < os.w; ++ow) {
            double acc = gm.bias ? bias[gi * gm.m + m] : 0.0;
            for (uint64_t ci = 0; ci < cin_g; ++ci)
              for (uint64_t i = 0; i < w.kh; ++i)
                for (uint64_t j = 0; j < w.kw; ++j) {
                  const int64_t ih =
                      static_cast<int64_t>(oh * w.sh + i) - static_cast<int64_t>(w.ph);
                  const int64_t iw =
                      static_cast<int64_t>(ow * w.sw + j) - static_cast<int64_t>(w.pw);
                  if (ih < 0 || iw < 0 || ih >= static_cast<int64_t>(is.h) ||
                      iw >= static_cast<int64_t>(is.w))
                    continue;
                  const uint64_t k = (ci * w.kh + i) * w.kw + j;
                  acc +=
                      static_cast<double>(in[nchw(is, n, gi * cin_g + ci, static_cast<uint64_t>(ih),
                                                  static_cast<uint64_t>(iw))]) *
                      weights[(gi * gm.k + k) * gm.m + m];
                }
            out[nchw(os, n, gi * gm.m + m, oh, ow)] = act(static_cast<float>(acc));
          }
}

// Attention's matmul: both operands activations, per sample and query head h; the second
// input's head is h / heads_per_group (grouped-query attention shares it).
void activation_gemm(const Layer& l, const std::vector<float>& in, const std::vector<float>& bt,
                     std::vector<float>& out, uint64_t b) {
  const auto& gm = *l.gemm;
  const Shape& is = l.in_shapes[0];
  const Shape& bs = l.in_shapes[1];
  const Shape& os = l.out;
  const UnaryFn act = unary_fn(l.activation);
  for (uint64_t n = 0; n < b; ++n)
    for (uint64_t h = 0; h < gm.groups * gm.heads_per_group; ++h)
      for (uint64_t m = 0; m < gm.m; ++m)
        for (uint64_t q = 0; q < os.h; ++q) {
          const uint64_t kv = h / gm.heads_per_group;
          double acc = 0;
          for (uint64_t k = 0; k < gm.k; ++k) {
            const float a = in[nchw(is, n, h * gm.k + k, q, 0)];
            const float s = gm.transpose_b ? bt[nchw(bs, n, kv * gm.k + k, m, 0)]
                                           : bt[nchw(bs, n, kv * gm.m + m, k, 0)];
            acc += static_cast<double>(a) * s;
          }
          out[nchw(os, n, h * gm.m + m, q, 0)] = act(static_cast<float>(acc));
        }
}

}  // namespace

std::vector<std::vector<float>> reference_forward(const Graph& g, uint64_t b, const ModelData& d) {
  std::vector<std::vector<float>> t(g.layers.size() + 1);
  t[0] = d.input;
  for (size_t li = 0; li < g.layers.size(); ++li) {
    const Layer& l = g.layers[li];
    const Shape& os = l.out;
    std::vector<float> out(os.elems() * b, 0.0f);
    const auto& in = t[static_cast<size_t>(l.inputs[0])];
    if (l.shape_only) {
      out = in;
    } else if (l.external) {
      out = d.external[li];
    } else if (l.gemm && !l.gemm->stationary_activation) {
      weight_gemm(l, in, out, d.weights[li], d.bias[li], b);
    } else if (l.gemm) {
      activation_gemm(l, in, t[static_cast<size_t>(l.inputs[1])], out, b);
    } else {
      std::vector<const std::vector<float>*> ins;
      for (int src : l.inputs) ins.push_back(&t[static_cast<size_t>(src)]);
      const uint64_t channels = l.gather ? os.c : l.vector->channels;
      eval_layer(l, ins, out, d.weights[li], 0, channels, 0, b * os.h * os.w);
    }
    t[li + 1] = std::move(out);
  }
  return t;
}

}  // namespace ncore::workload
