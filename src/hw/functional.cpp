// Functional mode's per-instruction compute (see functional.h).
#include "hw/functional.h"

#include <algorithm>
#include <cmath>

namespace ncore::hw {
namespace {

size_t idx(const workload::Shape& s, uint64_t n, uint64_t c, uint64_t h, uint64_t w) {
  return static_cast<size_t>(((n * s.c + c) * s.h + h) * s.w + w);
}

}  // namespace

Functional::Functional(const workload::Graph& g, uint64_t batch, uint32_t psum_banks,
                       workload::ModelData d)
    : m_g(g), m_b(batch), m_d(std::move(d)), m_psum(psum_banks), m_gathered(g.layers.size()) {
  m_t.resize(g.layers.size() + 1);
  m_t[0] = m_d.input;
  for (size_t i = 0; i < g.layers.size(); ++i)
    m_t[i + 1] = g.layers[i].external ? m_d.external[i]
                                      : std::vector<float>(g.layers[i].out.elems() * batch, 0.0f);
}

void Functional::matmul(const planner::Instr& i) {
  const workload::Layer& l = m_g.layers[i.layer];
  const auto& gm = *l.gemm;
  const workload::Shape& is = l.in_shapes[0];
  const workload::Shape& os = l.out;
  const std::vector<float>& in = tensor(l.inputs[0]);
  const uint64_t per = os.h * os.w;
  Eigen::MatrixXf w(i.k, i.m), x(i.k, i.n);
  for (uint32_t k = 0; k < i.k; ++k)
    for (uint32_t m = 0; m < i.m; ++m) {
      const uint64_t kk = i.k0 + k, mm = i.m0 + m;
      if (!gm.stationary_activation) {
        w(k, m) = m_d.weights[i.layer][(i.group * gm.k + kk) * gm.m + mm];
      } else {  // this sample's head slice of the second input
        const std::vector<float>& b = tensor(l.inputs[1]);
        const workload::Shape& bs = l.in_shapes[1];
        const uint64_t s = i.c0 / per;
        w(k, m) = gm.transpose_b ? b[idx(bs, s, i.group * gm.k + kk, mm, 0)]
                                 : b[idx(bs, s, i.group * gm.m + mm, kk, 0)];
      }
    }
  const auto& win = l.window;
  const uint64_t cin_g = is.c / gm.groups;
  for (uint32_t n = 0; n < i.n; ++n) {
    const uint64_t pos = i.c0 + n, s = pos / per, oh = pos % per / os.w, ow = pos % os.w;
    for (uint32_t k = 0; k < i.k; ++k) {
      const uint64_t kk = i.k0 + k;
      if (gm.stationary_activation) {
        x(k, n) = in[idx(is, s, i.group * gm.k + kk, oh, ow)];
        continue;
      }
      // im2col: row kk is (input channel of the group, kernel row, kernel column)
      const uint64_t ci = kk / (win.kh * win.kw), r = kk % (win.kh * win.kw);
      const int64_t ih =
          static_cast<int64_t>(oh * win.sh + r / win.kw) - static_cast<int64_t>(win.ph);
      const int64_t iw =
          static_cast<int64_t>(ow * win.sw + r % win.kw) - static_cast<int64_t>(win.pw);
      const bool inside =
          ih >= 0 && iw >= 0 && ih < static_cast<int64_t>(is.h) && iw < static_cast<int64_t>(is.w);
      x(k, n) = inside ? in[idx(is, s, i.group * cin_g + ci, static_cast<uint64_t>(ih),
                                static_cast<uint64_t>(iw))]
                       : 0.0f;
    }
  }
  Eigen::MatrixXf& p = m_psum[i.bank];
  if (i.accumulate)
    p.noalias() += w.transpose() * x;
  else
    p = w.transpose() * x;
}

void Functional::evict(const planner::Instr& i) {
  const workload::Layer& l = m_g.layers[i.layer];
  const auto& gm = *l.gemm;
  const workload::Shape& os = l.out;
  const uint64_t per = os.h * os.w;
  const Eigen::MatrixXf& p = m_psum[i.bank];
  std::vector<float>& out = m_t[i.layer + 1];
  for (uint32_t m = 0; m < i.m; ++m) {
    const uint64_t oc = i.group * gm.m + i.m0 + m;
    const float bias = gm.bias ? m_d.bias[i.layer][oc] : 0.0f;
    for (uint32_t n = 0; n < i.n; ++n) {
      const uint64_t pos = i.c0 + n;
      out[idx(os, pos / per, oc, pos % per / os.w, pos % os.w)] =
          workload::activate(l.activation, p(m, n) + bias);
    }
  }
}

void Functional::vector(const planner::Instr& i) {
  const workload::Layer& l = m_g.layers[i.layer];
  // softmax and layernorm reduce over every channel: they compute with the last channel block.
  if ((l.kind == "softmax" || l.kind == "layernorm") && i.ch0 + i.m < l.vector->channels) return;
  std::vector<const std::vector<float>*> ins;
  for (int t : l.inputs) ins.push_back(&tensor(t));
  workload::eval_layer(l, ins, m_t[i.layer + 1], m_d.weights[i.layer], i.ch0, i.m, i.c0, i.n);
}

void Functional::gather(uint32_t layer) {
  if (m_gathered[layer] || !m_g.layers[layer].gather) return;
  m_gathered[layer] = true;
  const workload::Layer& l = m_g.layers[layer];
  workload::eval_layer(l, {&tensor(l.inputs[0])}, m_t[layer + 1], m_d.weights[layer], 0, l.out.c, 0,
                       m_b * l.out.h * l.out.w);
}

Functional::Check Functional::compare(double tolerance) const {
  const auto ref = workload::reference_forward(m_g, m_b, m_d);
  Check c;
  for (size_t l = 0; l < m_g.layers.size(); ++l) {
    if (m_g.layers[l].shape_only) continue;
    const auto& got = m_t[l + 1];
    const auto& want = ref[l + 1];
    for (size_t e = 0; e < want.size(); ++e) {
      const double abs = std::fabs(static_cast<double>(got[e]) - want[e]);
      const double rel = abs / (1.0 + std::fabs(static_cast<double>(want[e])));
      c.max_abs_error = std::max(c.max_abs_error, abs);
      if (rel > c.max_rel_error || std::isnan(rel)) {
        c.max_rel_error = std::isnan(rel) ? INFINITY : rel;
        c.worst_layer = m_g.layers[l].name;
      }
    }
    c.elements += want.size();
  }
  c.passed = c.max_rel_error <= tolerance;
  return c;
}

}  // namespace ncore::hw
