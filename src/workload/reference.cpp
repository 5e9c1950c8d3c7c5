// Seeded model data and the direct reference evaluation (see reference.h).
#include "workload/reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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

size_t idx(const Shape& s, uint64_t n, uint64_t c, uint64_t h, uint64_t w) {
  return static_cast<size_t>(((n * s.c + c) * s.h + h) * s.w + w);
}

}  // namespace

uint64_t token_row(float value, uint64_t rows) {
  return static_cast<uint64_t>(std::fabs(value) * 1e6f) % rows;
}

float activate(const std::string& name, float x) {
  if (name == "relu") return x > 0 ? x : 0;
  if (name == "gelu") return 0.5f * x * (1.0f + std::erf(x * 0.70710678f));
  if (name == "tanh") return std::tanh(x);
  return x;
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
  const Shape& os = l.out;
  const Shape& is = l.in_shapes[0];
  const std::vector<float>& in = *ins[0];
  const uint64_t per = os.h * os.w;
  auto at = [&](uint64_t c, uint64_t pos) {  // out index of channel c, batch position pos
    return static_cast<size_t>((pos / per * os.c + c) * per + pos % per);
  };
  if (l.gather) {
    const auto& ga = *l.gather;
    for (uint64_t pos = p0; pos < p0 + pn; ++pos) {
      const uint64_t row = ga.broadcast ? pos % per : token_row(in[pos], ga.table_rows);
      for (uint64_t c = c0; c < c0 + cn; ++c) out[at(c, pos)] = params[row * ga.row_elems + c];
    }
    return;
  }
  if (l.kind == "softmax" || l.kind == "layernorm") {  // over all channels of each position
    for (uint64_t pos = p0; pos < p0 + pn; ++pos) {
      if (l.kind == "softmax") {
        float mx = -INFINITY;
        for (uint64_t c = 0; c < os.c; ++c) mx = std::max(mx, in[at(c, pos)]);
        double sum = 0;
        for (uint64_t c = 0; c < os.c; ++c) sum += std::exp(in[at(c, pos)] - mx);
        for (uint64_t c = 0; c < os.c; ++c)
          out[at(c, pos)] = static_cast<float>(std::exp(in[at(c, pos)] - mx) / sum);
      } else {
        double mean = 0, var = 0;
        for (uint64_t c = 0; c < os.c; ++c) mean += in[at(c, pos)];
        mean /= static_cast<double>(os.c);
        for (uint64_t c = 0; c < os.c; ++c)
          var += (in[at(c, pos)] - mean) * (in[at(c, pos)] - mean);
        var /= static_cast<double>(os.c);
        for (uint64_t c = 0; c < os.c; ++c)
          out[at(c, pos)] =
              static_cast<float>((in[at(c, pos)] - mean) / std::sqrt(var + 1e-5)) * params[c] +
              params[os.c + c];
      }
    }
    return;
  }
  for (uint64_t c = c0; c < c0 + cn; ++c)
    for (uint64_t pos = p0; pos < p0 + pn; ++pos) {
      const uint64_t n = pos / per, oh = pos % per / os.w, ow = pos % os.w;
      float v = 0;
      if (l.kind == "add" || l.kind == "relu" || l.kind == "gelu") {
        for (const auto* src : ins) v += (*src)[at(c, pos)];
        v = activate(l.kind == "add" ? l.activation : l.kind, v);
      } else if (l.kind == "maxpool" || l.kind == "avgpool") {
        const auto& w = l.window;
        float mx = -INFINITY, sum = 0;
        for (uint64_t i = 0; i < w.kh; ++i)
          for (uint64_t j = 0; j < w.kw; ++j) {
            const int64_t ih = static_cast<int64_t>(oh * w.sh + i) - static_cast<int64_t>(w.ph);
            const int64_t iw = static_cast<int64_t>(ow * w.sw + j) - static_cast<int64_t>(w.pw);
            if (ih < 0 || iw < 0 || ih >= static_cast<int64_t>(is.h) ||
                iw >= static_cast<int64_t>(is.w))
              continue;
            const float x = in[idx(is, n, c, ih, iw)];
            mx = std::max(mx, x);
            sum += x;
          }
        v = l.kind == "maxpool" ? mx : sum / static_cast<float>(w.kh * w.kw);
      } else if (l.kind == "global_avgpool") {
        double sum = 0;
        for (uint64_t p = 0; p < is.h * is.w; ++p) sum += in[idx(is, n, c, 0, 0) + p];
        v = static_cast<float>(sum / static_cast<double>(is.h * is.w));
      } else if (l.kind == "slice") {
        v = in[idx(is, n, c, oh + l.slice_start, ow)];
      } else if (l.kind == "concat") {  // the input holding channel c
        uint64_t off = 0;
        size_t k = 0;
        while (c >= off + l.in_shapes[k].c) off += l.in_shapes[k++].c;
        v = (*ins[k])[idx(l.in_shapes[k], n, c - off, oh, ow)];
      } else {
        throw std::logic_error("functional mode: no evaluation for kind " + l.kind);
      }
      out[at(c, pos)] = v;
    }
}

