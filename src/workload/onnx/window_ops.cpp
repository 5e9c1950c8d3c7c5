// Swin's windowed attention in the ONNX importer (window_ops.h): relabelling reshapes of windowed
// sequences, the window_partition / window_reverse transposes, Q, K and V picked from a windowed
// fused projection (a transpose to the channels), and windows folded into heads for the matmul.
#include "workload/onnx/window_ops.h"

#include <algorithm>
#include <cstring>

namespace ncore::workload::onnx {
namespace {

Layout seq(std::string axes) {
  return Layout{Layout::Kind::seq, std::move(axes)};
}

int64_t labelled(const Value& x, char label) {
  int64_t p = 1;
  for (size_t i = 0; i < x.layout.axes.size() && i < x.dims.size(); ++i)
    if (x.layout.axes[i] == label) p *= x.dims[i];
  return p;
}

// The labels of one group of a reshape: input labels `l` (unit dims left out) becoming k dims.
std::optional<std::string> group_labels(const std::string& l, size_t k) {
  if (l == "D" && (k == 2 || k == 3)) return std::string(k == 2 ? "HD" : "SHD");  // heads split
  if (l.find_first_not_of(l[0]) == std::string::npos) return std::string(k, l[0]);
  if (k == 1 && l.back() == 'D' && l.find_first_not_of("SHD") == std::string::npos)
    return std::string("D");  // heads merged into features
  return std::nullopt;
}

// The labels of a reshape's output dims when it only merges or splits runs of dims with one
// label (or the features into heads and back); unit dims get '1'. nullopt otherwise.
std::optional<std::string> relabel(const std::string& labels, const Dims& in, const Dims& out) {
  std::string res;
  size_t i = 0, j = 0;
  while (i < in.size() || j < out.size()) {
    if (j < out.size() && out[j] == 1) {
      res += '1';
      ++j;
    } else if (i < in.size() && in[i] == 1) {
      ++i;
    } else if (i >= in.size() || j >= out.size()) {
      return std::nullopt;
    } else {
      size_t i1 = i + 1, j1 = j + 1;
      int64_t pin = in[i], pout = out[j];
      while (pin != pout) {
        const bool grow_in = pin < pout;
        if (grow_in ? i1 >= in.size() : j1 >= out.size()) return std::nullopt;
        if (__builtin_mul_overflow(grow_in ? pin : pout, grow_in ? in[i1++] : out[j1++],
                                   grow_in ? &pin : &pout))
          return std::nullopt;
      }
      std::string l;
      for (size_t k = i; k < i1; ++k)
        if (in[k] != 1) l += labels.at(k);
      const auto g = group_labels(l, j1 - j);
      if (!g) return std::nullopt;
      res += *g;
      i = i1;
      j = j1;
    }
  }
  return res;
}

}  // namespace

bool windowed(const Layout& l) {
  return l.kind == Layout::Kind::seq && l.axes.find_first_of("wWS1") != std::string::npos;
}

bool token_features(const Layout& l) {
  return l.kind == Layout::Kind::seq && !l.axes.empty() && l.axes.back() == 'D' &&
         l.axes.find_first_of("WSHD") == l.axes.size() - 1;
}

std::optional<Value> windowed_reshape(ImportState& st, const NodeProto& n, const Value& x,
                                      Value v) {
  const Dims& in = x.dims;
  const Dims& out = v.dims;
  if (x.layout.kind == Layout::Kind::hwc && x.layout.axes.empty() && in.size() == 3 &&
      out.size() == 5 && out[0] * out[1] == in[0] && out[2] * out[3] == in[1] && out[4] == in[2]) {
    v.layout = Layout{Layout::Kind::hwc, "YyXxD"};  // [H, W, C] -> [H / y, y, W / x, x, C]
    return v;
  }
  if (x.layout.kind == Layout::Kind::hwc && x.layout.axes == "YyXxD" && out.size() == 3 &&
      out[0] == in[0] * in[1] && out[1] == in[2] * in[3] && out[2] == in[4]) {
    v.layout = Layout{Layout::Kind::hwc, ""};  // and back
    return v;
  }
  if (x.layout.kind == Layout::Kind::chw && x.layout.axes.empty() && in.size() == 3 &&
      out.size() == 5 && out[0] == in[0] && out[1] * out[2] == in[1] && out[3] * out[4] == in[2]) {
    v.layout = Layout{Layout::Kind::chw, "DYyXx"};  // MaxViT: [C, H, W] -> [C, H / y, y, W / x, x]
    return v;
  }
  if (x.layout.kind == Layout::Kind::chw && x.layout.axes == "DYyXx" && out.size() == 3 &&
      out[0] == in[0] && out[1] == in[1] * in[2] && out[2] == in[3] * in[4]) {
    v.layout = Layout{Layout::Kind::chw, ""};  // and back
    return v;
  }
  const bool tokens = x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD";
  if (!windowed(x.layout) && !tokens) return std::nullopt;
  const auto labels = relabel(x.layout.axes, in, out);
  if (!labels) return std::nullopt;
  // a plain sequence (one window) into a fused QKV split, or into the rows of one window
  if (tokens && labels->find('S') == std::string::npos && labels->find("TT") == std::string::npos)
    return std::nullopt;
  v.layout = seq(*labels);
  if (!(ir_shape(v.layout, out) == ir_shape(x.layout, in))) return std::nullopt;
  if (labels->find('W') == std::string::npos || labels->find('H') != std::string::npos) return v;
  if (labelled(v, 'W') == 1) {  // one window: nothing moves
    std::replace(v.layout.axes.begin(), v.layout.axes.end(), 'W', '1');
    return v;
  }
  // a windowed context's heads merged back into features: the windows go back to the tokens
  std::string axes = *labels;
  for (char& c : axes)
    if (c == 'W') c = 'w';
  const LayerParams p{{"windows", ParamValue::of(labelled(v, 'W'))},
                      {"to", ParamValue::of(std::string("tokens"))}};
  return st.emit(n, "transpose", {x.tensor}, p, seq(axes), out);
}

std::optional<Value> windowed_transpose(ImportState& st, const NodeProto& n, const Value& x,
                                        const Dims& perm, Value v) {
  const Dims& d = x.dims;
  const std::string& a = x.layout.axes;
  const bool seq_windows = x.layout.kind == Layout::Kind::seq && a.size() == 5 &&
                           std::strchr("w1", a[0]) && std::strchr("w1", a[1]) &&
                           std::strchr("T1", a[2]) && std::strchr("T1", a[3]) && a[4] == 'D';
  // Swin (channels last) and MaxViT (channels first): the image cut into windows, and back
  const bool swin_part =
      x.layout.kind == Layout::Kind::hwc && a == "YyXxD" && perm == Dims{0, 2, 1, 3, 4};
  const bool maxvit_part =
      x.layout.kind == Layout::Kind::chw && a == "DYyXx" && perm == Dims{1, 3, 2, 4, 0};
  if (swin_part || maxvit_part) {
    v.layout = seq("wwTTD");
    const int64_t gh = swin_part ? d[0] : d[1], gw = swin_part ? d[2] : d[3];
    if (gh * gw == 1 || v.dims[2] * v.dims[3] == 1)  // one window, or windows of one position:
      return st.emit(n, "tokens", {x.tensor}, {}, v.layout, v.dims);  // the order kept, shape only
    const LayerParams p{{"window", ParamValue::of(Dims{v.dims[2], v.dims[3]})}};
    return st.emit(n, "window_partition", {x.tensor}, p, v.layout, v.dims);
  }
  const bool swin_rev = seq_windows && perm == Dims{0, 2, 1, 3, 4};
  if (swin_rev || (seq_windows && perm == Dims{4, 0, 2, 1, 3})) {
    v.layout = swin_rev ? Layout{Layout::Kind::hwc, "YyXxD"} : Layout{Layout::Kind::chw, "DYyXx"};
    if (d[0] * d[1] == 1 || d[2] * d[3] == 1)
      return st.emit(n, "tokens", {x.tensor}, {{"height", ParamValue::of(d[0] * d[2])}}, v.layout,
                     v.dims);
    const LayerParams p{{"window", ParamValue::of(Dims{d[2], d[3]})},
                        {"grid", ParamValue::of(Dims{d[0], d[1]})}};
    return st.emit(n, "window_reverse", {x.tensor}, p, v.layout, v.dims);
  }
  // MaxViT's grid attention swaps [windows, tokens] for [tokens, windows] and back: the outer
  // axis is the windows (a view: the IR does not track the tokens' order; the copy that reorders
  // them is the partition's)
  if (x.layout.kind == Layout::Kind::seq && a.size() == 3 && a[2] == 'D' &&
      a.find_first_not_of("wT1") == 2 && perm == Dims{1, 0, 2}) {
    v.layout = seq("wTD");
    return v;
  }
  return std::nullopt;
}

Value qkv_part(ImportState& st, const NodeProto& n, const Value& x, size_t axis, int64_t i) {
  const Dims out = st.sample_dims(n.output(0));
  std::string labels = x.layout.axes;
  labels.erase(axis, 1);
  const int64_t part = labelled(x, 'H') * labelled(x, 'D');
  if (i < 0) i += x.dims.at(axis);
  if (i < 0 || i >= x.dims.at(axis)) throw Unmappable{"a part index outside the fused axis"};
  if (labels.find('w') == std::string::npos) {
    const LayerParams p{{"start", ParamValue::of(i * part)},
                        {"count", ParamValue::of(part)},
                        {"axis", ParamValue::of(std::string("channels"))}};
    return st.emit(n, "slice", {x.tensor}, p, seq(labels), out);
  }
  for (char& c : labels)
    if (c == 'w') c = 'W';
  const LayerParams p{{"windows", ParamValue::of(labelled(x, 'w'))},
                      {"start", ParamValue::of(i * part)},
                      {"count", ParamValue::of(part)}};
  return st.emit(n, "transpose", {x.tensor}, p, seq(labels), out);
}

Value fold_windows(const Value& x, int64_t& windows) {
  windows = 1;
  const std::string& a = x.layout.axes;
  if ((x.layout.kind != Layout::Kind::seq && x.layout.kind != Layout::Kind::scores) ||
      a.size() < 2 || a[0] != 'W' || a[1] != 'H' || x.dims.size() != a.size())
    return x;
  Value f = x;
  windows = x.dims[0];
  f.dims.erase(f.dims.begin());
  f.dims[0] *= windows;
  f.layout.axes = a.substr(1);
  return f;
}

}  // namespace ncore::workload::onnx
