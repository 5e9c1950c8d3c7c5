// ONNX ops that change how an activation is viewed: Identity, Dropout and Cast (nothing),
// Shape/Size (free: shapes are static), Reshape/Flatten/Squeeze/Unsqueeze (free when only heads
// or unit dims move, GPT-2's [B * T, F] batch-folded view, flatten when an image becomes a
// vector), Transpose of token/head/feature axes and of an image to channels-last and back
// (free: the IR keeps its layout), ShuffleNet's channel shuffle (Reshape
// [C, H, W] -> [G, C / G, H, W] free, Transpose of the two factors a channel_shuffle layer, the
// Reshape back free), transposes and reshapes that move the batch or (batch-1 exports) merge it
// into another axis (nn.MultiheadAttention), an image's positions flattened into tokens (tokens),
// Concat along an image's channels, rows or columns (concat) and of constants along a sequence's
// tokens (pad); Swin's and MaxViT's window reshapes and transposes go to window_ops.cpp. Tile of
// activations is an error (Split: slice_ops.cpp).
#include "workload/onnx/op_registry.h"
#include "workload/onnx/window_ops.h"

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
  const int b = x.batch_axis;
  if (b >= 0 && static_cast<size_t>(b) < full.size() && full[static_cast<size_t>(b)] == st.batch) {
    out.erase(out.begin() + b);
  } else if (b == 0 && full.size() == 2 && st.batch > 0 && full[0] % st.batch == 0 &&
             x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD" &&
             full[0] / st.batch == x.dims[0] && full[1] == x.dims[1]) {
    out[0] /= st.batch;
    v.folded = true;
  } else if (st.batch == 1) {
    // a batch-1 export: the batch merges into another axis (-1), or a merged one comes out as
    // the last unit dim before the features ([T * B, E] -> [T, B, E])
    int unit = -1;
    for (size_t i = 0; i + 1 < full.size(); ++i)
      if (full[i] == 1) unit = static_cast<int>(i);
    v.batch_axis = b < 0 && unit >= 0 ? unit : -1;
    if (v.batch_axis >= 0) out.erase(out.begin() + v.batch_axis);
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
  st.batch_axis = v.batch_axis;
  const Dims& in = x.dims;
  const Dims out = v.dims;
  if (out == in) return st.set_out(n, v);
  if (v.folded) throw Unmappable{"a batch-folded view that also changes the per-sample shape"};
  if (auto w = windowed_reshape(st, n, x, v)) return st.set_out(n, *w);
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
  if (x.layout.kind == Layout::Kind::chw && in.size() == 3 && out.size() == 4 && out[2] == in[1] &&
      out[3] == in[2] && product_is(out[0], out[1], in[0])) {
    v.layout = Layout{Layout::Kind::grouped, ""};  // [C, H, W] -> [G, C / G, H, W]
    return st.set_out(n, v);
  }
  if (x.layout.kind == Layout::Kind::grouped && out.size() == 3 && out[1] == in[2] &&
      out[2] == in[3] && product_is(in[0], in[1], out[0])) {
    v.layout = Layout{Layout::Kind::chw, ""};  // and back
    return st.set_out(n, v);
  }
  if (x.layout.kind == Layout::Kind::chw && in.size() == 3 && out.size() == 2 && out[0] == in[0] &&
      product_is(in[1], in[2], out[1]) && in[1] > 1 && in[2] > 1) {
    // an image's positions as tokens, features first (ViT's patch embedding flatten(2))
    return st.set_out(n,
                      st.emit(n, "tokens", {x.tensor}, {}, Layout{Layout::Kind::seq, "DT"}, out));
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

// The permutation of x's per-sample axes a transpose's perm makes, and the batch's new axis (-1
// while it stays merged into another axis).
std::pair<Dims, int> sample_perm(const Value& x, const std::optional<Dims>& perm) {
  const size_t rank = x.dims.size() + (x.batch_axis < 0 ? 0 : 1);
  if (!perm || perm->size() != rank) throw Unmappable{"a transpose without a perm of every axis"};
  Dims sp;
  int batch = -1;
  for (size_t j = 0; j < perm->size(); ++j) {
    const int64_t a = (*perm)[j];
    if (x.batch_axis >= 0 && a == x.batch_axis)
      batch = static_cast<int>(j);
    else
      sp.push_back(x.batch_axis >= 0 && a > x.batch_axis ? a - 1 : a);
  }
  return {sp, batch};
}

// Transpose: a view (free) of token/head/feature axes, of an image to channels-last and back,
// moving the batch (nn.MultiheadAttention's [T, B, E]); a channel_shuffle of a grouped image.
void transpose(ImportState& st, const NodeProto& n) {
  const Value* xp = st.act_in(n, 0);
  if (!xp) throw Unmappable{"its data input is not an activation"};
  const Value x = *xp;
  if (x.folded) throw Unmappable{"a transpose of a batch-folded [B * T, F] view"};
  const auto [perm, batch] = sample_perm(x, attr_ints(n, "perm"));
  Value v = st.alias(x, n.input(0));
  v.batch_axis = st.batch_axis = batch;
  v.dims = st.sample_dims(n.output(0));
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == int64_t(i);
  if (identity) return st.set_out(n, v);
  if (auto w = windowed_transpose(st, n, x, perm, v)) return st.set_out(n, *w);
  // channels last and back (ConvNeXt): the IR keeps channels on the partitions, a layout change
  if (x.layout.kind == Layout::Kind::chw && perm == Dims{1, 2, 0}) {
    v.layout = Layout{Layout::Kind::hwc, ""};
    return st.set_out(n, v);
  }
  if (x.layout.kind == Layout::Kind::hwc && perm == Dims{2, 0, 1}) {
    v.layout = Layout{Layout::Kind::chw, ""};
    return st.set_out(n, v);
  }
  if (x.layout.kind == Layout::Kind::grouped && perm == Dims{1, 0, 2, 3}) {
    const LayerParams p{{"groups", ParamValue::of(x.dims[0])}};  // the channel shuffle
    return st.set_out(n, st.emit(n, "channel_shuffle", {x.tensor}, p, x.layout, v.dims));
  }
  if (x.layout.kind != Layout::Kind::seq)
    throw Unmappable{"only transposes of token/head/feature axes are supported (input " +
                     dims_str(x.dims) + ")"};
  std::string axes;
  for (int64_t a : perm) axes += x.layout.axes.at(static_cast<size_t>(a));
  v.layout.axes = axes;
  st.set_out(n, v);
}

// Concat of one activation and constants (ViT's class token) along a sequence's tokens: a pad
// layer whose border rows hold the constants (a copy with the output shape).
void concat_constants(ImportState& st, const NodeProto& n, int act) {
  const Value x = st.need_act(n, act);
  const int64_t axis = attr_int(n, "axis", 1);
  if (!(x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD") || st.sample_axis(x, axis))
    throw Unmappable{"concatenating constants to an activation other than along its tokens"};
  const Dims full = st.full_dims(n.output(0));
  const auto a = static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(full.size()) : axis);
  int64_t before = 0, after = 0;
  for (int i = 0; i < n.input_size(); ++i)
    if (i != act) (i < act ? before : after) += dim(st.full_dims(n.input(i)), a);
  const LayerParams p{{"padding", ParamValue::of(std::vector<int64_t>{before, 0})},
                      {"padding_end", ParamValue::of(std::vector<int64_t>{after, 0})}};
  st.set_out(n, st.emit(n, "pad", {x.tensor}, p, x.layout, st.sample_dims(n.output(0))));
}

// The IR axis (0 channels, 1 height, 2 width) per-sample axis i of an image or vector maps onto.
std::optional<uint32_t> image_axis(const Layout& l, size_t i) {
  if (l.kind == Layout::Kind::chw && i < 3) return static_cast<uint32_t>(i);
  if (l.kind == Layout::Kind::hwc && l.axes.empty() && i < 3) return i == 2 ? 0u : i == 0 ? 1u : 2u;
  if (l.kind == Layout::Kind::vec && i == 0) return 0u;
  return std::nullopt;
}

// Concat of activations along an image's channels (or a vector's features), rows or columns
// (Swin's torch.roll: two slices concatenated).
void concat(ImportState& st, const NodeProto& n) {
  int acts = 0, act = -1;
  for (int i = 0; i < n.input_size(); ++i)
    if (!n.input(i).empty() && st.val(n.input(i)).act()) {
      ++acts;
      act = i;
    }
  if (acts == 1 && n.input_size() == 1)  // torch.cat([x]) (DenseNet's first layers): x itself
    return st.set_out(n, st.alias(st.need_act(n, 0), n.input(0)));
  if (acts == 1) return concat_constants(st, n, act);
  std::vector<std::string> ins;
  std::vector<Value> xs;
  for (int i = 0; i < n.input_size(); ++i) {
    xs.push_back(st.need_act(n, i));
    if (!(xs.back().layout == xs[0].layout) || xs.back().dims.size() != xs[0].dims.size())
      throw Unmappable{"concatenating activations of different layouts"};
    ins.push_back(xs.back().tensor);
  }
  const size_t sa = st.sample_axis(xs[0], attr_int(n, "axis", 1));
  const auto axis = image_axis(xs[0].layout, sa);
  if (!axis)
    throw Unmappable{"concatenating along an axis other than an image's channels, rows or columns"};
  Dims dims = xs[0].dims;
  for (size_t i = 1; i < xs.size(); ++i) dims[sa] += xs[i].dims[sa];
  if (ins.size() > 64) throw Unmappable{"concatenating more than 64 activations"};
  static const char* const kNames[] = {"channels", "height", "width"};
  LayerParams p;
  if (*axis != 0) p.emplace_back("axis", ParamValue::of(std::string(kNames[*axis])));
  st.set_out(n, st.emit(n, "concat", ins, p, xs[0].layout, dims));
}

void tile(ImportState&, const NodeProto&) {
  throw Unmappable{"tiling activations is not supported", true};
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
NCORE_REGISTER_ONNX_OP("Tile", tile, kFreeOnConstants);

}  // namespace ncore::workload::onnx