std::vector<std::vector<float>> reference_forward(const Graph& g, uint64_t b, const ModelData& d) {
  std::vector<std::vector<float>> t(g.layers.size() + 1);
  t[0] = d.input;
  for (size_t li = 0; li < g.layers.size(); ++li) {
    const Layer& l = g.layers[li];
    const Shape& os = l.out;
    std::vector<float> out(os.elems() * b, 0.0f);
    const auto& in = t[static_cast<size_t>(l.inputs[0])];
    const Shape& is = l.in_shapes[0];
    if (l.shape_only) {
      out = in;
    } else if (l.external) {
      out = d.external[li];
    } else if (l.gemm && !l.gemm->stationary_activation) {
      const auto& gm = *l.gemm;
      const auto& w = l.window;
      const uint64_t cin_g = is.c / gm.groups;
      for (uint64_t n = 0; n < b; ++n)
        for (uint64_t gi = 0; gi < gm.groups; ++gi)
          for (uint64_t m = 0; m < gm.m; ++m)
            for (uint64_t oh = 0; oh < os.h; ++oh)
              for (uint64_t ow = 0; ow < os.w; ++ow) {
                double acc = gm.bias ? d.bias[li][gi * gm.m + m] : 0.0;
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
                      acc += static_cast<double>(in[idx(is, n, gi * cin_g + ci, ih, iw)]) *
                             d.weights[li][(gi * gm.k + k) * gm.m + m];
                    }
                out[idx(os, n, gi * gm.m + m, oh, ow)] =
                    activate(l.activation, static_cast<float>(acc));
              }
    } else if (l.gemm) {  // attention: both operands activations, per sample and head
      const auto& gm = *l.gemm;
      const auto& bt = t[static_cast<size_t>(l.inputs[1])];
      const Shape& bs = l.in_shapes[1];
      for (uint64_t n = 0; n < b; ++n)
        for (uint64_t gi = 0; gi < gm.groups; ++gi)
          for (uint64_t m = 0; m < gm.m; ++m)
            for (uint64_t q = 0; q < os.h; ++q) {
              double acc = 0;
              for (uint64_t k = 0; k < gm.k; ++k) {
                const float a = in[idx(is, n, gi * gm.k + k, q, 0)];
                const float s = gm.transpose_b ? bt[idx(bs, n, gi * gm.k + k, m, 0)]
                                               : bt[idx(bs, n, gi * gm.m + m, k, 0)];
                acc += static_cast<double>(a) * s;
              }
              out[idx(os, n, gi * gm.m + m, q, 0)] =
                  activate(l.activation, static_cast<float>(acc));
            }
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
