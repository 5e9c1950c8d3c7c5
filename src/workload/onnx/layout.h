// How the ONNX importer sees a tensor: a Value (free, an activation or broken), an activation's
// Layout (which per-sample ONNX axes map onto the IR's channels, height and width) and the Tag of
// a pending fused pattern (GELU, LayerNorm, SiLU). Pure data and shape helpers; what the ops do
// with them is in the op family files. Leaves out tensor data (tensor_data.h).
#pragma once
#include <onnx/onnx_pb.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workload/graph.h"

namespace ncore::workload::onnx {

using Dims = std::vector<int64_t>;

// Partial results of the fused patterns (GELU, LayerNorm, SiLU), each about one IR tensor x.
enum class Tag {
  plain,
  gelu_inner,  // erf(x / sqrt 2) or tanh(c (x + 0.044715 x^3)), maybe + 1: x * it is gelu(x)
  cube,        // x^3 (GPT-2's tanh GELU)
  poly,        // x + c x^3
  sigmoid,     // sigmoid(x): x * it is SiLU
  mean,        // mean of x over the features
  centered,    // x - mean
  square,      // centered^2 or x^2
  var,         // mean of square (+ eps)
  stddev,      // sqrt(var)
  rstd,        // 1 / stddev
  padded,      // x with a Pad's border (Value::pad) that a Conv or pool may absorb
};

// Tags an elementwise layer can stand for when the pattern is not completed (same shape as x).
bool elementwise_tag(Tag t);

struct Layout {
  // grouped: an image's channels as two factors [G, C / G, H, W] (a channel shuffle's view);
  // hwc: an image channels-last [H, W, C] (ConvNeXt's blocks), the same IR tensor (C, H, W)
  enum class Kind { chw, vec, seq, scores, grouped, hwc } kind = Kind::chw;
  // seq: per-sample axis labels: T tokens, H heads, D features (per head): "T" (token ids),
  // "TD", "THD", "HTD", "HDT"; scores: "QK" or "HQK". Windowed attention (Swin) adds w, windows
  // along the tokens ("wTD": IR (D, w x T), a label may repeat: "wwTTD" is [Y, X, y, x, C] of
  // windows), W, windows on the channels ("WHTD": IR (W x H x D, T), so each window is a head
  // of the matmul), and S, the 3 of a fused QKV projection ("wTSHD"); scores "WHQK".
  // hwc: "" ([H, W, C]) or "YyXxD": [H / y, y, W / x, x, C], an image cut into windows; chw
  // likewise "" or "DYyXx" (MaxViT).
  std::string axes;
  bool operator==(const Layout& o) const { return kind == o.kind && axes == o.axes; }
};

struct Value {
  enum class Cat { free, act, broken } cat = Cat::free;
  // free values
  bool from_input = false;                    // derived from a secondary graph input
  const ::onnx::TensorProto* init = nullptr;  // an initializer (directly or through Identity)
  // free: the full ONNX dims; act: per sample (batch dropped)
  Dims dims;
  // activations
  std::string tensor;    // the IR tensor: "input" or a layer name
  int layer = -1;        // its index in spec.layers (-1: the model input)
  bool fusable = false;  // the layer's output reaches nothing but this value
  Layout layout;
  Tag tag = Tag::plain;
  std::string tag_node;   // the node that started the pending pattern
  bool poisoned = false;  // follows an import error: later errors are not reported
  bool folded = false;    // a [B * T, F] view: ONNX dim 0 is the batch times the tokens
  // Where the batch is among the ONNX dims: 0 (first), another axis (nn.MultiheadAttention's
  // [T, B, E]), or -1: merged as a unit factor into another axis ([T, B * heads, d]; exports at
  // batch 1 only), so the ONNX dims are the per-sample dims.
  int batch_axis = 0;
  // Tag::padded: the rows and columns added {top, left, bottom, right}; dims are the padded
  // ones. zero_pad: a constant 0 border, which a Conv or pool's own padding can stand for.
  std::array<int64_t, 4> pad{};
  bool zero_pad = false;

  bool act() const { return cat == Cat::act; }
  bool free() const { return cat == Cat::free; }
};

// Dim i of d, 1 past its end.
int64_t dim(const Dims& d, size_t i);
int64_t product(const Dims& d);
std::string dims_str(const Dims& d);  // "[2, 3]"

// The IR shape an activation's layout gives its dims.
Shape ir_shape(const Layout& l, const Dims& d);

// The layout a reshape's output of this rank takes by default.
std::optional<Layout> default_layout(size_t rank);

// d without its unit dims.
Dims squeezed(const Dims& d);

}  // namespace ncore::workload::onnx
