// ONNX matrix products: Gemm, and MatMul with a weight initializer -> linear (on [F] vectors,
// [T, F] sequences, C x 1 x 1 images, or channels-last images [H, W, C]: per position, as a
// 1 x 1 conv); MatMul of two activations -> matmul when it is
// attention's Q K^T (`transpose_b`) or P V, with `heads` from the multi-head views. A weight that
// holds an embedding's table (GPT-2's tied LM head) makes the linear `tied`. A constant times an
// activation, transA and other products of activations are errors.
#include <algorithm>
#include <cstring>

#include "workload/onnx/op_registry.h"
#include "workload/onnx/window_ops.h"

namespace ncore::workload::onnx {
namespace {

// A weight matrix [K, N] (or [N, K] with trans) from an initializer.
std::pair<int64_t, int64_t> weight_kn(ImportState& st, const Value& w, bool trans) {
  if (!w.free() || w.from_input || w.dims.size() != 2)
    throw Unmappable{"expected a 2-D weight initializer, got " + dims_str(w.dims)};
  st.note_weights(w);
  return trans ? std::make_pair(w.dims[1], w.dims[0]) : std::make_pair(w.dims[0], w.dims[1]);
}

// Whether weight w ([K, N], or [N, K] with trans) holds an embedding table's values, [N, K]: the
// same initializer, or the same bytes transposed (torch.onnx folds the Transpose of a tied table
// into a new initializer). Only values stored in the file are compared (not external data);
// the first element that differs ends the comparison.
bool tied_to_table(const ImportState& st, const TensorProto* wp, bool trans) {
  if (!wp) return false;
  const TensorProto& w = *wp;
  for (const TensorProto* t : st.tables) {
    if (t == &w || t->name() == w.name()) return true;
    if (t->data_type() != w.data_type() || w.dims_size() != 2 || t->dims_size() != 2) continue;
    const std::string_view a = st.bytes.raw_bytes(w);
    const std::string_view b = st.bytes.raw_bytes(*t);
    const uint64_t rows = static_cast<uint64_t>(w.dims(0)), cols = static_cast<uint64_t>(w.dims(1));
    if (a.empty() || a.size() != b.size() || rows * cols == 0 || a.size() % (rows * cols) != 0)
      continue;
    if (trans && t->dims(0) == w.dims(0) && t->dims(1) == w.dims(1)) {
      if (a == b) return true;
      continue;
    }
    if (trans || t->dims(0) != w.dims(1) || t->dims(1) != w.dims(0)) continue;
    const uint64_t es = a.size() / (rows * cols);
    bool same = true;
    for (uint64_t r = 0; r < rows && same; ++r)
      for (uint64_t c = 0; c < cols && same; ++c)
        same = std::memcmp(&a[(r * cols + c) * es], &b[(c * rows + r) * es], es) == 0;
    if (same) return true;
  }
  return false;
}

const Value& features_in(ImportState& st, const NodeProto& n, int i) {
  const Value* x = st.act_in(n, i);
  if (!x) throw Unmappable{"its data input is not an activation"};
  const bool ok = x->layout.kind == Layout::Kind::vec ||
                  (x->layout.kind == Layout::Kind::hwc && x->layout.axes.empty()) ||
                  (x->layout.kind == Layout::Kind::seq && x->layout.axes == "TD") ||
                  (windowed(x->layout) && token_features(x->layout)) ||
                  (x->layout.kind == Layout::Kind::chw && x->dims.size() == 3 && x->dims[1] == 1 &&
                   x->dims[2] == 1);
  if (!ok)
    throw Unmappable{"expected [N, F] or [N, T, F] features, got " + dims_str(x->dims) +
                     " per sample"};
  return *x;
}

void linear(ImportState& st, const NodeProto& n, const Value& x, int64_t k, int64_t out_f,
            bool bias, bool tied) {
  if (static_cast<uint64_t>(k) != ir_shape(x.layout, x.dims).c)
    throw Unmappable{"weights of " + std::to_string(k) + " inputs on " +
                     std::to_string(ir_shape(x.layout, x.dims).c) + " features"};
  const Dims out = st.sample_dims(n.output(0));
  Layout l = x.layout.kind == Layout::Kind::chw ? Layout{Layout::Kind::vec, ""} : x.layout;
  if (l.kind == Layout::Kind::seq && out.size() != 2 &&
      !(windowed(l) && out.size() == x.dims.size()))
    l = *default_layout(out.size());
  LayerParams p{{"out_features", ParamValue::of(out_f)}, {"bias", ParamValue::flag(bias)}};
  if (tied) p.emplace_back("tied", ParamValue::flag(true));
  st.set_out(n, st.emit(n, "linear", {x.tensor}, p, l, out));
}

void gemm(ImportState& st, const NodeProto& n) {
  if (attr_int(n, "transA", 0) != 0) throw Unmappable{"transA is not supported"};
  if (!st.val(n.input(0)).act()) throw Unmappable{"its data input is not an activation"};
  const Value x = features_in(st, n, 0);
  const Value& w = st.val(n.input(1));
  const bool trans = attr_int(n, "transB", 0) != 0;
  const auto [k, m] = weight_kn(st, w, trans);
  linear(st, n, x, k, m, n.input_size() > 2 && !n.input(2).empty(),
         tied_to_table(st, w.init, trans));
}

int64_t heads_of(const Value& v) {
  const size_t i = v.layout.axes.find('H');
  return i == std::string::npos ? int64_t{1} : v.dims[i];
}

// Windows along the tokens (MaxViT's [windows, heads, T, d]) moved to the channels, so each
// window's heads are heads of the matmul: a transpose layer, recorded as the tensor's value.
Value heads_first(ImportState& st, const NodeProto& n, int i) {
  const Value x = st.need_act(n, i);
  const std::string& a = x.layout.axes;
  if (x.layout.kind != Layout::Kind::seq || a.size() != 4 || !std::strchr("w1", a[0]) ||
      a[1] != 'H')
    return x;
  if (x.dims[0] == 1) {  // one window: a view
    Value v = x;
    v.layout.axes[0] = 'W';
    st.val(n.input(i)) = v;
    return v;
  }
  const LayerParams p{{"windows", ParamValue::of(x.dims[0])}};
  const Value t =
      st.emit(n, "transpose", {x.tensor}, p, Layout{Layout::Kind::seq, "W" + a.substr(1)}, x.dims);
  st.val(n.input(i)) = t;
  return t;
}

// A product of two activations a x b (b given transposed: K^T as a view of K): attention's
// scores or context.
void matmul_values(ImportState& st, const NodeProto& n, const Value& a0, const Value& b0) {
  int64_t wa = 1, wb = 1;  // windows (Swin): each window's heads are heads of the matmul
  const Value a = fold_windows(a0, wa);
  const Value b = fold_windows(b0, wb);
  if (wa != wb) throw Unmappable{"a product of activations with different windows"};
  const std::string w = a.layout.axes.size() < a0.layout.axes.size() ? "W" : "";
  const Dims out = st.sample_dims(n.output(0));
  const bool seq_a = a.layout.kind == Layout::Kind::seq, seq_b = b.layout.kind == Layout::Kind::seq;
  // scores = Q K^T: Q [heads, T, d], K^T [heads, d, T] (K through a Transpose)
  if (seq_a && seq_b &&
      ((a.layout.axes == "HTD" && b.layout.axes == "HDT" && a.dims[0] == b.dims[0]) ||
       (a.layout.axes == "TD" && b.layout.axes == "DT"))) {
    const int64_t h = heads_of(a);
    Layout l{Layout::Kind::scores, w + (h > 1 || a.layout.axes == "HTD" ? "HQK" : "QK")};
    LayerParams p;
    if (h > 1) p.emplace_back("heads", ParamValue::of(h));
    p.emplace_back("transpose_b", ParamValue::flag(true));
    return st.set_out(n, st.emit(n, "matmul", {a.tensor, b.tensor}, p, l, out));
  }
  // context = P V: P [heads, Tq, Tk], V [heads, Tk, d]
  if (a.layout.kind == Layout::Kind::scores && seq_b &&
      ((a.layout.axes == "HQK" && b.layout.axes == "HTD") ||
       (a.layout.axes == "QK" && b.layout.axes == "TD"))) {
    const int64_t h = heads_of(b);
    LayerParams p;
    if (h > 1) p.emplace_back("heads", ParamValue::of(h));
    return st.set_out(n, st.emit(n, "matmul", {a.tensor, b.tensor}, p,
                                 Layout{Layout::Kind::seq, w + b.layout.axes}, out));
  }
  throw Unmappable{"a product of two activations other than attention's Q K^T or P V (" +
                   dims_str(a.dims) + " x " + dims_str(b.dims) + ")"};
}

void matmul_acts(ImportState& st, const NodeProto& n) {
  const Value a = heads_first(st, n, 0);
  matmul_values(st, n, a, heads_first(st, n, 1));
}

// b's last two axes swapped: a transposed view (free, as a Transpose of them is).
Value transposed(Value b) {
  const size_t r = b.dims.size();
  std::swap(b.dims[r - 1], b.dims[r - 2]);
  std::swap(b.layout.axes[r - 1], b.layout.axes[r - 2]);
  return b;
}

// Einsum of two activations that is a batched matrix product: the same batch letters first,
// then "ik,kj->ij" (P V) or "ik,jk->ij" (Q K^T, MaxViT's attention); any other equation is an
// error naming it.
void einsum(ImportState& st, const NodeProto& n) {
  std::string eq = attr_str(n, "equation", "");
  const std::string shown = eq;
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  const size_t arrow = eq.find("->"), comma = eq.find(',');
  const std::string x = eq.substr(0, std::min(comma, eq.size()));
  const std::string y = comma < arrow ? eq.substr(comma + 1, arrow - comma - 1) : "";
  const std::string o = arrow == std::string::npos ? "" : eq.substr(arrow + 2);
  const size_t r = x.size();
  const bool shapes = n.input_size() == 2 && r >= 2 && y.size() == r && o.size() == r &&
                      x.compare(0, r - 2, y, 0, r - 2) == 0 &&
                      x.compare(0, r - 2, o, 0, r - 2) == 0 && o[r - 2] == x[r - 2] &&
                      x.find('.') == std::string::npos;
  const bool pv = shapes && x[r - 1] == y[r - 2] && o[r - 1] == y[r - 1];
  const bool qk = shapes && x[r - 1] == y[r - 1] && o[r - 1] == y[r - 2];
  if (!pv && !qk)
    throw Unmappable{"an Einsum other than a batched matrix product ('" + shown + "')"};
  if (!st.val(n.input(0)).act() || !st.val(n.input(1)).act())
    throw Unmappable{"an Einsum of a constant ('" + shown + "')"};
  const Value a = heads_first(st, n, 0);
  const Value b = heads_first(st, n, 1);
  matmul_values(st, n, a, qk ? transposed(b) : b);
}

void matmul(ImportState& st, const NodeProto& n) {
  const Value& a0 = st.val(n.input(0));
  const Value& b0 = st.val(n.input(1));
  if (!a0.act()) throw Unmappable{"a constant times an activation is not supported"};
  if (!b0.act()) {
    const Value x = features_in(st, n, 0);
    const auto [k, m] = weight_kn(st, b0, false);
    return linear(st, n, x, k, m, false, tied_to_table(st, b0.init, false));
  }
  matmul_acts(st, n);
}

}  // namespace

NCORE_REGISTER_ONNX_OP("Gemm", gemm, kOnActivations);
NCORE_REGISTER_ONNX_OP("MatMul", matmul, kOnActivations);
NCORE_REGISTER_ONNX_OP("Einsum", einsum, kFreeOnConstants);

}  // namespace ncore::workload::onnx
