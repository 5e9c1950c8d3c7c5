// ONNX ops that change how an activation is viewed: Identity, Dropout and Cast (nothing),
// Shape/Size (free: shapes are static), Reshape/Flatten/Squeeze/Unsqueeze (free when only heads
// or unit dims move, GPT-2's [B * T, F] batch-folded view, flatten when an image becomes a
// vector), Transpose of token/head/feature axes (free) and Concat along the channels (concat).
// Split and Tile of activations, and transposes that move the batch, are errors.
#include "workload/onnx/op_registry.h"

namespace ncore::workload::onnx {
namespace {

// a * b == c for dims an ONNX file may give any value: no signed overflow (fuzz_onnx found
// 2522015791327477764 x 8 in a Reshape's target shape).
bool product_is(int64_t a, int64_t b, int64_t c) {
  int64_t p = 0;
  return !__builtin_mul_overflow(a, b, &p) && p == c;
}

void pass_through(ImportState& st, const NodeProto& n) {
  st.set_out(n, st.alias(st.val(n.input(0)), n.input(0)));
}

void static_shape(ImportState& st, const NodeProto& n) {
  st.free_node(n, false);
}

// The output of a reshape of x seen per sample: the batch dropped, or a batch-folded view
// [B * T, F] of x's tokens (Hugging Face GPT-2's Conv1D: an addmm on a 2-D view, free).
Value reshaped_view(ImportState& st, const NodeProto& n, const Value& x) {
  const Dims full = st.full_dims(n.output(0));
  Value v = st.alias(x, n.input(0));
  v.folded = false;
  Dims out = full;
  if (!full.empty() && full[0] == st.batch) {
    out.erase(out.begin());
  } else if (full.size() == 2 && st.batch > 0 && full[0] % st.batch == 0 &&
             x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD" &&
             full[0] / st.batch == x.dims[0] && full[1] == x.dims[1]) {
    out[0] /= st.batch;
    v.folded = true;
  } else {
    throw Unmappable{"cannot map " + dims_str(x.dims) + " -> " + dims_str(full) +
                     " (with the batch) onto the per-sample IR"};
  }
  v.dims = out;
  return v;
}

// Reshape, Flatten, Squeeze, Unsqueeze of an activation: free when only the view changes
// (heads split or merged, unit dims), a flatten layer when an image becomes a vector.
void reshape(ImportState& st, const NodeProto& n) {
  const Value* xp = st.act_in(n, 0);
  if (!xp) throw Unmappable{"its data input is not an activation"};
  const Value x = *xp;
  Value v = reshaped_view(st, n, x);
  const Dims& in = x.dims;
  const Dims out = v.dims;
  if (out == in) return st.set_out(n, v);
  if (v.folded) throw Unmappable{"a batch-folded view that also changes the per-sample shape"};
  if (x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD" && out.size() == 3 &&
      out[0] == in[0] && product_is(out[1], out[2], in[1])) {  // [T, F] -> [T, heads, d]
    v.layout.axes = "THD";
    return st.set_out(n, v);
  }
  if (x.layout.kind == Layout::Kind::seq && x.layout.axes == "THD" && out.size() == 2 &&
      out[0] == in[0] && product_is(in[1], in[2], out[1])) {  // [T, heads, d] -> [T, F]
    v.layout.axes = "TD";
    return st.set_out(n, v);
  }
  const auto def = default_layout(out.size());
  if (def && squeezed(in) == squeezed(out) && ir_shape(*def, out) == ir_shape(x.layout, in) &&
      x.layout.kind != Layout::Kind::scores &&
      (x.layout.kind != Layout::Kind::seq || x.layout.axes == "TD")) {
    v.layout = *def;
    return st.set_out(n, v);
  }
  if (out.size() == 1 && product(out) == product(in) && x.layout.kind != Layout::Kind::scores) {
    Value f = st.emit(n, "flatten", {x.tensor}, {}, Layout{Layout::Kind::vec, ""}, out);
    return st.set_out(n, f);
  }
  throw Unmappable{"cannot map " + dims_str(in) + " -> " + dims_str(out) +
                   " onto the per-sample IR"};
}

void transpose(ImportState& st, const NodeProto& n) {
  const Value* xp = st.act_in(n, 0);
  if (!xp) throw Unmappable{"its data input is not an activation"};
  const Value x = *xp;
  const auto perm = attr_ints(n, "perm");
  if (x.folded) throw Unmappable{"a transpose of a batch-folded [B * T, F] view"};
  Value v = st.alias(x, n.input(0));
  v.dims = st.sample_dims(n.output(0));
  if (!perm || perm->size() != x.dims.size() + 1 || (*perm)[0] != 0)
    throw Unmappable{"only transposes that keep the batch first are supported"};
  bool identity = true;
  for (size_t i = 0; i < perm->size(); ++i) identity = identity && (*perm)[i] == int64_t(i);
  if (identity) return st.set_out(n, v);
  if (x.layout.kind != Layout::Kind::seq)
    throw Unmappable{"only transposes of token/head/feature axes are supported (input " +
                     dims_str(x.dims) + ")"};
  std::string axes;
  for (size_t i = 1; i < perm->size(); ++i)
    axes += x.layout.axes.at(static_cast<size_t>((*perm)[i] - 1));
  v.layout.axes = axes;
  st.set_out(n, v);
}

// Concat of activations along the channels (NCHW axis 1, or the features of a vector).
void concat(ImportState& st, const NodeProto& n) {
  std::vector<std::string> ins;
  Dims dims;
  Layout layout;
  for (int i = 0; i < n.input_size(); ++i) {
    const Value x = st.need_act(n, i);
    if (i == 0) {
      layout = x.layout;
      dims = x.dims;
    } else if (!(x.layout == layout) || x.dims.size() != dims.size()) {
      throw Unmappable{"concatenating activations of different layouts"};
    }
    ins.push_back(x.tensor);
    if (i > 0) dims[0] += x.dims[0];
  }
  const int64_t rank = static_cast<int64_t>(dims.size()) + 1;  // with the batch
  int64_t axis = attr_int(n, "axis", 1);
  if (axis < 0) axis += rank;
  if (axis != 1 || !(layout.kind == Layout::Kind::chw || layout.kind == Layout::Kind::vec))
    throw Unmappable{"concatenating along an axis other than the channels is not supported"};
  if (ins.size() > 8) throw Unmappable{"concatenating more than 8 activations"};
  st.set_out(n, st.emit(n, "concat", ins, {}, layout, dims));
}

void split_or_tile(ImportState&, const NodeProto&) {
  throw Unmappable{"splitting or tiling activations is not supported", true};
}

}  // namespace

NCORE_REGISTER_ONNX_OP("Identity", pass_through, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Dropout", pass_through, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Cast", pass_through, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("CastLike", pass_through, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Shape", static_shape, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Size", static_shape, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Reshape", reshape, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Flatten", reshape, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Squeeze", reshape, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Unsqueeze", reshape, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Transpose", transpose, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Concat", concat, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Split", split_or_tile, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Tile", split_or_tile, kFreeOnConstants);

}  // namespace ncore::workload::onnx
