// ONNX ops on images [C, H, W]: Conv -> conv2d, BatchNormalization folded into the conv2d/linear
// before it (else an elementwise layer), MaxPool/AveragePool -> maxpool/avgpool and the global
// pools -> global_avgpool, Pad -> folded into the Conv or pool it feeds when it is a zero border
// (DenseNet's and Inception's count_include_pad average pools), else a pad layer. 2-D windows
// only; a dilated window or one whose output size no symmetric padding reproduces is an error.
// A zero Pad folded into a MaxPool becomes the pool's padding, which the IR's maxpool skips where
// ONNX takes the max with 0: the same cost, a different value only where a window is all < 0.
#include <algorithm>
#include <array>

#include "workload/layer_kind.h"
#include "workload/onnx/op_registry.h"

namespace ncore::workload::onnx {
namespace {

// The symmetric padding (and ceil mode) reproducing ONNX's output size along one axis.
std::optional<std::pair<int64_t, bool>> pick_pad(int64_t in, int64_t k, int64_t s, int64_t lo,
                                                 int64_t hi, int64_t out, bool ceil_first,
                                                 bool pool) {
  std::vector<int64_t> pads{(lo + hi + 1) / 2, (lo + hi) / 2};
  for (bool c : {ceil_first, !ceil_first})
    for (int64_t p : pads) {
      if (pool && p * 2 >= k + 1) continue;
      if (static_cast<int64_t>(window_out(static_cast<uint64_t>(in), static_cast<uint64_t>(k),
                                          static_cast<uint64_t>(s), static_cast<uint64_t>(p), c)) ==
          out)
        return std::make_pair(p, c);
    }
  return std::nullopt;
}

using Border = std::array<int64_t, 4>;  // top, left, bottom, right

// Kernel, stride, padding and ceil_mode of a Conv or pool on a [C, H, W] input, with `extra`
// zero rows and columns of a Pad it absorbs added to its own pads.
LayerParams window_params(const NodeProto& n, const Dims& in, const Dims& out, Dims k, bool pool,
                          const Border& extra) {
  if (k.size() != 2) throw Unmappable{"only 2-D windows are supported"};
  Dims s = attr_ints(n, "strides").value_or(Dims{1, 1});
  Dims d = attr_ints(n, "dilations").value_or(Dims{1, 1});
  Dims p = attr_ints(n, "pads").value_or(Dims{0, 0, 0, 0});
  if (s.size() != 2 || p.size() != 4 || d.size() != 2)
    throw Unmappable{"expected 2-D strides, pads and dilations"};
  if (d[0] != 1 || d[1] != 1) throw Unmappable{"dilated windows are not supported"};
  const std::string auto_pad = attr_str(n, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (int a = 0; a < 2; ++a) {
      const int64_t o = (in[1 + a] + s[a] - 1) / s[a];
      const int64_t total = std::max<int64_t>((o - 1) * s[a] + k[a] - in[1 + a], 0);
      p[a] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      p[a + 2] = total - p[a];
    }
  } else if (auto_pad == "VALID") {
    p = {0, 0, 0, 0};
  }
  for (size_t i = 0; i < 4; ++i) p[i] += extra[i];
  const bool ceil_attr = attr_int(n, "ceil_mode", 0) != 0;
  std::array<int64_t, 2> pad{};
  bool ceil_mode = false;
  for (int a = 0; a < 2; ++a) {
    auto r = pick_pad(in[1 + a], k[a], s[a], p[a], p[a + 2], out[1 + a], ceil_attr, pool);
    if (!r)
      throw Unmappable{"no symmetric padding gives the output " + dims_str(out) + " from " +
                       dims_str(in)};
    pad[a] = r->first;
    if (a == 1 && r->second != ceil_mode)
      throw Unmappable{"the two axes need different ceil modes"};
    ceil_mode = r->second;
  }
  auto pairv = [](int64_t a, int64_t b) {
    return a == b ? ParamValue::of(a) : ParamValue::of(std::vector<int64_t>{a, b});
  };
  LayerParams params;
  params.emplace_back("kernel", pairv(k[0], k[1]));
  if (pool || s[0] != 1 || s[1] != 1) params.emplace_back("stride", pairv(s[0], s[1]));
  if (pad[0] || pad[1]) params.emplace_back("padding", pairv(pad[0], pad[1]));
  if (ceil_mode) params.emplace_back("ceil_mode", ParamValue::flag(true));
  return params;
}

const Value& image_in(ImportState& st, const NodeProto& n) {
  const Value* x = st.act_in(n, 0);
  if (!x) throw Unmappable{"its data input is not an activation"};
  if (x->layout.kind != Layout::Kind::chw || x->dims.size() != 3)
    throw Unmappable{"expected an image input [N, C, H, W], got " + dims_str(x->dims)};
  return *x;
}

// The image a Conv or pool reads and its window's parameters. When input 0 is a zero Pad of the
// rows and columns (Tag::padded) that only this node reads, the Pad folds into the window's
// padding (ONNX's pads and the Pad's border add up, then the symmetric padding giving the same
// output is chosen); when no padding the window allows does (a pool's is at most half its
// kernel), the Pad becomes a pad layer and the window keeps its own pads.
struct WindowIn {
  Value x;
  LayerParams params;
  std::string pad_node;  // the Pad folded in, if any
};

WindowIn window_of(ImportState& st, const NodeProto& n, const Dims& out,
                   const std::optional<Dims>& kernel, bool pool) {
  const Value& v = st.val(n.input(0));
  if (v.act() && v.tag == Tag::padded && v.zero_pad && st.uses(n.input(0)) == 1 &&
      attr_str(n, "auto_pad", "NOTSET") == "NOTSET") {
    Value x = v;
    x.tag = Tag::plain;
    x.dims = {v.dims[0], v.dims[1] - v.pad[0] - v.pad[2], v.dims[2] - v.pad[1] - v.pad[3]};
    try {
      LayerParams p = window_params(n, x.dims, out, kernel.value_or(Dims{}), pool, v.pad);
      return {x, p, v.tag_node};
    } catch (const Unmappable&) {  // materialized below
    }
  }
  const Value x = image_in(st, n);
  return {x, window_params(n, x.dims, out, kernel.value_or(Dims{}), pool, Border{}), ""};
}

void conv(ImportState& st, const NodeProto& n) {
  const Value& w = st.val(n.input(1));
  if (!w.free() || w.from_input) throw Unmappable{"the weights are not an initializer"};
  if (w.dims.size() != 4) throw Unmappable{"expected 4-D weights, got " + dims_str(w.dims)};
  const Dims out = st.sample_dims(n.output(0));
  auto [x, params, pad_node] = window_of(
      st, n, out, attr_ints(n, "kernel_shape").value_or(Dims{w.dims[2], w.dims[3]}), false);
  const int64_t g = attr_int(n, "group", 1);
  if (w.dims[1] * g != x.dims[0])
    throw Unmappable{"weights " + dims_str(w.dims) + " do not match " + std::to_string(x.dims[0]) +
                     " input channels in " + std::to_string(g) + " groups"};
  params.insert(params.begin(), {"out_channels", ParamValue::of(w.dims[0])});
  if (g != 1) params.emplace_back("groups", ParamValue::of(g));
  const bool bias = n.input_size() > 2 && !n.input(2).empty();
  params.emplace_back("bias", ParamValue::flag(bias));
  st.note_weights(w);
  st.set_out(n, st.emit(n, "conv2d", {x.tensor}, params, x.layout, out));
  if (!pad_node.empty()) st.spec.layers.back().origin += " + " + pad_node;
}

void batchnorm(ImportState& st, const NodeProto& n) {
  const Value& x = st.val(n.input(0));
  LayerSpec* s = st.fusable_layer(x, n.input(0));
  if (s && (s->kind == "conv2d" || s->kind == "linear")) {
    const ParamValue* a = param(*s, "activation");
    if (!a || a->text == "none") {
      set_param(*s, "bias", ParamValue::flag(true));
      st.note_fused(*s, n);
      st.set_out(n, st.alias(x, n.input(0)));
      return;
    }
  }
  st.elementwise(n, 0);
}

void pool(ImportState& st, const NodeProto& n) {
  if (n.output_size() > 1 && !n.output(1).empty() && st.uses(n.output(1)) > 0)
    throw Unmappable{"MaxPool's indices output is not supported"};
  const auto k = attr_ints(n, "kernel_shape");
  if (!k) throw Unmappable{"no kernel_shape"};
  const Dims out = st.sample_dims(n.output(0));
  const auto [x, params, pad_node] = window_of(st, n, out, k, true);
  st.set_out(n, st.emit(n, n.op_type() == "MaxPool" ? "maxpool" : "avgpool", {x.tensor}, params,
                        x.layout, out));
  if (!pad_node.empty()) st.spec.layers.back().origin += " + " + pad_node;
}

// The border of a Pad: {top, left, bottom, right} of an image's rows and columns (nullopt for a
// Pad that adds nothing), whether it is zero, or an Unmappable for other axes or a crop.
std::optional<std::pair<Border, bool>> pad_border(ImportState& st, const NodeProto& n,
                                                  const Value& x) {
  const std::string mode = attr_str(n, "mode", "constant");
  std::optional<double> value = 0.0;
  Dims p;
  if (st.opset < 11) {
    p = attr_ints(n, "pads").value_or(Dims{});
    if (auto v = attr_float(n, "value")) value = *v;
  } else {
    const auto v = n.input_size() > 1 ? st.const_values(n.input(1)) : std::nullopt;
    if (!v) throw Unmappable{"the pads are not a constant"};
    for (double d : *v) p.push_back(static_cast<int64_t>(d));
    if (n.input_size() > 2 && !n.input(2).empty()) value = st.const_scalar(n.input(2));
    if (n.input_size() > 3 && !n.input(3).empty()) throw Unmappable{"Pad's axes input"};
  }
  if (std::all_of(p.begin(), p.end(), [](int64_t d) { return d == 0; })) return std::nullopt;
  if (x.layout.kind != Layout::Kind::chw || x.dims.size() != 3 || p.size() != 8 || p[0] || p[1] ||
      p[4] || p[5])
    throw Unmappable{"only the rows and columns of an image [N, C, H, W] can be padded"};
  if (std::any_of(p.begin(), p.end(), [](int64_t d) { return d < 0; }))
    throw Unmappable{"negative padding (a crop) is not supported"};
  return std::make_pair(Border{p[2], p[3], p[6], p[7]},
                        mode == "constant" && value && *value == 0.0);
}

// Pad: nothing when it adds no border; on an image's rows and columns a pending pad (Tag::padded)
// that the Conv or pool reading it absorbs when it is zero (window_of), and that any other reader
// sees as a pad layer: a copy on the vector engine with the padded shape, whatever the mode or
// value (they change the border's values, not its cost).
void pad(ImportState& st, const NodeProto& n) {
  const Value x = st.need_act(n, 0);
  const auto border = pad_border(st, n, x);
  Value v = st.alias(x, n.input(0));
  if (!border) return st.set_out(n, v);
  const auto& [b, zero] = *border;
  v.tag = Tag::padded;
  v.tag_node = st.node_name(n);
  v.pad = b;
  v.zero_pad = zero;
  v.fusable = false;
  v.dims = {x.dims[0], x.dims[1] + b[0] + b[2], x.dims[2] + b[1] + b[3]};
  st.set_out(n, v);
}

void global_pool(ImportState& st, const NodeProto& n) {
  const Value x = image_in(st, n);
  st.set_out(n,
             st.emit(n, "global_avgpool", {x.tensor}, {}, x.layout, st.sample_dims(n.output(0))));
}

}  // namespace

NCORE_REGISTER_ONNX_OP("Conv", conv, kOnActivations);
NCORE_REGISTER_ONNX_OP("BatchNormalization", batchnorm, kOnActivations);
NCORE_REGISTER_ONNX_OP("MaxPool", pool, kOnActivations);
NCORE_REGISTER_ONNX_OP("AveragePool", pool, kOnActivations);
NCORE_REGISTER_ONNX_OP("Pad", pad, kFreeOnConstants);
NCORE_REGISTER_ONNX_OP("GlobalAveragePool", global_pool, kOnActivations);
NCORE_REGISTER_ONNX_OP("GlobalMaxPool", global_pool, kOnActivations);

}  // namespace ncore::workload::onnx
