// ONNX ops on token sequences and attention: Softmax/LogSoftmax over the last axis (features or
// keys) -> softmax, LayerNormalization over the features (or a channels-last image's channels)
// -> layernorm, Gather from a 2-D float
// initializer -> embedding (token ids, token types, or constant position ids: `broadcast`),
// Gather of a sequence's token -> slice, Gather of Q, K or V from a fused projection split as
// [3, ...] (window_ops.h's qkv_part), and Where/Expand masking one activation (free).
// None of them reads a batch-folded [B * T, F] view.
#include <algorithm>

#include "workload/onnx/op_registry.h"
#include "workload/onnx/window_ops.h"

namespace ncore::workload::onnx {
namespace {

bool last_axis_ok(const ImportState& st, const NodeProto& n, const Value& x, int64_t fallback) {
  try {
    return st.sample_axis(x, attr_int(n, "axis", fallback)) + 1 == x.dims.size();
  } catch (const Unmappable&) {
    return false;
  }
}

void softmax(ImportState& st, const NodeProto& n) {
  const Value* xp = st.act_in(n, 0);
  const Value x = *xp;
  const bool ok_layout = x.layout.kind == Layout::Kind::scores ||
                         x.layout.kind == Layout::Kind::vec ||
                         (x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD");
  if (!ok_layout || !last_axis_ok(st, n, x, st.opset < 13 ? 1 : -1))
    throw Unmappable{"a softmax over an axis other than the features / keys"};
  st.set_out(n, st.emit(n, "softmax", {x.tensor}, {}, x.layout, x.dims));
}

void layernorm(ImportState& st, const NodeProto& n) {
  const Value x = st.need_act(n, 0);
  const bool ok_layout = x.layout.kind == Layout::Kind::vec ||
                         (x.layout.kind == Layout::Kind::hwc && x.layout.axes.empty()) ||
                         (x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD") ||
                         (windowed(x.layout) && token_features(x.layout));
  if (!ok_layout || !last_axis_ok(st, n, x, -1))
    throw Unmappable{"a layer norm over axes other than the features"};
  st.set_out(n, st.layernorm_of(n, x));
}

// An embedding: rows of a 2-D initializer table picked by token ids (or constant positions).
void embedding(ImportState& st, const NodeProto& n, const Value& data, const Value& idx) {
  if (idx.free() && !idx.from_input && !idx.act() && idx.dims.empty())
    return st.free_node(n, false);  // one constant row
  const Value& in = st.val(st.input_names[0]);
  if (!(in.layout.kind == Layout::Kind::seq && in.layout.axes == "T"))
    throw Unmappable{"an embedding needs token ids [N, T] as the model input"};
  // constant 1-D indices (no batch dim): [T, hidden] rows as they are
  const Dims out =
      idx.free() && idx.dims.size() == 1 ? st.full_dims(n.output(0)) : st.sample_dims(n.output(0));
  if (out.size() != 2) throw Unmappable{"expected [T, hidden] rows, got " + dims_str(out)};
  std::string anchor = "input";
  if (idx.act()) anchor = st.act_in(n, 1)->tensor;
  const int64_t vocab = data.dims[0], hidden = data.dims[1];
  const bool broadcast = idx.free() && !idx.from_input && out[0] <= vocab;
  LayerParams p{{"vocab", ParamValue::of(vocab)}, {"hidden", ParamValue::of(hidden)}};
  if (broadcast) p.emplace_back("broadcast", ParamValue::flag(true));
  st.note_weights(data);
  if (data.init) st.tables.push_back(data.init);
  st.set_out(n, st.emit(n, "embedding", {anchor}, p, Layout{Layout::Kind::seq, "TD"}, out));
}

// A token picked from a sequence ([CLS]): a slice.
void pick_token(ImportState& st, const NodeProto& n, int64_t axis) {
  if (st.folded) throw Unmappable{"a gather from a batch-folded [B * T, F] view"};
  const Value x = st.need_act(n, 0);
  const auto i = st.const_values(n.input(1));
  const int64_t rank = static_cast<int64_t>(x.dims.size()) + 1;
  const int64_t ax = axis < 0 ? axis + rank : axis;
  if (!(x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD" && ax == 1) || !i ||
      i->size() != 1)
    throw Unmappable{"only a constant token picked from a sequence is supported"};
  int64_t start = static_cast<int64_t>((*i)[0]);
  if (start < 0) start += x.dims[0];
  const Dims out = st.sample_dims(n.output(0));
  const Layout l = out.size() == 1 ? Layout{Layout::Kind::vec, ""} : x.layout;
  st.set_out(n, st.emit(n, "slice", {x.tensor},
                        {{"start", ParamValue::of(start)}, {"count", ParamValue::of(1)}}, l, out));
}

// Gather: an embedding, a token of a sequence, or free (computed from constants).
void gather(ImportState& st, const NodeProto& n) {
  const Value& data = st.val(n.input(0));
  const Value& idx = st.val(n.input(1));
  const int64_t axis = attr_int(n, "axis", 0);
  if (data.free() && data.init && data.dims.size() == 2 && axis == 0 &&
      is_float_type(data.init->data_type()) && (idx.act() || idx.from_input || idx.free()))
    return embedding(st, n, data, idx);
  if (!data.act()) return st.free_node(n, data.from_input || idx.from_input);
  const Value x = st.need_act(n, 0);
  const auto i = st.const_values(n.input(1));
  if (x.layout.kind == Layout::Kind::seq && i && i->size() == 1 && idx.dims.empty()) {
    const size_t sa = st.sample_axis(x, axis);
    if (sa < x.layout.axes.size() && x.layout.axes[sa] == 'S') {  // Q, K or V of a fused QKV
      const int64_t rank = static_cast<int64_t>(x.dims.size()) + (x.batch_axis < 0 ? 0 : 1);
      if (st.batch_axis > (axis < 0 ? axis + rank : axis)) --st.batch_axis;  // a dim before it goes
      return st.set_out(n, qkv_part(st, n, x, sa, to_int((*i)[0])));
    }
  }
  pick_token(st, n, axis);
}

void where_expand(ImportState& st, const NodeProto& n) {
  int act_index = -1, acts = 0;
  for (int i = 0; i < n.input_size(); ++i)
    if (!n.input(i).empty() && st.val(n.input(i)).act()) {
      act_index = i;
      ++acts;
    }
  if (acts != 1 || (n.op_type() == "Where" && act_index == 0))
    throw Unmappable{"only masking one activation is supported"};
  const Value x = st.need_act(n, act_index);
  if (!(ir_shape(x.layout, st.sample_dims(n.output(0))) == ir_shape(x.layout, x.dims)))
    throw Unmappable{"broadcasting an activation to a larger shape"};
  st.set_out(n, st.alias(x, n.input(act_index)));
}

}  // namespace

NCORE_REGISTER_ONNX_OP("Softmax", softmax, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("LogSoftmax", softmax, kOnActivations);
NCORE_REGISTER_ONNX_OP("LayerNormalization", layernorm, kOnActivations);
// Not free on constants: a Gather from a constant table by constant indices is an embedding.
NCORE_REGISTER_ONNX_OP("Gather", gather, kOnActivations);
NCORE_REGISTER_ONNX_OP("Where", where_expand, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Expand", where_expand, kFreeOnConstants);

}  // namespace ncore::workload::onnx
