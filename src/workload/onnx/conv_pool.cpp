// ONNX ops on images [C, H, W]: Conv -> conv2d, BatchNormalization folded into the conv2d/linear
// before it (else an elementwise layer), MaxPool/AveragePool -> maxpool/avgpool and the global
// pools -> global_avgpool. 2-D windows only; a dilated window or one whose output size no
// symmetric padding reproduces is an error.
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

// Kernel, stride, padding and ceil_mode of a Conv or pool on a [C, H, W] input.
LayerParams window_params(const NodeProto& n, const Dims& in, const Dims& out, Dims k, bool pool) {
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

void conv(ImportState& st, const NodeProto& n) {
  const Value x = image_in(st, n);
  const Value& w = st.val(n.input(1));
  if (!w.free() || w.from_input) throw Unmappable{"the weights are not an initializer"};
  if (w.dims.size() != 4) throw Unmappable{"expected 4-D weights, got " + dims_str(w.dims)};
  const int64_t g = attr_int(n, "group", 1);
  if (w.dims[1] * g != x.dims[0])
    throw Unmappable{"weights " + dims_str(w.dims) + " do not match " + std::to_string(x.dims[0]) +
                     " input channels in " + std::to_string(g) + " groups"};
  const Dims out = st.sample_dims(n.output(0));
  auto params = window_params(
      n, x.dims, out, attr_ints(n, "kernel_shape").value_or(Dims{w.dims[2], w.dims[3]}), false);
  params.insert(params.begin(), {"out_channels", ParamValue::of(w.dims[0])});
  if (g != 1) params.emplace_back("groups", ParamValue::of(g));
  const bool bias = n.input_size() > 2 && !n.input(2).empty();
  params.emplace_back("bias", ParamValue::flag(bias));
  st.note_weights(w);
  st.set_out(n, st.emit(n, "conv2d", {x.tensor}, params, x.layout, out));
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
  const Value x = image_in(st, n);
  if (n.output_size() > 1 && !n.output(1).empty() && st.uses(n.output(1)) > 0)
    throw Unmappable{"MaxPool's indices output is not supported"};
  const auto k = attr_ints(n, "kernel_shape");
  if (!k) throw Unmappable{"no kernel_shape"};
  const Dims out = st.sample_dims(n.output(0));
  const auto params = window_params(n, x.dims, out, *k, true);
  st.set_out(n, st.emit(n, n.op_type() == "MaxPool" ? "maxpool" : "avgpool", {x.tensor}, params,
                        x.layout, out));
}

// A zero Pad of an image's rows and columns, the same on both sides: a pad layer (a copy on the
// vector engine; folding it into the conv or pool it feeds is issue 13's). Other modes, values,
// axes and asymmetric pads are an error.
void pad(ImportState& st, const NodeProto& n) {
  const Value x = image_in(st, n);
  if (attr_str(n, "mode", "constant") != "constant")
    throw Unmappable{"only constant (zero) padding is supported"};
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
  if (!value || *value != 0.0) throw Unmappable{"only zero padding is supported"};
  if (p.size() != 8 || p[0] || p[1] || p[4] || p[5])
    throw Unmappable{"only the rows and columns of an image [N, C, H, W] can be padded"};
  if (p[2] != p[6] || p[3] != p[7] || p[2] < 0 || p[3] < 0)
    throw Unmappable{"asymmetric or negative padding is not supported"};
  const Dims out{x.dims[0], x.dims[1] + 2 * p[2], x.dims[2] + 2 * p[3]};
  const LayerParams params{{"padding", ParamValue::of(std::vector<int64_t>{p[2], p[3]})}};
  st.set_out(n, st.emit(n, "pad", {x.tensor}, params, x.layout, out));
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
