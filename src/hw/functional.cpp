// Functional mode's per-instruction compute (see functional.h).
#include "hw/functional.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "workload/layer_kind.h"
#include "workload/unary_ops.h"

namespace ncore::hw {
namespace {

size_t idx(const workload::Shape& s, uint64_t n, uint64_t c, uint64_t h, uint64_t w) {
  return static_cast<size_t>(((n * s.c + c) * s.h + h) * s.w + w);
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A moving column of an attention MatMul (stationary activation) of group g, at position `pos`
// over the batch of its GEMM (sample x positions + column): the sample, the query head and its
// token. Grouped-query attention's columns run over the group's heads_per_group query heads.
struct Column {
  uint64_t sample, head, token;
};
Column column(const workload::Gemm& gm, uint64_t g, uint64_t pos) {
  const uint64_t tokens = gm.positions / gm.heads_per_group, col = pos % gm.positions;
  return {pos / gm.positions, g * gm.heads_per_group + col / tokens, col % tokens};
}

// Columns [c0, c0 + n) of an attention MatMul's group g as regions of a (features, tokens)
// tensor with `per_head` channels a head: channels [ch0, ch0 + chn) of each query head, one
// region per run of the head's consecutive tokens (one region without grouped-query attention).
std::vector<workload::Region> head_regions(const workload::Gemm& gm, uint64_t g, uint64_t ch0,
                                           uint64_t chn, uint64_t per_head, uint64_t c0,
                                           uint64_t n) {
  const uint64_t tokens = gm.positions / gm.heads_per_group;
  std::vector<workload::Region> out;
  for (uint64_t p = c0; p < c0 + n;) {
    const Column at = column(gm, g, p);
    const uint64_t run = std::min(c0 + n - p, tokens - at.token);
    const uint64_t ch = at.head * per_head + ch0, pos = at.sample * tokens + at.token;
    out.push_back({ch, ch + chn, pos, pos + run});
    p += run;
  }
  return out;
}

}  // namespace

Functional::Functional(const workload::Graph& g, uint64_t batch, uint32_t psum_banks,
                       workload::ModelData d, std::vector<bool> resident)
    : m_g(g),
      m_b(batch),
      m_d(std::move(d)),
      m_resident(std::move(resident)),
      m_psum(psum_banks),
      m_gathered(g.layers.size()) {
  m_t.resize(g.layers.size() + 1);
  m_t[0] = m_d.input;
  for (size_t i = 0; i < g.layers.size(); ++i)
    m_t[i + 1] = g.layers[i].external ? m_d.external[i]
                                      : std::vector<float>(g.layers[i].out.elems() * batch, 0.0f);
  m_dram.resize(m_t.size());
  for (size_t t = 0; t < m_t.size(); ++t)
    m_dram[t] = source(static_cast<int>(t)) ? m_t[t] : std::vector<float>(m_t[t].size(), kNaN);
}

bool Functional::source(int t) const {
  return t == 0 || m_g.layers[static_cast<size_t>(t - 1)].external;
}

std::vector<float>& Functional::sbuf_copy(int t, uint32_t layer) {
  const int key = m_resident[static_cast<size_t>(t)] ? -1 : static_cast<int>(layer);
  auto it = m_views.find({t, key});
  if (it == m_views.end())
    it = m_views
             .emplace(std::make_pair(t, key),
                      std::vector<float>(m_t[static_cast<size_t>(t)].size(), kNaN))
             .first;
  return it->second;
}

const std::vector<float>& Functional::input(int t, uint32_t layer) {
  t = m_g.resolve(t);
  if (m_resident[static_cast<size_t>(t)] && !source(t))
    return m_t[static_cast<size_t>(t)];  // produced here, in SBUF
  return sbuf_copy(t, layer);
}

std::vector<float> Functional::take(const std::vector<float>& from, const workload::Shape& s,
                                    const Regions& rs) {
  std::vector<float> v;
  const uint64_t per = s.h * s.w;
  for (const Region& r : rs)
    for (uint64_t c = r.c_lo; c < r.c_hi; ++c)
      for (uint64_t p = r.p_lo; p < r.p_hi; ++p)
        v.push_back(from[static_cast<size_t>((p / per * s.c + c) * per + p % per)]);
  return v;
}

void Functional::put(const std::vector<float>& data, std::vector<float>& to,
                     const workload::Shape& s, const Regions& rs) {
  const uint64_t per = s.h * s.w;
  size_t e = 0;
  for (const Region& r : rs)
    for (uint64_t c = r.c_lo; c < r.c_hi; ++c)
      for (uint64_t p = r.p_lo; p < r.p_hi; ++p)
        to[static_cast<size_t>((p / per * s.c + c) * per + p % per)] = data[e++];
}

// What the consumer instruction a DMA read serves needs of the input it names.
Functional::Regions Functional::input_region(const isa::Instr& i, size_t& k) const {
  const isa::Dma& d = i.dma();
  const isa::DmaRegion& at = d.region;
  const workload::Layer& l = m_g.layers[i.layer];
  const workload::Shape& os = l.out;
  Region r;
  k = 0;
  if (d.data == isa::DmaData::gemm_input) {
    const auto& gm = *l.gemm;
    const workload::Shape& is = l.in_shapes[0];
    if (gm.stationary_activation)  // rows of the moving input are its channels
      return head_regions(gm, at.group, at.k0, at.k, gm.k, at.c0, at.n);
    const uint64_t khw = l.window.kh * l.window.kw, base = at.group * (is.c / gm.groups);
    r.c_lo = base + at.k0 / khw;
    r.c_hi = base + (at.k0 + at.k - 1) / khw + 1;
    workload::window_rows(is, os, l.window, at.c0, at.n, r.p_lo, r.p_hi);
    return {r};
  }
  if (d.data == isa::DmaData::stationary_input) {
    k = 1;
    const auto& gm = *l.gemm;
    const workload::Shape& bs = l.in_shapes[1];
    const uint64_t s0 = at.c0 / gm.positions * bs.h * bs.w;  // the sample's first key
    if (gm.transpose_b)
      r = {at.group * gm.k, (at.group + 1) * gm.k, s0 + at.m0, s0 + at.m0 + at.m};
    else
      r = {at.group * gm.m + at.m0, at.group * gm.m + at.m0 + at.m, s0, s0 + gm.k};
    return {r};
  }
  // vector_input: what the layer's kind reads of input k for this output tile
  k = d.input;
  r = {at.m0, at.m0 + at.m, at.c0, at.c0 + at.n};
  const auto region = workload::kind_of(l).input_region;
  return {region ? region(l, k, r) : r};
}

bool Functional::route(const isa::Instr& i, const std::vector<float>*& from,
                       std::vector<float>*& to, workload::Shape& s, Regions& r) {
  using isa::DmaData;
  const workload::Layer& l = m_g.layers[i.layer];
  const isa::Dma& d = i.dma();
  const auto t = static_cast<size_t>(d.tensor);
  switch (d.data) {
    case DmaData::none:
    case DmaData::weights:
      return false;
    case DmaData::whole:  // into the SBUF copy every consumer of a resident source reads
      from = &m_dram[t];
      to = &sbuf_copy(d.tensor, i.layer);
      s = workload::Shape{1, 1, 1};
      r = {Region{0, 1, 0, from->size()}};
      return true;
    case DmaData::output: {
      from = &m_t[t];
      to = &m_dram[t];
      s = l.out;
      const isa::DmaRegion& at = d.region;
      if (l.gemm && l.gemm->stationary_activation)  // m0: the group's channels, group-major
        r = head_regions(*l.gemm, at.m0 / l.gemm->m, at.m0 % l.gemm->m, at.m, l.gemm->m, at.c0,
                         at.n);
      else
        r = {Region{at.m0, at.m0 + at.m, at.c0, at.c0 + at.n}};
      return true;
    }
    default: {
      size_t k = 0;
      r = input_region(i, k);
      from = &m_dram[t];
      to = &sbuf_copy(d.tensor, i.layer);
      s = l.in_shapes[k];
      return true;
    }
  }
}

void Functional::dma_start(const isa::Instr& i) {
  const uint32_t xfer = i.dma().xfer;
  if (m_moving.count(xfer)) return;  // another piece started first
  const std::vector<float>* from = nullptr;
  std::vector<float>* to = nullptr;
  workload::Shape s;
  Regions r;
  if (route(i, from, to, s, r)) m_moving[xfer] = take(*from, s, r);
}

void Functional::dma(const isa::Instr& i) {
  const isa::Dma& d = i.dma();
  if (d.pieces > 1) {  // the transfer has moved its data when its last piece has
    uint32_t& done = m_pieces[d.xfer];
    if (++done < d.pieces) return;
    m_pieces.erase(d.xfer);
  }
  if (d.data == isa::DmaData::weights) {
    m_slots[d.weight_slot] = {i.layer, d.region.group, d.region.m0};
    return;
  }
  if (d.data == isa::DmaData::none) {
    if (!d.write) gather(i.layer);  // a table read (or parameters)
    return;
  }
  const std::vector<float>* from = nullptr;
  std::vector<float>* to = nullptr;
  workload::Shape s;
  Regions r;
  route(i, from, to, s, r);
  put(m_moving.at(d.xfer), *to, s, r);  // what the source held when the transfer started
  m_moving.erase(d.xfer);
}

bool Functional::weights_loaded(const isa::Instr& i) const {
  if (m_static_weights) return true;
  const isa::MatMul& mm = i.matmul();
  const auto it = m_slots.find(mm.weight_slot);
  return it != m_slots.end() && it->second == std::array<uint32_t, 3>{i.layer, mm.group, mm.m0};
}

// Row `row` of group g's im2col matrix (input channel of the group, kernel row, kernel column)
// at output position (sample s, oh, ow): the input element, or 0 in the padding.
float Functional::im2col(const workload::Layer& l, const std::vector<float>& in, uint64_t s,
                         uint64_t oh, uint64_t ow, uint64_t g, uint64_t row) {
  const workload::Shape& is = l.in_shapes[0];
  const auto& win = l.window;
  const uint64_t ci = row / (win.kh * win.kw), r = row % (win.kh * win.kw);
  const int64_t ih = static_cast<int64_t>(oh * win.sh + r / win.kw) - static_cast<int64_t>(win.ph);
  const int64_t iw = static_cast<int64_t>(ow * win.sw + r % win.kw) - static_cast<int64_t>(win.pw);
  const bool inside =
      ih >= 0 && iw >= 0 && ih < static_cast<int64_t>(is.h) && iw < static_cast<int64_t>(is.w);
  const uint64_t c = g * (is.c / l.gemm->groups) + ci;
  return inside ? in[idx(is, s, c, static_cast<uint64_t>(ih), static_cast<uint64_t>(iw))] : 0.0f;
}

// The tile's K rows and M columns: per packed group (tile.groups, block_diagonal) kr rows by mc
// columns on the diagonal, zero elsewhere; a row is an im2col row, or an input channel at
// tile.tap.
void Functional::matmul(const isa::Instr& i) {
  const isa::MatMul& tile = i.matmul();
  const workload::Layer& l = m_g.layers[i.layer];
  const auto& gm = *l.gemm;
  const workload::Shape& is = l.in_shapes[0];
  const workload::Shape& os = l.out;
  const std::vector<float>& in = input(l.inputs[0], i.layer);
  const std::vector<float>& b = gm.stationary_activation ? input(l.inputs[1], i.layer) : in;
  const bool loaded = gm.stationary_activation || weights_loaded(i);
  const uint64_t per = os.h * os.w, khw = l.window.kh * l.window.kw;
  const uint32_t kr = tile.k / tile.groups, mc = tile.m / tile.groups;
  auto row_of = [&](uint64_t kl) { return tile.tap >= 0 ? kl * khw + tile.tap : kl; };
  Eigen::MatrixXf w(tile.k, tile.m), x(tile.k, tile.n);
  for (uint32_t k = 0; k < tile.k; ++k)
    for (uint32_t m = 0; m < tile.m; ++m) {
      if (k / kr != m / mc) {  // off the diagonal of a block-diagonal tile
        w(k, m) = 0.0f;
        continue;
      }
      const uint64_t g = tile.group + k / kr, kk = tile.k0 + k % kr, mm = tile.m0 + m % mc;
      if (!gm.stationary_activation) {  // NaN unless its tile is in a prefetch slot
        w(k, m) = loaded ? m_d.weights[i.layer][(g * gm.k + row_of(kk)) * gm.m + mm] : kNaN;
      } else {  // this sample's head slice of the second input
        const workload::Shape& bs = l.in_shapes[1];
        const uint64_t s = tile.c0 / gm.positions;
        w(k, m) = gm.transpose_b ? b[idx(bs, s, g * gm.k + kk, mm, 0)]
                                 : b[idx(bs, s, g * gm.m + mm, kk, 0)];
      }
    }
  for (uint32_t n = 0; n < tile.n; ++n) {
    const uint64_t pos = tile.c0 + n, s = pos / per, oh = pos % per / os.w, ow = pos % os.w;
    for (uint32_t k = 0; k < tile.k; ++k) {
      const uint64_t g = tile.group + k / kr, kk = tile.k0 + k % kr;
      if (gm.stationary_activation) {  // the column's query head, at its token
        const Column at = column(gm, g, pos);
        x(k, n) = in[idx(is, at.sample, at.head * gm.k + kk, at.token, 0)];
      } else {
        x(k, n) = im2col(l, in, s, oh, ow, g, row_of(kk));
      }
    }
  }
  Eigen::MatrixXf& p = m_psum[tile.psum_bank];
  if (tile.accumulate)
    p.noalias() += w.transpose() * x;
  else
    p = w.transpose() * x;
}

// A conv lowered `vector`: output channels [ch0, ch0 + channels) of positions [c0, c0 + n),
// each the sum over its group's im2col rows, + bias, activation.
void Functional::conv_vector(const isa::Instr& i) {
  const isa::Vector& v = i.vector();
  const workload::Layer& l = m_g.layers[i.layer];
  const auto& gm = *l.gemm;
  const workload::Shape& os = l.out;
  const uint64_t per = os.h * os.w;
  const std::vector<float>& in = input(l.inputs[0], i.layer);
  const std::vector<float>& wt = m_d.weights[i.layer];
  const workload::UnaryFn act = workload::unary_fn(l.activation);
  for (uint64_t oc = v.ch0; oc < v.ch0 + v.channels; ++oc) {
    const uint64_t g = oc / gm.m, mm = oc % gm.m;
    const float bias = gm.bias ? m_d.bias[i.layer][oc] : 0.0f;
    for (uint64_t pos = v.c0; pos < v.c0 + v.n; ++pos) {
      const uint64_t s = pos / per, oh = pos % per / os.w, ow = pos % os.w;
      float sum = 0.0f;
      for (uint64_t row = 0; row < gm.k; ++row)
        sum += im2col(l, in, s, oh, ow, g, row) * wt[(g * gm.k + row) * gm.m + mm];
      m_t[i.layer + 1][idx(os, s, oc, oh, ow)] = act(sum + bias);
    }
  }
}

void Functional::evict(const isa::Instr& i) {
  const isa::Evict& ev = i.evict();
  const workload::Layer& l = m_g.layers[i.layer];
  const auto& gm = *l.gemm;
  const workload::Shape& os = l.out;
  const uint64_t per = os.h * os.w;
  const Eigen::MatrixXf& p = m_psum[ev.psum_bank];
  std::vector<float>& out = m_t[i.layer + 1];
  const workload::UnaryFn act = workload::unary_fn(l.activation);
  for (uint32_t m = 0; m < ev.m; ++m) {
    const uint64_t oc = ev.group * gm.m + ev.m0 + m;
    const float bias = gm.bias ? m_d.bias[i.layer][oc] : 0.0f;
    for (uint32_t n = 0; n < ev.n; ++n) {
      const uint64_t pos = ev.c0 + n;
      if (gm.stationary_activation) {  // the column's query head, at its token
        const Column at = column(gm, ev.group, pos);
        out[idx(os, at.sample, at.head * gm.m + ev.m0 + m, at.token, 0)] = act(p(m, n) + bias);
        continue;
      }
      out[idx(os, pos / per, oc, pos % per / os.w, pos % os.w)] = act(p(m, n) + bias);
    }
  }
}

void Functional::vector(const isa::Instr& i) {
  const isa::Vector& v = i.vector();
  const workload::Layer& l = m_g.layers[i.layer];
  if (l.gemm) {
    conv_vector(i);
    return;
  }
  // softmax and layernorm reduce over every channel: they compute with the last channel block.
  if (workload::kind_of(l).flags.reduces_channels && v.ch0 + v.channels < l.vector->channels)
    return;
  std::vector<const std::vector<float>*> ins;
  for (int t : l.inputs) ins.push_back(&input(t, i.layer));
  workload::eval_layer(l, ins, m_t[i.layer + 1], m_d.weights[i.layer], v.ch0, v.channels, v.c0,
                       v.n);
}

void Functional::gather(uint32_t layer) {
  if (m_gathered[layer] || !m_g.layers[layer].gather) return;
  m_gathered[layer] = true;
  const workload::Layer& l = m_g.layers[layer];
  workload::eval_layer(l, {&input(l.inputs[0], layer)}, m_t[layer + 1], m_d.weights[layer], 0,
                       l.out.c, 0, m_b * l.out.h * l.out.w);
}

Functional::Check Functional::compare(double tolerance) const {
  const auto ref = workload::reference_forward(m_g, m_b, m_d);
  Check c;
  auto check = [&](const std::vector<float>& got, const std::vector<float>& want,
                   const std::string& name) {
    for (size_t e = 0; e < want.size(); ++e) {
      const double abs = std::fabs(static_cast<double>(got[e]) - want[e]);
      const double rel = abs / (1.0 + std::fabs(static_cast<double>(want[e])));
      c.max_abs_error = std::max(c.max_abs_error, abs);
      if (rel > c.max_rel_error || std::isnan(rel)) {
        c.max_rel_error = std::isnan(rel) ? INFINITY : rel;
        c.worst_layer = name;
      }
    }
    c.elements += want.size();
  };
  for (size_t l = 0; l < m_g.layers.size(); ++l) {
    const workload::Layer& layer = m_g.layers[l];
    if (layer.shape_only) continue;
    check(m_t[l + 1], ref[l + 1], layer.name);
    // A tensor that lives in DRAM (the network's outputs among them) must have reached it whole.
    if (!m_resident[l + 1] && !layer.external)
      check(m_dram[l + 1], ref[l + 1], layer.name + " (in DRAM)");
  }
  c.passed = c.max_rel_error <= tolerance;
  return c;
}

}  // namespace ncore::hw
