// ONNX ops that take part of an activation: Slice (one axis changed, or two, a slice layer each:
// Swin's x[..., 0::2, 0::2, :]; any positive step, the axes and steps inputs exporters emit) and
// Split (each used output a slice: Hugging Face GPT-2's fused QKV projection split in three) ->
// `slice` layers along the IR axis the activation's layout maps the ONNX axis onto (an image's
// channels, rows or columns, channels-last too; a sequence's tokens or features). A slice of
// heads, of a batch-folded view, a reversed one (negative step) or one changing more than two
// axes at once is an error.
#include <algorithm>

#include "workload/onnx/op_registry.h"
#include "workload/onnx/window_ops.h"

namespace ncore::workload::onnx {
namespace {

const char* const kIrAxes[] = {"channels", "height", "width"};

// The IR axis (0 channels, 1 height, 2 width) that per-sample axis i of x maps onto.
int ir_axis(const Value& x, size_t i) {
  if (x.layout.kind == Layout::Kind::chw && i < 3) return static_cast<int>(i);
  if (x.layout.kind == Layout::Kind::vec && i == 0) return 0;
  if (x.layout.kind == Layout::Kind::hwc && x.layout.axes.empty() && i < 3)
    return i == 2 ? 0 : static_cast<int>(i) + 1;  // [H, W, C]
  if (x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD" && i < 2) return i == 0 ? 1 : 0;
  if (x.layout.kind == Layout::Kind::seq && x.layout.axes == "T" && i == 0) return 1;
  if (windowed(x.layout) && token_features(x.layout) && i + 1 == x.layout.axes.size())
    return 0;  // the features of windowed tokens (MaxViT's Q, K, V sliced from one projection)
  throw Unmappable{"a slice of axis " + std::to_string(i + 1) + " of " + dims_str(x.dims) +
                   " (per sample), which the IR does not hold as channels, rows or columns"};
}

// A slice layer of x along per-sample axis i: count elements from start, every step-th.
Value slice_layer(ImportState& st, const NodeProto& n, const Value& x, size_t i, int64_t start,
                  int64_t step, const Dims& out) {
  const int axis = ir_axis(x, i);
  LayerParams p{{"start", ParamValue::of(start)}, {"count", ParamValue::of(out[i])}};
  if (axis != 1) p.emplace_back("axis", ParamValue::of(std::string(kIrAxes[axis])));
  if (step != 1) p.emplace_back("step", ParamValue::of(step));
  return st.emit(n, "slice", {x.tensor}, p, x.layout, out);
}

std::optional<std::vector<double>> input_values(ImportState& st, const NodeProto& n, int i) {
  if (n.input_size() <= i || n.input(i).empty()) return std::nullopt;
  auto v = st.const_values(n.input(i));
  if (!v) throw Unmappable{"input " + std::to_string(i) + " of the Slice is not a constant"};
  return v;
}

using Values = std::optional<std::vector<double>>;

// The start (clamped) and step of a Slice along per-sample axis i of x.
std::pair<int64_t, int64_t> start_step(const ImportState& st, const Value& x,
                                       const std::vector<double>& starts, const Values& axes,
                                       const Values& steps, size_t i) {
  for (size_t k = 0; k < starts.size(); ++k) {
    const int64_t a = axes && k < axes->size() ? to_int((*axes)[k]) : static_cast<int64_t>(k);
    size_t sa = 0;
    try {
      sa = st.sample_axis(x, a);
    } catch (const Unmappable&) {  // the batch's axis: not the one sliced
      continue;
    }
    if (sa != i) continue;
    const int64_t step = steps && k < steps->size() ? to_int((*steps)[k]) : 1;
    if (step <= 0) throw Unmappable{"a slice with a step below 1 (reversed) is not supported"};
    int64_t start = to_int(starts[k]);
    if (start < 0) start += x.dims[i];
    return {std::clamp<int64_t>(start, 0, x.dims[i]), step};
  }
  throw Unmappable{"the sliced axis is not among the Slice's axes"};
}

void slice(ImportState& st, const NodeProto& n) {
  if (st.folded) throw Unmappable{"a slice of a batch-folded [B * T, F] view"};
  const Value x = st.need_act(n, 0);
  const Dims out = st.sample_dims(n.output(0));
  if (out == x.dims) return st.set_out(n, st.alias(x, n.input(0)));
  Values starts, axes, steps;
  if (st.opset < 10) {
    if (auto s = attr_ints(n, "starts")) starts = std::vector<double>(s->begin(), s->end());
    if (auto a = attr_ints(n, "axes")) axes = std::vector<double>(a->begin(), a->end());
  } else {
    starts = input_values(st, n, 1);
    axes = input_values(st, n, 3);
    steps = input_values(st, n, 4);
  }
  if (!starts || out.size() != x.dims.size()) throw Unmappable{"a Slice without constant starts"};
  std::vector<size_t> changed;
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i] != x.dims[i]) changed.push_back(i);
  if (changed.size() > 2) throw Unmappable{"a slice of more than two axes at once"};
  Value cur = x;  // two axes (Swin's x[..., 0::2, 0::2, :]): one slice layer after the other
  for (size_t i : changed) {
    const auto [start, step] = start_step(st, x, *starts, axes, steps, i);
    Dims d = cur.dims;
    d[i] = out[i];
    cur = slice_layer(st, n, cur, i, start, step, d);
  }
  st.set_out(n, cur);
}

// Split: consecutive parts along one axis, each output that something reads a slice layer.
void split(ImportState& st, const NodeProto& n) {
  if (st.folded) throw Unmappable{"a split of a batch-folded [B * T, F] view"};
  const Value x = st.need_act(n, 0);
  const size_t i = st.sample_axis(x, attr_int(n, "axis", 0));
  int64_t start = 0;
  for (int o = 0; o < n.output_size(); ++o) {
    const Dims out = st.sample_dims(n.output(o));
    if (out.size() != x.dims.size()) throw Unmappable{"an output of another rank"};
    if (st.uses(n.output(o)) > 0) st.set_out(n, slice_layer(st, n, x, i, start, 1, out), o);
    start += out[i];
  }
  if (start != x.dims[i]) throw Unmappable{"the parts do not add up to the input"};
}

}  // namespace

NCORE_REGISTER_ONNX_OP("Slice", slice, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("Split", split, kFreeOnConstants);

}  // namespace ncore::workload::onnx
