// ONNX arithmetic on activations: Add/Sub/Mul/Div with a constant or mask (free), of two
// activations (add; add chains merge), a bias Add after a linear/conv; ReduceMean over H, W or the
// tokens (global_avgpool). The GELU (Erf, GPT-2's Tanh), LayerNorm (incl. Reciprocal and RMS forms)
// and SiLU patterns span about ten of these ops through the Tags on Values (layout.h), so they stay
// in one file. A pattern left unfinished becomes an elementwise layer.
#include <algorithm>

#include "workload/onnx/op_registry.h"
#include "workload/onnx/window_ops.h"

namespace ncore::workload::onnx {
namespace {

Value with_tag(Value v, Tag t) {
  v.tag = t;
  return v;
}

// v as a pattern's stage t, begun (for messages and the fallback layer) at node n.
Value stage(const ImportState& st, const NodeProto& n, Value v, Tag t) {
  v.tag = t;
  v.tag_node = st.node_name(n);
  return v;
}

bool same_x(const Value& a, const Value& b) {
  return a.act() && b.act() && a.tensor == b.tensor;
}

// Two activations elementwise: an add layer (merged into a preceding add when it can be).
void binary_acts(ImportState& st, const NodeProto& n, bool merge) {
  const Value a = st.need_act(n, 0);
  const Value b = st.need_act(n, 1);
  const Shape sa = ir_shape(a.layout, a.dims), sb = ir_shape(b.layout, b.dims);
  if (!(sa == sb)) {
    if (merge)
      throw Unmappable{"adding activations of different shapes " + dims_str(a.dims) + " and " +
                       dims_str(b.dims)};
    // a broadcast product (a squeeze-excitation scale): elementwise over the larger input
    const Value& big = sa.elems() >= sb.elems() ? a : b;
    st.set_out(n, st.emit_elementwise(n, "none", big));
    return;
  }
  if (merge) {
    for (int i = 0; i < 2; ++i) {
      const Value& x = i == 0 ? a : b;
      const Value& y = i == 0 ? b : a;
      LayerSpec* s = st.fusable_layer(x, n.input(i));
      if (!s || s->kind != "add" || s->inputs.size() >= 8 || param(*s, "activation")) continue;
      s->inputs.push_back(y.tensor);
      st.note_fused(*s, n);
      st.set_out(n, st.alias(x, n.input(i)));
      return;
    }
  }
  const Layout l = a.layout.kind == Layout::Kind::scores ? a.layout : b.layout;
  st.set_out(n, st.emit(n, "add", {a.tensor, b.tensor}, {}, l, a.layout == l ? a.dims : b.dims));
}

// One activation and one free operand: free (a scale, shift or mask), pending tags kept.
void with_constant(ImportState& st, const NodeProto& n, int act_index) {
  Value v = st.alias(st.val(n.input(act_index)), n.input(act_index));
  if (v.tag == Tag::plain) {
    Dims d = st.sample_dims(n.output(0));
    if (d.size() == v.dims.size()) v.dims = d;
  }
  st.set_out(n, v);
}

// An activation x plus a constant c: a bias after a MatMul (or a bias-less Conv) is the
// linear's bias; otherwise free.
void add_constant(ImportState& st, const NodeProto& n, int ai) {
  const Value& x = st.val(n.input(ai));
  const Value& c = st.val(n.input(1 - ai));
  LayerSpec* s = st.fusable_layer(x, n.input(ai));
  const ParamValue* bias = s ? param(*s, "bias") : nullptr;
  if (s && bias && !bias->boolean && !c.from_input && !param(*s, "activation")) {
    const ParamValue* width = param(*s, s->kind == "linear" ? "out_features" : "out_channels");
    if (width && product(squeezed(c.dims)) == width->integer && squeezed(c.dims).size() <= 1) {
      set_param(*s, "bias", ParamValue::flag(true));
      st.note_fused(*s, n);
    }
  }
  with_constant(st, n, ai);
}

void add(ImportState& st, const NodeProto& n) {
  const Value& a = st.val(n.input(0));
  const Value& b = st.val(n.input(1));
  if (a.act() != b.act()) return add_constant(st, n, a.act() ? 0 : 1);
  // GPT-2's gelu: x + 0.044715 x^3
  if (same_x(a, b) && ((a.tag == Tag::plain && b.tag == Tag::cube) ||
                       (a.tag == Tag::cube && b.tag == Tag::plain))) {
    Value v = a.tag == Tag::cube ? a : b;
    v.tag = Tag::poly;
    return st.set_out(n, v);
  }
  binary_acts(st, n, true);
}

void sub(ImportState& st, const NodeProto& n) {
  const Value& a = st.val(n.input(0));
  const Value& b = st.val(n.input(1));
  if (a.act() != b.act()) return with_constant(st, n, a.act() ? 0 : 1);
  if (same_x(a, b) && a.tag == Tag::plain && b.tag == Tag::mean)
    return st.set_out(n, stage(st, n, b, Tag::centered));
  binary_acts(st, n, false);
}

void mul(ImportState& st, const NodeProto& n) {
  const Value& a = st.val(n.input(0));
  const Value& b = st.val(n.input(1));
  if (a.act() != b.act()) return with_constant(st, n, a.act() ? 0 : 1);
  if (same_x(a, b)) {
    const Value& p = a.tag == Tag::plain ? a : b;  // the plain operand, if any
    const Value& q = a.tag == Tag::plain ? b : a;
    if (p.tag == Tag::plain && q.tag == Tag::gelu_inner)  // x * (1 + erf(x / sqrt 2))
      return st.set_out(n, st.emit_activation(n, "gelu", p));
    if (p.tag == Tag::plain && q.tag == Tag::sigmoid)  // SiLU: one elementwise op
      return st.set_out(n, st.emit_elementwise(n, "silu", p));
    if ((p.tag == Tag::plain || p.tag == Tag::centered) && q.tag == Tag::rstd)
      return st.set_out(n, st.layernorm_of(n, with_tag(q, Tag::plain)));
    if (a.tag == b.tag && (a.tag == Tag::plain || a.tag == Tag::centered) &&
        n.input(0) == n.input(1))
      return st.set_out(n, stage(st, n, a, Tag::square));
  }
  binary_acts(st, n, false);
}

void div(ImportState& st, const NodeProto& n) {
  const Value& a = st.val(n.input(0));
  const Value& b = st.val(n.input(1));
  if (a.act() && !b.act()) return with_constant(st, n, 0);
  if (!a.act() && b.act()) {  // c / x: 1 / stddev is rstd
    if (b.tag == Tag::stddev) return st.set_out(n, with_tag(b, Tag::rstd));
    return st.elementwise(n, 1);
  }
  if (same_x(a, b) && (a.tag == Tag::plain || a.tag == Tag::centered) && b.tag == Tag::stddev)
    return st.set_out(n, st.layernorm_of(n, with_tag(a, Tag::plain)));
  binary_acts(st, n, false);
}

void pow(ImportState& st, const NodeProto& n) {
  Value x = st.val(n.input(0));
  if (!x.act()) throw Unmappable{"a constant raised to an activation's power"};
  const auto e = st.const_scalar(n.input(1));
  if (e && *e == 2.0 && (x.tag == Tag::plain || x.tag == Tag::centered)) {
    x.tag = Tag::square;
  } else if (e && *e == 3.0 && x.tag == Tag::plain) {
    x.tag = Tag::cube;
  } else if (e && *e == 0.5 && x.tag == Tag::var) {
    x.tag = Tag::stddev;
  } else if (e && *e == -0.5 && x.tag == Tag::var) {
    x.tag = Tag::rstd;
  } else {
    return st.elementwise(n, 0);
  }
  if (x.tag == Tag::square || x.tag == Tag::cube) x.tag_node = st.node_name(n);
  x.fusable = false;
  st.set_out(n, x);
}

void sqrt(ImportState& st, const NodeProto& n) {
  const Value& x = st.val(n.input(0));
  if (x.tag == Tag::var) return st.set_out(n, with_tag(x, Tag::stddev));
  st.elementwise(n, 0);
}

void reciprocal(ImportState& st, const NodeProto& n) {
  const Value& x = st.val(n.input(0));
  if (x.tag == Tag::stddev) return st.set_out(n, with_tag(x, Tag::rstd));
  st.elementwise(n, 0);
}

// Erf (GELU's inner erf(x / sqrt 2)) and Sigmoid (SiLU's sigmoid(x)) of a plain activation start
// a pattern; of a pending one they are elementwise layers.
void start_pattern(ImportState& st, const NodeProto& n, Tag t) {
  Value x = st.val(n.input(0));
  if (x.tag != Tag::plain) return st.elementwise(n, 0);
  x = stage(st, n, x, t);
  x.fusable = false;
  st.set_out(n, x);
}

void erf(ImportState& st, const NodeProto& n) {
  start_pattern(st, n, Tag::gelu_inner);
}

void sigmoid(ImportState& st, const NodeProto& n) {
  start_pattern(st, n, Tag::sigmoid);
}

void tanh(ImportState& st, const NodeProto& n) {
  Value x = st.val(n.input(0));
  if (x.tag == Tag::poly) {  // GPT-2's gelu: tanh(sqrt(2/pi) (x + 0.044715 x^3))
    st.set_out(n, stage(st, n, x, Tag::gelu_inner));
    return;
  }
  const Value a = st.need_act(n, 0);
  st.set_out(n, st.emit_activation(n, "tanh", a));
}

// The reduced axes of a ReduceMean, per sample (0-based after the batch), sorted.
Dims reduce_axes(ImportState& st, const NodeProto& n, const Value& x) {
  if (st.folded) throw Unmappable{"a reduction over a batch-folded [B * T, F] view"};
  Dims axes;
  if (auto a = attr_ints(n, "axes"))
    axes = *a;
  else if (n.input_size() > 1 && !n.input(1).empty()) {
    auto v = st.const_values(n.input(1));
    if (!v) throw Unmappable{"the reduced axes are not a constant"};
    for (double d : *v) axes.push_back(static_cast<int64_t>(d));
  } else {
    throw Unmappable{"a reduction over all axes (including the batch)"};
  }
  for (auto& a : axes) a = static_cast<int64_t>(st.sample_axis(x, a));
  std::sort(axes.begin(), axes.end());
  return axes;
}

void reduce_mean(ImportState& st, const NodeProto& n) {
  Value x = st.val(n.input(0));
  const Dims axes = reduce_axes(st, n, x);
  const int64_t last = static_cast<int64_t>(x.dims.size()) - 1;
  const bool features = (x.layout.kind == Layout::Kind::vec || x.layout.kind == Layout::Kind::hwc ||
                         (x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD") ||
                         (windowed(x.layout) && token_features(x.layout))) &&
                        axes == Dims{last};
  if (features && (x.tag == Tag::plain || x.tag == Tag::square)) {
    x = stage(st, n, x, x.tag == Tag::plain ? Tag::mean : Tag::var);
    x.fusable = false;
    return st.set_out(n, x);
  }
  const Value* xp = st.act_in(n, 0);
  const bool spatial = xp->layout.kind == Layout::Kind::chw && axes == Dims{1, 2};
  const bool tokens =
      xp->layout.kind == Layout::Kind::seq && xp->layout.axes == "TD" && axes == Dims{0};
  if (!spatial && !tokens)
    throw Unmappable{"a mean over axes other than H, W, the tokens or a LayerNorm's features"};
  const Dims out = st.sample_dims(n.output(0));
  Layout l = out.size() == 1 ? Layout{Layout::Kind::vec, ""} : xp->layout;
  st.set_out(n, st.emit(n, "global_avgpool", {xp->tensor}, {}, l, out));
}

}  // namespace

NCORE_REGISTER_ONNX_OP("Add", add, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Sub", sub, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Mul", mul, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Div", div, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Pow", pow, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Sqrt", sqrt, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Reciprocal", reciprocal, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Erf", erf, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Sigmoid", sigmoid, kFreeOnConstants | kUnary);
NCORE_REGISTER_ONNX_OP("Tanh", tanh, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("ReduceMean", reduce_mean, kFreeOnConstants);

}  // namespace ncore::workload::onnx
