// ONNX import (importers.h). The file is parsed with libonnx; initializers stored as external
// data are never loaded (only their dims and dtypes are read). A dynamic batch dim (dim 0 of the
// inputs) is set to 1, a fixed one kept and dropped per sample; other dynamic dims are an error.
// ONNX shape inference (with data propagation) then runs, alternating with a constant folding of
// the shape computations exporters emit (Shape -> Gather -> Concat -> Reshape, buffers sliced to
// the sequence length), until every tensor has a shape. The nodes are walked in order and each
// tensor becomes one of:
//  - free: initializers, constants, shape computations and attention masks (anything computed
//    from constants, static shapes and the secondary graph inputs, e.g. attention_mask). Free.
//  - an activation: an IR tensor (the model input or a layer's output) seen through a layout that
//    maps its per-sample ONNX dims onto the IR's (channels, height, width): an image [C, H, W]; a
//    vector [F]; a sequence [T, F] -> (F, T, 1) (token ids [T] -> (1, T, 1)) with its multi-head
//    views [T, heads, d], [heads, T, d], [heads, d, T] (Reshape/Transpose move heads for free) and
//    its batch-folded view [B * T, F] (GPT-2's addmm); attention scores [heads, Tq, Tk] ->
//    (heads x Tk, Tq, 1).
// Mapping (op -> kind):
//  - Conv -> conv2d (groups; auto_pad; asymmetric pads become the symmetric padding that gives
//    the same output size); Gemm, and MatMul with an initializer -> linear (an Add of a bias
//    initializer right after sets `bias`); BatchNormalization -> folded into the conv2d/linear
//    before it (`bias: true`).
//  - MatMul of two activations -> matmul when it is attention's Q K^T (K through a Transpose:
//    `transpose_b`) or P V, `heads` taken from the multi-head views; others are an error.
//  - Relu, Clip with min 0 (relu6), Tanh, Gelu, x * 0.5 * (1 + erf(x / sqrt 2)) and GPT-2's
//    0.5 x (1 + tanh(c (x + 0.044715 x^3))) -> a relu/gelu layer, fused afterwards into the
//    conv2d/linear/add/matmul before it (`activation:`) when that layer has no other reader.
//  - LayerNormalization and the ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div pattern (also with
//    Reciprocal/Mul, and x / sqrt(mean(x^2)) forms) -> layernorm; the scale and shift are free.
//  - Add/Sub/Mul/Div of an activation and a constant or mask -> free (a scale or shift the
//    neighbouring layer absorbs: the 1/sqrt(d) score scaling, the mask add, a LayerNorm's affine);
//    Where/Expand masking an activation -> free.
//  - Add of two activations -> add (a chain of adds merges into one add of up to 8 inputs);
//    Sub/Mul/Div of two same-shape activations -> add (the same one lane-cycle per element).
//  - MaxPool, AveragePool -> maxpool/avgpool; GlobalAveragePool, GlobalMaxPool, ReduceMean over
//    H and W or over the tokens -> global_avgpool; Softmax, LogSoftmax over the last axis ->
//    softmax; Flatten/Reshape of an image -> flatten (nothing when it is already C x 1 x 1).
//  - Gather from a 2-D float initializer -> embedding: indexed by the input (token ids) or a
//    secondary input (token types), or `broadcast` when the indices are constant (position ids)
//    and there are no more tokens than rows; Gather/Slice of a sequence's tokens -> slice.
//  - Identity, Dropout, Cast, Squeeze, Unsqueeze, Shape and reshapes that only move heads or
//    unit dims -> nothing.
//  - Other elementwise ops (Sigmoid, HardSwish, LeakyRelu, Exp, an Erf outside the GELU, x *
//    sigmoid(x), a broadcast Mul of activations as in squeeze-excitation) and a BatchNormalization
//    with no conv/linear before it -> a `relu` layer named after the node: the IR's vector cost of
//    one lane-cycle per element (a broadcast Mul reads only its larger input; a standalone
//    BatchNormalization's scale and shift are not counted as parameters).
// Anything else (Concat, Split or Tile of activations, LSTM, Resize, Pad, dilated convs, transposes
// that move the batch, ...) is one ImportError listing every unsupported op type with its node
// names (the walk goes on past the first, errors that follow from it are not repeated); nothing
// is skipped silently. Each layer's IR output shape is checked against ONNX's inferred shape.
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "workload/importers.h"
#include "workload/layer_kind.h"

namespace ncore::workload {
namespace {

using Dims = std::vector<int64_t>;

// A supported op used in a way the IR cannot express: recorded as "Op (node n: why)".
struct Unmappable {
  std::string why;
  bool op_level = false;  // the op is not supported on activations at all (Concat, Split)
};

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
};

// Tags an elementwise layer can stand for when the pattern is not completed (same shape as x).
bool elementwise_tag(Tag t) {
  return t == Tag::gelu_inner || t == Tag::cube || t == Tag::poly || t == Tag::sigmoid ||
         t == Tag::centered || t == Tag::square;
}

struct Layout {
  enum class Kind { chw, vec, seq, scores } kind = Kind::chw;
  // seq: per-sample axis labels: T tokens, H heads, D features (per head): "T" (token ids),
  // "TD", "THD", "HTD", "HDT"; scores: "QK" or "HQK".
  std::string axes;
  bool operator==(const Layout& o) const { return kind == o.kind && axes == o.axes; }
};

struct Value {
  enum class Cat { free, act, broken } cat = Cat::free;
  // free values
  bool from_input = false;                  // derived from a secondary graph input
  const onnx::TensorProto* init = nullptr;  // an initializer (directly or through Identity)
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

  bool act() const { return cat == Cat::act; }
  bool free() const { return cat == Cat::free; }
};

int64_t dim(const Dims& d, size_t i) {
  return i < d.size() ? d[i] : 1;
}

int64_t product(const Dims& d) {
  int64_t p = 1;
  for (int64_t x : d) p *= x;
  return p;
}

std::string dims_str(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

// The IR shape an activation's layout gives its dims.
Shape ir_shape(const Layout& l, const Dims& d) {
  auto u = [](int64_t x) { return static_cast<uint64_t>(x); };
  auto at = [&](char label) -> int64_t {
    const size_t i = l.axes.find(label);
    return i == std::string::npos ? 1 : dim(d, i);
  };
  switch (l.kind) {
    case Layout::Kind::chw:
      return Shape{u(dim(d, 0)), u(dim(d, 1)), u(dim(d, 2))};
    case Layout::Kind::vec:
      return Shape{u(dim(d, 0)), 1, 1};
    case Layout::Kind::seq:
      return Shape{u(at('H') * at('D')), u(at('T')), 1};
    case Layout::Kind::scores:
      return Shape{u(at('H') * at('K')), u(at('Q')), 1};
  }
  return {};
}

// The layout a reshape's output of this rank takes by default.
std::optional<Layout> default_layout(size_t rank) {
  if (rank == 1) return Layout{Layout::Kind::vec, ""};
  if (rank == 2) return Layout{Layout::Kind::seq, "TD"};
  if (rank == 3) return Layout{Layout::Kind::chw, ""};
  return std::nullopt;
}

Dims squeezed(const Dims& d) {
  Dims out;
  for (int64_t x : d)
    if (x != 1) out.push_back(x);
  return out;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

// The values of a small constant tensor stored in the file (not external data).
std::optional<std::vector<double>> tensor_values(const onnx::TensorProto& t) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) return std::nullopt;
  int64_t n = 1;
  for (int64_t d : t.dims()) n *= d;
  if (n > 4096) return std::nullopt;
  std::vector<double> out;
  const std::string& raw = t.raw_data();
  auto from_raw = [&](auto sample) {
    using T = decltype(sample);
    if (raw.size() != static_cast<size_t>(n) * sizeof(T)) return false;
    for (int64_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
      out.push_back(static_cast<double>(v));
    }
    return true;
  };
  const bool has_raw = t.has_raw_data();
  bool ok = true;
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (has_raw)
        ok = from_raw(float{});
      else
        out.assign(t.float_data().begin(), t.float_data().end());
      break;
    case onnx::TensorProto::DOUBLE:
      if (has_raw)
        ok = from_raw(double{});
      else
        out.assign(t.double_data().begin(), t.double_data().end());
      break;
    case onnx::TensorProto::INT64:
      if (has_raw)
        ok = from_raw(int64_t{});
      else
        out.assign(t.int64_data().begin(), t.int64_data().end());
      break;
    case onnx::TensorProto::INT32:
      if (has_raw)
        ok = from_raw(int32_t{});
      else
        out.assign(t.int32_data().begin(), t.int32_data().end());
      break;
    case onnx::TensorProto::INT8:
      if (has_raw)
        ok = from_raw(int8_t{});
      else
        out.assign(t.int32_data().begin(), t.int32_data().end());
      break;
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL:
      if (has_raw)
        ok = from_raw(uint8_t{});
      else
        out.assign(t.int32_data().begin(), t.int32_data().end());
      break;
    case onnx::TensorProto::FLOAT16:
      if (has_raw) {
        if (raw.size() != static_cast<size_t>(n) * 2) return std::nullopt;
        for (int64_t i = 0; i < n; ++i) {
          uint16_t h;
          std::memcpy(&h, raw.data() + i * 2, 2);
          out.push_back(half_to_float(h));
        }
      } else {
        for (int32_t h : t.int32_data()) out.push_back(half_to_float(static_cast<uint16_t>(h)));
      }
      break;
    default:
      return std::nullopt;
  }
  if (!ok || out.size() != static_cast<size_t>(n)) return std::nullopt;
  return out;
}

bool is_float_type(int32_t t) {
  return t == onnx::TensorProto::FLOAT || t == onnx::TensorProto::FLOAT16 ||
         t == onnx::TensorProto::BFLOAT16 || t == onnx::TensorProto::DOUBLE ||
         t == onnx::TensorProto::INT8 || t == onnx::TensorProto::UINT8;
}

const char* type_name(int32_t t) {
  switch (t) {
    case onnx::TensorProto::FLOAT:
      return "fp32";
    case onnx::TensorProto::FLOAT16:
      return "fp16";
    case onnx::TensorProto::BFLOAT16:
      return "bf16";
    case onnx::TensorProto::DOUBLE:
      return "fp64";
    case onnx::TensorProto::INT8:
      return "int8";
    case onnx::TensorProto::UINT8:
      return "uint8";
    default:
      return "other";
  }
}

// ---- constant folding of shape computations ---------------------------------------------------
// Exporters compute shapes at run time (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, a
// buffer sliced to the sequence length, ...); ONNX's shape inference does not see through all of
// it. fold_shapes() evaluates the integer tensors computed from constants and static shapes and
// turns their nodes into Constant nodes, and records the dims of other constant-derived tensors
// (float ones, or those whose data is external) as value_info, before inference runs again.
struct CTensor {
  Dims dims;
  std::vector<double> v;  // row-major values; empty when only the dims are known
  int32_t type = onnx::TensorProto::INT64;
  bool known() const { return static_cast<int64_t>(v.size()) == product(dims); }
};

bool integer_type(int32_t t) {
  return t == onnx::TensorProto::INT64 || t == onnx::TensorProto::INT32 ||
         t == onnx::TensorProto::INT8 || t == onnx::TensorProto::UINT8 ||
         t == onnx::TensorProto::BOOL;
}

std::optional<Dims> broadcast(const Dims& a, const Dims& b) {
  Dims out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[out.size() - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<double> broadcast_values(const CTensor& t, const Dims& out) {
  const int64_t n = product(out);
  std::vector<double> r(static_cast<size_t>(n));
  Dims idx(out.size(), 0);
  const size_t off = out.size() - t.dims.size();
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < t.dims.size(); ++d)
      src = src * t.dims[d] + (t.dims[d] == 1 ? 0 : idx[d + off]);
    r[static_cast<size_t>(i)] = t.v[static_cast<size_t>(src)];
    for (size_t d = out.size(); d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return r;
}

int64_t to_int(double d) {
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return static_cast<int64_t>(d);
}

std::optional<double> elementwise_value(const std::string& op, const std::vector<double>& x,
                                        bool integer) {
  const double a = x[0], b = x.size() > 1 ? x[1] : 0;
  if (op == "Add") return a + b;
  if (op == "Sub") return a - b;
  if (op == "Mul") return a * b;
  if (op == "Div") {
    if (b == 0) return std::nullopt;
    return integer ? std::trunc(a / b) : a / b;
  }
  if (op == "Equal") return a == b;
  if (op == "Less") return a < b;
  if (op == "Greater") return a > b;
  if (op == "LessOrEqual") return a <= b;
  if (op == "GreaterOrEqual") return a >= b;
  if (op == "Max") return std::max(a, b);
  if (op == "Min") return std::min(a, b);
  if (op == "And") return a != 0 && b != 0;
  if (op == "Or") return a != 0 || b != 0;
  if (op == "Not") return a == 0;
  if (op == "Neg") return -a;
  if (op == "Abs") return std::fabs(a);
  if (op == "Where") return a != 0 ? b : x[2];
  return std::nullopt;
}

class ShapeFolder {
 public:
  ShapeFolder(onnx::GraphProto& g, const std::map<std::string, Dims>& shapes)
      : m_g(g), m_shapes(shapes) {}

  // Folds what it can; true when the model changed (inference should run again).
  bool run() {
    for (const auto& t : m_g.initializer()) {
      CTensor c;
      c.dims.assign(t.dims().begin(), t.dims().end());
      c.type = t.data_type();
      if (auto v = tensor_values(t)) c.v = *v;
      m_known[t.name()] = c;
      if (c.dims.size() == 2) m_tables.insert(t.name());
    }
    bool changed = false;
    for (auto& n : *m_g.mutable_node()) {
      if (n.op_type() == "Constant") {
        for (const auto& a : n.attribute())
          if (a.name() == "value") {
            CTensor c;
            c.dims.assign(a.t().dims().begin(), a.t().dims().end());
            c.type = a.t().data_type();
            if (auto v = tensor_values(a.t())) c.v = *v;
            m_known[n.output(0)] = c;
          }
        continue;
      }
      if (n.output_size() != 1 || !(n.domain().empty() || n.domain() == "ai.onnx")) continue;
      if (n.op_type() == "Gather" && m_tables.count(n.input(0))) continue;  // an embedding
      std::optional<CTensor> r;
      try {
        r = eval(n);
      } catch (const std::exception&) {
        r.reset();
      }
      if (!r) continue;
      m_known[n.output(0)] = *r;
      if (r->known() && integer_type(r->type) && r->v.size() <= 4096) {
        to_constant(n, *r);
        changed = true;
      } else if (!has_full_shape(n.output(0))) {
        onnx::ValueInfoProto* vi = nullptr;
        for (auto& v : *m_g.mutable_value_info())
          if (v.name() == n.output(0)) vi = &v;
        if (!vi) vi = m_g.add_value_info();
        vi->set_name(n.output(0));
        auto* tt = vi->mutable_type()->mutable_tensor_type();
        tt->clear_shape();
        tt->set_elem_type(r->type);
        auto* sh = tt->mutable_shape();
        for (int64_t d : r->dims) sh->add_dim()->set_dim_value(d);
        changed = true;
      }
    }
    return changed;
  }

 private:
  bool has_full_shape(const std::string& name) const {
    auto it = m_shapes.find(name);
    if (it == m_shapes.end()) return false;
    return std::all_of(it->second.begin(), it->second.end(), [](int64_t d) { return d >= 0; });
  }

  const CTensor* in(const onnx::NodeProto& n, int i) const {
    if (i >= n.input_size() || n.input(i).empty()) return nullptr;
    auto it = m_known.find(n.input(i));
    return it == m_known.end() ? nullptr : &it->second;
  }

  const CTensor* need(const onnx::NodeProto& n, int i, bool values) const {
    const CTensor* t = in(n, i);
    if (!t || (values && !t->known())) throw std::runtime_error("unknown");
    return t;
  }

  static int64_t attr_i(const onnx::NodeProto& n, const std::string& k, int64_t fallback) {
    for (const auto& a : n.attribute())
      if (a.name() == k) return a.i();
    return fallback;
  }

  static std::optional<Dims> attr_is(const onnx::NodeProto& n, const std::string& k) {
    for (const auto& a : n.attribute())
      if (a.name() == k) return Dims(a.ints().begin(), a.ints().end());
    return std::nullopt;
  }

  static Dims ints(const CTensor& t) {
    Dims d;
    for (double x : t.v) d.push_back(to_int(x));
    return d;
  }

  // The axes of Squeeze/Unsqueeze/ReduceX: an attribute (older opsets) or input 1.
  Dims axes_of(const onnx::NodeProto& n) const {
    if (auto a = attr_is(n, "axes")) return *a;
    if (const CTensor* t = in(n, 1)) {
      if (!t->known()) throw std::runtime_error("unknown");
      return ints(*t);
    }
    return {};
  }

  std::optional<CTensor> eval(const onnx::NodeProto& n) const {
    const std::string& op = n.op_type();
    CTensor r;
    if (op == "Shape" || op == "Size") {
      auto it = m_shapes.find(n.input(0));
      if (it == m_shapes.end()) return std::nullopt;
      for (int64_t d : it->second)
        if (d < 0) return std::nullopt;
      const Dims& d = it->second;
      if (op == "Size") {
        r.v = {static_cast<double>(product(d))};
        return r;
      }
      const int64_t rank = static_cast<int64_t>(d.size());
      int64_t start = attr_i(n, "start", 0), end = attr_i(n, "end", rank);
      if (start < 0) start += rank;
      if (end < 0) end += rank;
      start = std::clamp<int64_t>(start, 0, rank);
      end = std::clamp<int64_t>(end, start, rank);
      for (int64_t i = start; i < end; ++i) r.v.push_back(static_cast<double>(d[i]));
      r.dims = {end - start};
      return r;
    }
    if (op == "Identity") return *need(n, 0, false);
    if (op == "Cast") {
      r = *need(n, 0, false);
      r.type = static_cast<int32_t>(attr_i(n, "to", r.type));
      if (r.type == onnx::TensorProto::BOOL)
        for (auto& x : r.v) x = x != 0;
      else if (integer_type(r.type))
        for (auto& x : r.v) x = std::trunc(x);
      return r;
    }
    if (op == "Unsqueeze" || op == "Squeeze") {
      r = *need(n, 0, false);
      Dims axes = axes_of(n);
      if (op == "Unsqueeze") {
        const int64_t rank = static_cast<int64_t>(r.dims.size() + axes.size());
        for (auto& a : axes)
          if (a < 0) a += rank;
        std::sort(axes.begin(), axes.end());
        for (int64_t a : axes) r.dims.insert(r.dims.begin() + a, 1);
      } else {
        const int64_t rank = static_cast<int64_t>(r.dims.size());
        for (auto& a : axes)
          if (a < 0) a += rank;
        Dims out;
        for (int64_t i = 0; i < rank; ++i) {
          const bool drop =
              axes.empty() ? r.dims[i] == 1 : std::find(axes.begin(), axes.end(), i) != axes.end();
          if (!drop) out.push_back(r.dims[i]);
        }
        r.dims = out;
      }
      return r;
    }
    if (op == "Reshape") {
      r = *need(n, 0, false);
      Dims shape = ints(*need(n, 1, true));
      int64_t known = 1, infer = -1;
      for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 0 && attr_i(n, "allowzero", 0) == 0) shape[i] = r.dims.at(i);
        if (shape[i] == -1)
          infer = static_cast<int64_t>(i);
        else
          known *= shape[i];
      }
      if (infer >= 0) shape[static_cast<size_t>(infer)] = known ? product(r.dims) / known : 0;
      if (product(shape) != product(r.dims)) return std::nullopt;
      r.dims = shape;
      return r;
    }
    if (op == "Gather") {
      const CTensor& data = *need(n, 0, false);
      const CTensor& idx = *need(n, 1, true);
      const int64_t rank = static_cast<int64_t>(data.dims.size());
      int64_t axis = attr_i(n, "axis", 0);
      if (axis < 0) axis += rank;
      if (axis < 0 || axis >= rank) return std::nullopt;
      r.type = data.type;
      r.dims.assign(data.dims.begin(), data.dims.begin() + axis);
      r.dims.insert(r.dims.end(), idx.dims.begin(), idx.dims.end());
      r.dims.insert(r.dims.end(), data.dims.begin() + axis + 1, data.dims.end());
      if (!data.known()) return r;
      const int64_t outer = product(Dims(data.dims.begin(), data.dims.begin() + axis));
      const int64_t inner = product(Dims(data.dims.begin() + axis + 1, data.dims.end()));
      const int64_t len = data.dims[static_cast<size_t>(axis)];
      for (int64_t o = 0; o < outer; ++o)
        for (double x : idx.v) {
          int64_t i = to_int(x);
          if (i < 0) i += len;
          if (i < 0 || i >= len) return std::nullopt;
          for (int64_t k = 0; k < inner; ++k)
            r.v.push_back(data.v[static_cast<size_t>((o * len + i) * inner + k)]);
        }
      return r;
    }
    if (op == "Slice") {
      const CTensor& data = *need(n, 0, false);
      Dims starts, ends, axes, steps;
      if (auto s = attr_is(n, "starts")) {
        starts = *s;
        ends = attr_is(n, "ends").value_or(Dims{});
        axes = attr_is(n, "axes").value_or(Dims{});
      } else {
        starts = ints(*need(n, 1, true));
        ends = ints(*need(n, 2, true));
        if (in(n, 3)) axes = ints(*need(n, 3, true));
        if (in(n, 4)) steps = ints(*need(n, 4, true));
      }
      const int64_t rank = static_cast<int64_t>(data.dims.size());
      if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
      if (steps.empty()) steps.assign(starts.size(), 1);
      if (ends.size() != starts.size() || axes.size() != starts.size() ||
          steps.size() != starts.size())
        return std::nullopt;
      Dims lo(data.dims.size(), 0), step(data.dims.size(), 1);
      r.dims = data.dims;
      r.type = data.type;
      for (size_t i = 0; i < starts.size(); ++i) {
        int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
        if (a < 0 || a >= rank || steps[i] == 0) return std::nullopt;
        const int64_t len = data.dims[static_cast<size_t>(a)];
        int64_t s = starts[i] < 0 ? starts[i] + len : starts[i];
        int64_t e = ends[i] < 0 && ends[i] > INT64_MIN / 2 ? ends[i] + len : ends[i];
        int64_t cnt;
        if (steps[i] > 0) {
          s = std::clamp<int64_t>(s, 0, len);
          e = std::clamp<int64_t>(e, 0, len);
          cnt = e > s ? (e - s + steps[i] - 1) / steps[i] : 0;
        } else {
          s = std::clamp<int64_t>(s, 0, len - 1);
          e = std::clamp<int64_t>(e, -1, len - 1);
          cnt = s > e ? (s - e - steps[i] - 1) / -steps[i] : 0;
        }
        lo[static_cast<size_t>(a)] = s;
        step[static_cast<size_t>(a)] = steps[i];
        r.dims[static_cast<size_t>(a)] = cnt;
      }
      if (!data.known()) return r;
      const int64_t total = product(r.dims);
      Dims idx(r.dims.size(), 0);
      for (int64_t k = 0; k < total; ++k) {
        int64_t src = 0;
        for (size_t d = 0; d < idx.size(); ++d) src = src * data.dims[d] + lo[d] + idx[d] * step[d];
        r.v.push_back(data.v[static_cast<size_t>(src)]);
        for (size_t d = idx.size(); d-- > 0;) {
          if (++idx[d] < r.dims[d]) break;
          idx[d] = 0;
        }
      }
      return r;
    }
    if (op == "Concat") {
      std::vector<const CTensor*> parts;
      for (int i = 0; i < n.input_size(); ++i) parts.push_back(need(n, i, false));
      if (parts.empty()) return std::nullopt;
      const int64_t rank = static_cast<int64_t>(parts[0]->dims.size());
      int64_t axis = attr_i(n, "axis", 0);
      if (axis < 0) axis += rank;
      if (axis < 0 || axis >= rank) return std::nullopt;
      r.dims = parts[0]->dims;
      r.type = parts[0]->type;
      r.dims[static_cast<size_t>(axis)] = 0;
      bool all = true;
      for (const CTensor* t : parts) {
        if (static_cast<int64_t>(t->dims.size()) != rank) return std::nullopt;
        r.dims[static_cast<size_t>(axis)] += t->dims[static_cast<size_t>(axis)];
        all = all && t->known();
      }
      if (!all) return r;
      const int64_t outer = product(Dims(r.dims.begin(), r.dims.begin() + axis));
      for (int64_t o = 0; o < outer; ++o)
        for (const CTensor* t : parts) {
          const int64_t chunk = product(Dims(t->dims.begin() + axis, t->dims.end()));
          for (int64_t k = 0; k < chunk; ++k)
            r.v.push_back(t->v[static_cast<size_t>(o * chunk + k)]);
        }
      return r;
    }
    if (op == "ConstantOfShape") {
      r.dims = ints(*need(n, 0, true));
      double value = 0;
      r.type = onnx::TensorProto::FLOAT;
      for (const auto& a : n.attribute())
        if (a.name() == "value") {
          r.type = a.t().data_type();
          if (auto v = tensor_values(a.t()); v && v->size() == 1) value = (*v)[0];
        }
      if (product(r.dims) <= 4096) r.v.assign(static_cast<size_t>(product(r.dims)), value);
      return r;
    }
    if (op == "Range") {
      const double start = need(n, 0, true)->v.at(0), limit = need(n, 1, true)->v.at(0),
                   delta = need(n, 2, true)->v.at(0);
      if (delta == 0) return std::nullopt;
      const int64_t cnt = std::max<int64_t>(to_int(std::ceil((limit - start) / delta)), 0);
      r.type = need(n, 0, true)->type;
      r.dims = {cnt};
      if (cnt <= 4096)
        for (int64_t i = 0; i < cnt; ++i) r.v.push_back(start + static_cast<double>(i) * delta);
      return r;
    }
    if (op == "Expand") {
      const CTensor& data = *need(n, 0, false);
      auto out = broadcast(data.dims, ints(*need(n, 1, true)));
      if (!out) return std::nullopt;
      r.dims = *out;
      r.type = data.type;
      if (data.known() && product(r.dims) <= 4096) r.v = broadcast_values(data, r.dims);
      return r;
    }
    static const std::set<std::string> elementwise{
        "Add", "Sub", "Mul", "Div", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
        "Max", "Min", "And", "Or",  "Not",   "Neg",  "Abs",     "Where"};
    if (elementwise.count(op)) {
      std::vector<const CTensor*> xs;
      for (int i = 0; i < n.input_size(); ++i) xs.push_back(need(n, i, false));
      Dims out = xs[0]->dims;
      for (const CTensor* t : xs) {
        auto b = broadcast(out, t->dims);
        if (!b) return std::nullopt;
        out = *b;
      }
      r.dims = out;
      r.type = op == "Where" ? xs[1]->type : xs[0]->type;
      static const std::set<std::string> logical{"Equal",          "Less", "Greater", "LessOrEqual",
                                                 "GreaterOrEqual", "And",  "Or",      "Not"};
      if (logical.count(op)) r.type = onnx::TensorProto::BOOL;
      const bool all =
          std::all_of(xs.begin(), xs.end(), [](const CTensor* t) { return t->known(); });
      if (!all || product(out) > 4096) return r;
      std::vector<std::vector<double>> vals;
      for (const CTensor* t : xs) vals.push_back(broadcast_values(*t, out));
      for (size_t i = 0; i < static_cast<size_t>(product(out)); ++i) {
        std::vector<double> x;
        for (const auto& v : vals) x.push_back(v[i]);
        auto y = elementwise_value(op, x, integer_type(xs[0]->type));
        if (!y) return std::nullopt;
        r.v.push_back(*y);
      }
      return r;
    }
    return std::nullopt;
  }

  static void to_constant(onnx::NodeProto& n, const CTensor& c) {
    onnx::TensorProto t;
    t.set_data_type(c.type);
    for (int64_t d : c.dims) t.add_dims(d);
    for (double x : c.v) {
      if (c.type == onnx::TensorProto::INT64)
        t.add_int64_data(to_int(x));
      else
        t.add_int32_data(static_cast<int32_t>(to_int(x)));
    }
    n.set_op_type("Constant");
    n.clear_input();
    n.clear_attribute();
    auto* a = n.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    *a->mutable_t() = t;
  }

  onnx::GraphProto& m_g;
  const std::map<std::string, Dims>& m_shapes;
  std::map<std::string, CTensor> m_known;
  std::set<std::string> m_tables;  // 2-D initializers: a Gather from one is an embedding
};

// Ops whose outputs are free when all their inputs are: shape arithmetic, masks, constants.
const std::set<std::string>& free_ops() {
  static const std::set<std::string> s{"Identity",
                                       "Constant",
                                       "Shape",
                                       "Size",
                                       "Gather",
                                       "Unsqueeze",
                                       "Squeeze",
                                       "Cast",
                                       "CastLike",
                                       "Dropout",
                                       "Reshape",
                                       "Transpose",
                                       "Concat",
                                       "Slice",
                                       "Split",
                                       "Expand",
                                       "Where",
                                       "Equal",
                                       "Less",
                                       "LessOrEqual",
                                       "Greater",
                                       "GreaterOrEqual",
                                       "Not",
                                       "And",
                                       "Or",
                                       "Xor",
                                       "ConstantOfShape",
                                       "Range",
                                       "Tile",
                                       "Add",
                                       "Sub",
                                       "Mul",
                                       "Div",
                                       "Pow",
                                       "Sqrt",
                                       "Neg",
                                       "Reciprocal",
                                       "Abs",
                                       "Floor",
                                       "Ceil",
                                       "Round",
                                       "Min",
                                       "Max",
                                       "Exp",
                                       "Log",
                                       "Trilu",
                                       "CumSum",
                                       "ReduceMean",
                                       "ReduceSum",
                                       "ReduceProd",
                                       "ReduceMax",
                                       "ReduceMin",
                                       "NonZero",
                                       "Sign",
                                       "IsNaN",
                                       "IsInf",
                                       "Mod",
                                       "Clip",
                                       "Sigmoid",
                                       "Tanh",
                                       "Erf",
                                       "Softmax",
                                       "Flatten",
                                       "Relu",
                                       "ArgMax",
                                       "ArgMin",
                                       "GatherElements",
                                       "ScatterND",
                                       "OneHot",
                                       "EyeLike"};
  return s;
}

// Elementwise ops with one activation input that become a relu-kind vector layer.
const std::set<std::string>& unary_ops() {
  static const std::set<std::string> s{
      "Sigmoid",  "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Selu", "Celu", "Softplus",
      "Softsign", "Exp",         "Log",       "Abs",       "Neg", "Erf",  "Sqrt", "Reciprocal",
      "Floor",    "Ceil",        "Round",     "Sign",      "Sin", "Cos",  "Mish", "ThresholdedRelu",
      "PRelu",    "Not"};
  return s;
}

// Ops the importer maps when they compute on activations (others are free only on constants).
const std::set<std::string>& handled_ops() {
  static const std::set<std::string> s = [] {
    std::set<std::string> h{"Conv",        "BatchNormalization", "Relu",          "Tanh",
                            "Gelu",        "FastGelu",           "Clip",          "MaxPool",
                            "AveragePool", "GlobalAveragePool",  "GlobalMaxPool", "Gemm",
                            "MatMul",      "LayerNormalization", "LogSoftmax"};
    h.insert(free_ops().begin(), free_ops().end());
    h.insert(unary_ops().begin(), unary_ops().end());
    return h;
  }();
  return s;
}

class Importer {
 public:
  explicit Importer(std::string path) : m_path(std::move(path)) {}

  ModelSpec run() {
    load();
    prepare_inputs();
    infer();
    index();
    for (int i = 0; i < m_graph->node_size(); ++i) visit(m_graph->node(i));
    for (const auto& out : m_graph->output()) {
      auto it = m_vals.find(out.name());
      if (it != m_vals.end() && it->second.act() && it->second.tag != Tag::plain) {
        try {
          materialize(out.name());
        } catch (const Unmappable& u) {
          add_issue("output", out.name(), u.why);
        }
      }
    }
    report_issues();
    fuse_activations();
    sort_layers();
    m_spec.source_note = source_note();
    check_shapes();
    return m_spec;
  }

 private:
  // ---- loading ----------------------------------------------------------------------------
  void load() {
    std::ifstream in(m_path, std::ios::binary);
    if (!in) throw ImportError(m_path + ": cannot open file");
    if (!m_model.ParseFromIstream(&in))
      throw ImportError(m_path + ": not an ONNX model (the protobuf does not parse)");
    if (!m_model.has_graph() || m_model.graph().node_size() == 0)
      throw ImportError(m_path + ": the ONNX model has no graph nodes");
    for (const auto& o : m_model.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") m_opset = o.version();
    m_spec.file = m_path;
    m_spec.name = std::filesystem::path(m_path).stem().string();
    m_graph = m_model.mutable_graph();
  }

  // The first graph input that is not an initializer is the model input; a dynamic batch dim
  // (dim 0) becomes 1; any other dynamic dim is an error (the IR needs fixed sizes).
  void prepare_inputs() {
    std::set<std::string> inits;
    for (const auto& t : m_graph->initializer()) inits.insert(t.name());
    std::vector<std::string> dynamic;
    for (auto& in : *m_graph->mutable_input()) {
      if (inits.count(in.name())) continue;
      if (!in.type().has_tensor_type() || !in.type().tensor_type().has_shape())
        throw ImportError(m_path + ": input '" + in.name() + "' has no tensor shape");
      auto* shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
      if (shape->dim_size() < 2)
        throw ImportError(m_path + ": input '" + in.name() +
                          "' needs a batch dim and at least one more dim");
      for (int d = 0; d < shape->dim_size(); ++d) {
        auto* dd = shape->mutable_dim(d);
        if (dd->has_dim_value() && dd->dim_value() > 0) continue;
        if (d == 0) {
          dd->set_dim_value(1);
          continue;
        }
        dynamic.push_back("'" + in.name() + "' axis " + std::to_string(d) +
                          (dd->has_dim_param() ? " (" + dd->dim_param() + ")" : ""));
      }
      if (m_input_names.empty()) m_batch = shape->dim(0).dim_value();
      m_input_names.push_back(in.name());
    }
    if (m_input_names.empty()) throw ImportError(m_path + ": the model has no inputs");
    if (!dynamic.empty()) {
      std::string s;
      for (const auto& d : dynamic) s += (s.empty() ? "" : ", ") + d;
      throw ImportError(m_path + ": dynamic input dims other than the batch: " + s +
                        " (fix them to the simulated sizes before importing)");
    }
  }

  // Shape inference, and constant folding of shape computations until nothing changes.
  void infer() {
    for (int round = 0; round < 16; ++round) {
      infer_once();
      if (!ShapeFolder(*m_graph, m_shapes).run()) break;
    }
  }

  void infer_once() {
    try {
      onnx::shape_inference::InferShapes(m_model, onnx::OpSchemaRegistry::Instance(),
                                         onnx::ShapeInferenceOptions(false, 0, true));
    } catch (const std::exception& e) {
      throw ImportError(m_path + ": ONNX shape inference failed: " + e.what());
    }
    m_shapes.clear();
    m_types.clear();
    auto add = [&](const onnx::ValueInfoProto& v) {
      if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
      Dims d;
      for (const auto& x : v.type().tensor_type().shape().dim())
        d.push_back(x.has_dim_value() ? x.dim_value() : -1);
      m_shapes[v.name()] = d;
      m_types[v.name()] = v.type().tensor_type().elem_type();
    };
    for (const auto& v : m_graph->input()) add(v);
    for (const auto& v : m_graph->value_info()) add(v);
    for (const auto& v : m_graph->output()) add(v);
  }

  void index() {
    for (const auto& t : m_graph->initializer()) {
      Value v;
      v.init = &t;
      v.dims.assign(t.dims().begin(), t.dims().end());
      m_vals[t.name()] = v;
      m_consts[t.name()] = &t;
      m_shapes[t.name()] = v.dims;
      m_types[t.name()] = t.data_type();
    }
    for (const auto& n : m_graph->node())
      for (const auto& i : n.input())
        if (!i.empty()) ++m_uses[i];
    for (const auto& o : m_graph->output()) ++m_uses[o.name()];
    for (size_t i = 0; i < m_input_names.size(); ++i) {
      const std::string& name = m_input_names[i];
      Value v;
      v.dims = m_shapes[name];
      if (i > 0) {  // a secondary input: masks, token types
        v.from_input = true;
        m_vals[name] = v;
        continue;
      }
      v.cat = Value::Cat::act;
      v.tensor = "input";
      v.dims.erase(v.dims.begin());
      const bool ids =
          m_types[name] == onnx::TensorProto::INT64 || m_types[name] == onnx::TensorProto::INT32;
      const size_t r = v.dims.size();
      if (r == 3)
        v.layout = Layout{Layout::Kind::chw, ""};
      else if (r == 2)
        v.layout = Layout{Layout::Kind::seq, "TD"};
      else if (r == 1)
        v.layout = ids ? Layout{Layout::Kind::seq, "T"} : Layout{Layout::Kind::vec, ""};
      else
        throw ImportError(m_path + ": input '" + name + "' has " + std::to_string(r + 1) +
                          " dims (expected [N, C, H, W], [N, T, F], [N, F] or token ids [N, T])");
      m_spec.input = ir_shape(v.layout, v.dims);
      m_vals[name] = v;
    }
  }

  // ---- helpers ----------------------------------------------------------------------------
  const std::string& node_name(const onnx::NodeProto& n) const {
    return n.name().empty() ? n.output(0) : n.name();
  }

  std::string origin(const onnx::NodeProto& n) const { return m_path + ": node " + node_name(n); }

  std::string layer_name(const onnx::NodeProto& n) {
    std::string base = node_name(n);
    while (!base.empty() && base[0] == '/') base.erase(0, 1);
    if (base.empty() || base == "input") base = n.op_type() + "_" + base;
    std::string name = base;
    for (int k = 2; m_names.count(name); ++k) name = base + "_" + std::to_string(k);
    m_names.insert(name);
    return name;
  }

  int uses(const std::string& tensor) const {
    auto it = m_uses.find(tensor);
    return it == m_uses.end() ? 0 : it->second;
  }

  int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback) const {
    for (const auto& a : n.attribute())
      if (a.name() == name) return a.i();
    return fallback;
  }

  std::optional<float> attr_float(const onnx::NodeProto& n, const std::string& name) const {
    for (const auto& a : n.attribute())
      if (a.name() == name) return a.f();
    return std::nullopt;
  }

  std::optional<Dims> attr_ints(const onnx::NodeProto& n, const std::string& name) const {
    for (const auto& a : n.attribute())
      if (a.name() == name) return Dims(a.ints().begin(), a.ints().end());
    return std::nullopt;
  }

  std::string attr_str(const onnx::NodeProto& n, const std::string& name,
                       const std::string& fallback) const {
    for (const auto& a : n.attribute())
      if (a.name() == name) return a.s();
    return fallback;
  }

  // The values of a constant input (an initializer or a Constant node's output), if stored.
  std::optional<std::vector<double>> const_values(const std::string& tensor) const {
    auto it = m_consts.find(tensor);
    if (it == m_consts.end()) return std::nullopt;
    return tensor_values(*it->second);
  }

  std::optional<double> const_scalar(const std::string& tensor) const {
    auto v = const_values(tensor);
    if (!v || v->size() != 1) return std::nullopt;
    return (*v)[0];
  }

  // The inferred shape of a tensor (all dims known) or an Unmappable.
  Dims full_dims(const std::string& tensor) const {
    auto it = m_shapes.find(tensor);
    if (it == m_shapes.end())
      throw Unmappable{"shape inference gave no shape for '" + tensor + "'"};
    for (int64_t d : it->second)
      if (d < 0) throw Unmappable{"shape inference left '" + tensor + "' with an unknown dim"};
    return it->second;
  }

  // Per-sample dims of an activation: dim 0 must be the batch (or 1, broadcast over it); in a
  // batch-folded view ([B * T, F], the current node reads one) dim 0 is B times the tokens.
  Dims sample_dims(const std::string& tensor) const {
    Dims d = full_dims(tensor);
    if (d.empty()) throw Unmappable{"'" + tensor + "' is a scalar, expected a batch dim"};
    if (m_folded) {
      if (d[0] % m_batch != 0)
        throw Unmappable{"'" + tensor + "' " + dims_str(d) + ": dim 0 is not batch x tokens"};
      d[0] /= m_batch;
      return d;
    }
    if (d[0] != m_batch && d[0] != 1)
      throw Unmappable{"'" + tensor + "' " + dims_str(d) +
                       ": dim 0 is not the batch (the batch folded into another axis?)"};
    d.erase(d.begin());
    return d;
  }

  Value& val(const std::string& tensor) { return m_vals.at(tensor); }

  Value make_act(const std::string& tensor, int layer, Layout layout, Dims dims) {
    Value v;
    v.cat = Value::Cat::act;
    v.tensor = tensor;
    v.layer = layer;
    v.fusable = layer >= 0;
    v.layout = std::move(layout);
    v.dims = std::move(dims);
    return v;
  }

  // A layer named after node n; its output is an activation with the given layout and dims.
  Value emit(const onnx::NodeProto& n, const std::string& kind, std::vector<std::string> inputs,
             std::vector<std::pair<std::string, ParamValue>> params, Layout layout, Dims dims) {
    LayerSpec s;
    s.name = layer_name(n);
    s.kind = kind;
    s.inputs = std::move(inputs);
    s.params = std::move(params);
    s.origin = origin(n);
    m_spec.layers.push_back(s);
    m_expected.push_back(ir_shape(layout, dims));
    Value v = make_act(s.name, static_cast<int>(m_spec.layers.size()) - 1, std::move(layout),
                       std::move(dims));
    v.folded = m_folded;
    return v;
  }

  // The same IR tensor seen through a free op (Identity, a scale, a mask, a reshape).
  Value alias(const Value& v, const std::string& in_tensor) const {
    Value a = v;
    a.fusable = v.fusable && uses(in_tensor) == 1;
    return a;
  }

  // The layer producing v when nothing else reads its output (v read `n_uses` times by the node
  // or pattern about to fuse into it).
  LayerSpec* fusable_layer(const Value& v, const std::string& tensor, int n_uses = 1) {
    if (!v.act() || v.tag != Tag::plain || v.layer < 0 || !v.fusable || uses(tensor) != n_uses)
      return nullptr;
    return &m_spec.layers[static_cast<size_t>(v.layer)];
  }

  static const ParamValue* param(const LayerSpec& s, const std::string& key) {
    for (const auto& [k, v] : s.params)
      if (k == key) return &v;
    return nullptr;
  }

  static void set_param(LayerSpec& s, const std::string& key, ParamValue v) {
    for (auto& [k, old] : s.params)
      if (k == key) {
        old = std::move(v);
        return;
      }
    s.params.emplace_back(key, std::move(v));
  }

  void note_fused(LayerSpec& s, const onnx::NodeProto& n) { s.origin += " + " + node_name(n); }

  // A pending pattern value used as a plain activation: an elementwise layer named after the
  // node that started it (or an Unmappable for the reduced statistics of a LayerNorm).
  Value& materialize(const std::string& tensor) {
    Value& v = val(tensor);
    if (!v.act() || v.tag == Tag::plain) return v;
    if (!elementwise_tag(v.tag))
      throw Unmappable{"a reduction over the features outside a LayerNorm pattern (started at " +
                       v.tag_node + ")"};
    const onnx::NodeProto* start = m_nodes_by_name.at(v.tag_node);
    const bool folded = m_folded;
    m_folded = v.folded;
    v = emit(*start, "relu", {v.tensor}, {}, v.layout, v.dims);
    m_folded = folded;
    return v;
  }

  // Input i of node n as a plain activation (pending patterns materialized), or nullptr when
  // it is free (or absent).
  const Value* act_in(const onnx::NodeProto& n, int i) {
    if (i >= n.input_size() || n.input(i).empty()) return nullptr;
    Value& v = val(n.input(i));
    if (!v.act()) return nullptr;
    return &materialize(n.input(i));
  }

  Value need_act(const onnx::NodeProto& n, int i) {
    const Value* v = act_in(n, i);
    if (!v) throw Unmappable{"its data input is not an activation"};
    return *v;
  }

  void set_out(const onnx::NodeProto& n, Value v, int out = 0) {
    if (out < n.output_size() && !n.output(out).empty()) m_vals[n.output(out)] = std::move(v);
  }

  void add_issue(const std::string& op, const std::string& node, const std::string& why) {
    m_issues.push_back(op + " (node " + node + ": " + why + ")");
  }

  // ---- the walk ---------------------------------------------------------------------------
  void visit(const onnx::NodeProto& n) {
    m_nodes_by_name[node_name(n)] = &n;
    const std::string& op = n.op_type();
    const bool std_domain = n.domain().empty() || n.domain() == "ai.onnx";
    bool broken = false, poisoned = false, folded = false, any_act = false, any_input = false;
    for (const auto& i : n.input()) {
      if (i.empty()) continue;
      auto it = m_vals.find(i);
      if (it == m_vals.end()) {  // an input no node produced
        broken = true;
        add_issue(op, node_name(n), "input '" + i + "' is produced by no earlier node");
        break;
      }
      if (it->second.cat == Value::Cat::broken) broken = true;
      if (it->second.poisoned) poisoned = true;
      if (it->second.folded) folded = true;
      if (it->second.act()) any_act = true;
      if (it->second.from_input) any_input = true;
    }
    m_folded = folded;
    if (!(std_domain || op == "Gelu" || op == "FastGelu") || !handled_ops().count(op)) {
      m_unsupported[std_domain ? op : n.domain() + "." + op].push_back(node_name(n));
      return placeholders(n);
    }
    if (broken) {
      Value b;
      b.cat = Value::Cat::broken;
      for (int o = 0; o < n.output_size(); ++o) set_out(n, b, o);
      return;
    }
    try {
      if (!any_act && op != "Gather" && (free_ops().count(op) || unary_ops().count(op)))
        free_node(n, any_input);
      else
        dispatch(n);
      if (poisoned)
        for (const auto& o : n.output())
          if (m_vals.count(o)) m_vals[o].poisoned = true;
    } catch (const Unmappable& u) {
      if (u.op_level) {
        m_unsupported[op].push_back(node_name(n));
        m_reason[op] = u.why;
      } else if (!poisoned) {
        add_issue(op, node_name(n), u.why);
      }
      placeholders(n);
    } catch (const std::exception& e) {  // a malformed node (a missing input, a bad attribute)
      if (!poisoned) add_issue(op, node_name(n), std::string("cannot read the node: ") + e.what());
      placeholders(n);
    }
  }

  // After an error: outputs that let the walk go on (to find every unsupported op) without
  // reporting errors that follow from the first.
  void placeholders(const onnx::NodeProto& n) {
    std::string tensor = "input";
    for (const auto& i : n.input())
      if (!i.empty() && m_vals.count(i) && m_vals[i].act()) tensor = m_vals[i].tensor;
    for (int o = 0; o < n.output_size(); ++o) {
      Value v;
      v.cat = Value::Cat::broken;
      try {
        const Dims d = sample_dims(n.output(o));
        if (auto l = default_layout(d.size())) v = make_act(tensor, -1, *l, d);
      } catch (const Unmappable&) {
      }
      v.poisoned = true;
      set_out(n, v, o);
    }
  }

  void free_node(const onnx::NodeProto& n, bool from_input) {
    for (int o = 0; o < n.output_size(); ++o) {
      if (n.output(o).empty()) continue;
      Value v;
      v.from_input = from_input;
      auto it = m_shapes.find(n.output(o));
      if (it != m_shapes.end()) v.dims = it->second;
      if (n.op_type() == "Identity" && n.input_size() == 1) {
        v.init = val(n.input(0)).init;
        auto c = m_consts.find(n.input(0));
        if (c != m_consts.end()) m_consts[n.output(o)] = c->second;
        if (v.init) v.dims = val(n.input(0)).dims;
      }
      if (n.op_type() == "Constant") record_constant(n);
      m_vals[n.output(o)] = v;
    }
  }

  void record_constant(const onnx::NodeProto& n) {
    for (const auto& a : n.attribute()) {
      onnx::TensorProto t;
      if (a.name() == "value") {
        t = a.t();
      } else if (a.name() == "value_float") {
        t.set_data_type(onnx::TensorProto::FLOAT);
        t.add_float_data(a.f());
      } else if (a.name() == "value_int") {
        t.set_data_type(onnx::TensorProto::INT64);
        t.add_int64_data(a.i());
      } else if (a.name() == "value_floats") {
        t.set_data_type(onnx::TensorProto::FLOAT);
        t.add_dims(a.floats_size());
        for (float f : a.floats()) t.add_float_data(f);
      } else if (a.name() == "value_ints") {
        t.set_data_type(onnx::TensorProto::INT64);
        t.add_dims(a.ints_size());
        for (int64_t i : a.ints()) t.add_int64_data(i);
      } else {
        continue;
      }
      m_owned.push_back(t);
      m_consts[n.output(0)] = &m_owned.back();
    }
  }

  // Handles a node with at least one activation input (or a Gather); false: unsupported op.
  void dispatch(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    if (op == "Identity" || op == "Dropout" || op == "Cast" || op == "CastLike") {
      return set_out(n, alias(val(n.input(0)), n.input(0)));
    }
    if (op == "Shape" || op == "Size") return free_node(n, false);  // shapes are static
    if (op == "Conv") return conv(n);
    if (op == "BatchNormalization") return batchnorm(n);
    if (op == "Relu") return activation(n, "relu");
    if (op == "Tanh") return tanh(n);
    if (op == "Gelu" || op == "FastGelu") return activation(n, "gelu");
    if (op == "Clip") return clip(n);
    if (op == "MaxPool" || op == "AveragePool") return pool(n);
    if (op == "GlobalAveragePool" || op == "GlobalMaxPool") return global_pool(n);
    if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze")
      return reshape(n);
    if (op == "Transpose") return transpose(n);
    if (op == "Gemm") return gemm(n);
    if (op == "MatMul") return matmul(n);
    if (op == "Add") return add(n);
    if (op == "Sub") return sub(n);
    if (op == "Mul") return mul(n);
    if (op == "Div") return div(n);
    if (op == "Pow") return pow(n);
    if (op == "Sqrt") return sqrt(n);
    if (op == "Reciprocal") return reciprocal(n);
    if (op == "Erf") return erf(n);
    if (op == "Sigmoid") return sigmoid(n);
    if (op == "ReduceMean") return reduce_mean(n);
    if (op == "Softmax" || op == "LogSoftmax") return softmax(n);
    if (op == "LayerNormalization") return layernorm_op(n);
    if (op == "Gather") return gather(n);
    if (op == "Slice") return slice(n);
    if (op == "Where" || op == "Expand") return where_expand(n);
    if (op == "Concat") return concat(n);
    if (op == "Split" || op == "Tile")
      throw Unmappable{"splitting or tiling activations is not supported", true};
    if (unary_ops().count(op)) return elementwise(n, 0);
    throw Unmappable{"not supported on activations", true};
  }

  // ---- ops --------------------------------------------------------------------------------
  // The symmetric padding (and ceil mode) reproducing ONNX's output size along one axis.
  std::optional<std::pair<int64_t, bool>> pick_pad(int64_t in, int64_t k, int64_t s, int64_t lo,
                                                   int64_t hi, int64_t out, bool ceil_first,
                                                   bool pool) const {
    std::vector<int64_t> pads{(lo + hi + 1) / 2, (lo + hi) / 2};
    for (bool c : {ceil_first, !ceil_first})
      for (int64_t p : pads) {
        if (pool && p * 2 >= k + 1) continue;
        if (static_cast<int64_t>(window_out(static_cast<uint64_t>(in), static_cast<uint64_t>(k),
                                            static_cast<uint64_t>(s), static_cast<uint64_t>(p),
                                            c)) == out)
          return std::make_pair(p, c);
      }
    return std::nullopt;
  }

  // Kernel, stride, padding and ceil_mode of a Conv or pool on a [C, H, W] input.
  std::vector<std::pair<std::string, ParamValue>> window_params(const onnx::NodeProto& n,
                                                                const Dims& in, const Dims& out,
                                                                Dims k, bool pool) {
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
    std::vector<std::pair<std::string, ParamValue>> params;
    params.emplace_back("kernel", pairv(k[0], k[1]));
    if (pool || s[0] != 1 || s[1] != 1) params.emplace_back("stride", pairv(s[0], s[1]));
    if (pad[0] || pad[1]) params.emplace_back("padding", pairv(pad[0], pad[1]));
    if (ceil_mode) params.emplace_back("ceil_mode", ParamValue::flag(true));
    return params;
  }

  const Value& image_in(const onnx::NodeProto& n) {
    const Value* x = act_in(n, 0);
    if (!x) throw Unmappable{"its data input is not an activation"};
    if (x->layout.kind != Layout::Kind::chw || x->dims.size() != 3)
      throw Unmappable{"expected an image input [N, C, H, W], got " + dims_str(x->dims)};
    return *x;
  }

  void conv(const onnx::NodeProto& n) {
    const Value x = image_in(n);
    const Value& w = val(n.input(1));
    if (!w.free() || w.from_input) throw Unmappable{"the weights are not an initializer"};
    if (w.dims.size() != 4) throw Unmappable{"expected 4-D weights, got " + dims_str(w.dims)};
    const int64_t g = attr_int(n, "group", 1);
    if (w.dims[1] * g != x.dims[0])
      throw Unmappable{"weights " + dims_str(w.dims) + " do not match " +
                       std::to_string(x.dims[0]) + " input channels in " + std::to_string(g) +
                       " groups"};
    const Dims out = sample_dims(n.output(0));
    auto params = window_params(
        n, x.dims, out, attr_ints(n, "kernel_shape").value_or(Dims{w.dims[2], w.dims[3]}), false);
    params.insert(params.begin(), {"out_channels", ParamValue::of(w.dims[0])});
    if (g != 1) params.emplace_back("groups", ParamValue::of(g));
    const bool bias = n.input_size() > 2 && !n.input(2).empty();
    params.emplace_back("bias", ParamValue::flag(bias));
    note_weights(w);
    set_out(n, emit(n, "conv2d", {x.tensor}, params, x.layout, out));
  }

  void batchnorm(const onnx::NodeProto& n) {
    const Value& x = val(n.input(0));
    LayerSpec* s = fusable_layer(x, n.input(0));
    if (s && (s->kind == "conv2d" || s->kind == "linear")) {
      const ParamValue* a = param(*s, "activation");
      if (!a || a->text == "none") {
        set_param(*s, "bias", ParamValue::flag(true));
        note_fused(*s, n);
        set_out(n, alias(x, n.input(0)));
        return;
      }
    }
    elementwise(n, 0);
  }

  // Relu, Tanh, Gelu: a layer, fused into its producer by fuse_activations() when it can be.
  void activation(const onnx::NodeProto& n, const std::string& act, int i = 0) {
    const Value x = need_act(n, i);
    set_out(n, emit_activation(n, act, x));
  }

  Value emit_activation(const onnx::NodeProto& n, const std::string& act, const Value& x) {
    Value v = emit(n, act == "gelu" ? "gelu" : "relu", {x.tensor}, {}, x.layout, x.dims);
    m_act_layers[v.layer] = act;
    return v;
  }

  void tanh(const onnx::NodeProto& n) {
    Value x = val(n.input(0));
    if (x.tag == Tag::poly) {  // GPT-2's gelu: tanh(sqrt(2/pi) (x + 0.044715 x^3))
      x.tag = Tag::gelu_inner;
      x.tag_node = node_name(n);
      set_out(n, x);
      return;
    }
    activation(n, "tanh");
  }

  void clip(const onnx::NodeProto& n) {
    std::optional<double> lo;
    if (m_opset < 11) {
      if (auto f = attr_float(n, "min")) lo = *f;
    } else if (n.input_size() > 1 && !n.input(1).empty()) {
      lo = const_scalar(n.input(1));
    }
    if (lo && *lo == 0.0) return activation(n, "relu");  // relu6 and the like
    elementwise(n, 0);
  }

  // A one-input elementwise op as a relu-kind vector layer named after the node.
  void elementwise(const onnx::NodeProto& n, int i) {
    const Value* x = act_in(n, i);
    if (!x) throw Unmappable{"its data input is not an activation"};
    set_out(n, emit(n, "relu", {x->tensor}, {}, x->layout, x->dims));
  }

  void erf(const onnx::NodeProto& n) {
    Value x = val(n.input(0));
    if (x.tag != Tag::plain) return elementwise(n, 0);
    x.tag = Tag::gelu_inner;
    x.tag_node = node_name(n);
    x.fusable = false;
    set_out(n, x);
  }

  void sigmoid(const onnx::NodeProto& n) {
    Value x = val(n.input(0));
    if (x.tag != Tag::plain) return elementwise(n, 0);
    x.tag = Tag::sigmoid;
    x.tag_node = node_name(n);
    x.fusable = false;
    set_out(n, x);
  }

  void pool(const onnx::NodeProto& n) {
    const Value x = image_in(n);
    if (n.output_size() > 1 && !n.output(1).empty() && uses(n.output(1)) > 0)
      throw Unmappable{"MaxPool's indices output is not supported"};
    const auto k = attr_ints(n, "kernel_shape");
    if (!k) throw Unmappable{"no kernel_shape"};
    const Dims out = sample_dims(n.output(0));
    const auto params = window_params(n, x.dims, out, *k, true);
    set_out(n, emit(n, n.op_type() == "MaxPool" ? "maxpool" : "avgpool", {x.tensor}, params,
                    x.layout, out));
  }

  void global_pool(const onnx::NodeProto& n) {
    const Value x = image_in(n);
    set_out(n, emit(n, "global_avgpool", {x.tensor}, {}, x.layout, sample_dims(n.output(0))));
  }

  // Reshape, Flatten, Squeeze, Unsqueeze of an activation: free when only the view changes
  // (heads split or merged, unit dims), a flatten layer when an image becomes a vector.
  void reshape(const onnx::NodeProto& n) {
    const Value* xp = act_in(n, 0);
    if (!xp) throw Unmappable{"its data input is not an activation"};
    const Value x = *xp;
    // [B, T, F] <-> [B * T, F] (Hugging Face GPT-2's Conv1D: an addmm on a 2-D view): free
    const Dims full = full_dims(n.output(0));
    Value v = alias(x, n.input(0));
    v.folded = false;
    Dims out = full;
    if (!full.empty() && full[0] == m_batch) {
      out.erase(out.begin());
    } else if (full.size() == 2 && m_batch > 0 && full[0] % m_batch == 0 &&
               x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD" &&
               full[0] / m_batch == x.dims[0] && full[1] == x.dims[1]) {
      out[0] /= m_batch;
      v.folded = true;
    } else {
      throw Unmappable{"cannot map " + dims_str(x.dims) + " -> " + dims_str(full) +
                       " (with the batch) onto the per-sample IR"};
    }
    const Dims& in = x.dims;
    v.dims = out;
    if (out == in) return set_out(n, v);
    if (v.folded) throw Unmappable{"a batch-folded view that also changes the per-sample shape"};
    if (x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD" && out.size() == 3 &&
        out[0] == in[0] && out[1] * out[2] == in[1]) {  // [T, F] -> [T, heads, d]
      v.layout.axes = "THD";
      return set_out(n, v);
    }
    if (x.layout.kind == Layout::Kind::seq && x.layout.axes == "THD" && out.size() == 2 &&
        out[0] == in[0] && out[1] == in[1] * in[2]) {  // [T, heads, d] -> [T, F]
      v.layout.axes = "TD";
      return set_out(n, v);
    }
    const auto def = default_layout(out.size());
    if (def && squeezed(in) == squeezed(out) && ir_shape(*def, out) == ir_shape(x.layout, in) &&
        x.layout.kind != Layout::Kind::scores &&
        (x.layout.kind != Layout::Kind::seq || x.layout.axes == "TD")) {
      v.layout = *def;
      return set_out(n, v);
    }
    if (out.size() == 1 && product(out) == product(in) && x.layout.kind != Layout::Kind::scores) {
      Value f = emit(n, "flatten", {x.tensor}, {}, Layout{Layout::Kind::vec, ""}, out);
      return set_out(n, f);
    }
    throw Unmappable{"cannot map " + dims_str(in) + " -> " + dims_str(out) +
                     " onto the per-sample IR"};
  }

  void transpose(const onnx::NodeProto& n) {
    const Value* xp = act_in(n, 0);
    if (!xp) throw Unmappable{"its data input is not an activation"};
    const Value x = *xp;
    const auto perm = attr_ints(n, "perm");
    if (x.folded) throw Unmappable{"a transpose of a batch-folded [B * T, F] view"};
    Value v = alias(x, n.input(0));
    v.dims = sample_dims(n.output(0));
    if (!perm || perm->size() != x.dims.size() + 1 || (*perm)[0] != 0)
      throw Unmappable{"only transposes that keep the batch first are supported"};
    bool identity = true;
    for (size_t i = 0; i < perm->size(); ++i) identity = identity && (*perm)[i] == int64_t(i);
    if (identity) return set_out(n, v);
    if (x.layout.kind != Layout::Kind::seq)
      throw Unmappable{"only transposes of token/head/feature axes are supported (input " +
                       dims_str(x.dims) + ")"};
    std::string axes;
    for (size_t i = 1; i < perm->size(); ++i)
      axes += x.layout.axes.at(static_cast<size_t>((*perm)[i] - 1));
    v.layout.axes = axes;
    set_out(n, v);
  }

  // A weight matrix [K, N] (or [N, K] with trans) from an initializer.
  std::pair<int64_t, int64_t> weight_kn(const Value& w, bool trans) {
    if (!w.free() || w.from_input || w.dims.size() != 2)
      throw Unmappable{"expected a 2-D weight initializer, got " + dims_str(w.dims)};
    note_weights(w);
    return trans ? std::make_pair(w.dims[1], w.dims[0]) : std::make_pair(w.dims[0], w.dims[1]);
  }

  const Value& features_in(const onnx::NodeProto& n, int i) {
    const Value* x = act_in(n, i);
    if (!x) throw Unmappable{"its data input is not an activation"};
    const bool ok = x->layout.kind == Layout::Kind::vec ||
                    (x->layout.kind == Layout::Kind::seq && x->layout.axes == "TD") ||
                    (x->layout.kind == Layout::Kind::chw && x->dims.size() == 3 &&
                     x->dims[1] == 1 && x->dims[2] == 1);
    if (!ok)
      throw Unmappable{"expected [N, F] or [N, T, F] features, got " + dims_str(x->dims) +
                       " per sample"};
    return *x;
  }

  void linear(const onnx::NodeProto& n, const Value& x, int64_t k, int64_t out_f, bool bias) {
    if (static_cast<uint64_t>(k) != ir_shape(x.layout, x.dims).c)
      throw Unmappable{"weights of " + std::to_string(k) + " inputs on " +
                       std::to_string(ir_shape(x.layout, x.dims).c) + " features"};
    const Dims out = sample_dims(n.output(0));
    Layout l = x.layout.kind == Layout::Kind::chw ? Layout{Layout::Kind::vec, ""} : x.layout;
    if (l.kind == Layout::Kind::seq && out.size() != 2) l = *default_layout(out.size());
    set_out(n, emit(n, "linear", {x.tensor},
                    {{"out_features", ParamValue::of(out_f)}, {"bias", ParamValue::flag(bias)}}, l,
                    out));
  }

  void gemm(const onnx::NodeProto& n) {
    if (attr_int(n, "transA", 0) != 0) throw Unmappable{"transA is not supported"};
    if (!val(n.input(0)).act()) throw Unmappable{"its data input is not an activation"};
    const Value x = features_in(n, 0);
    const auto [k, m] = weight_kn(val(n.input(1)), attr_int(n, "transB", 0) != 0);
    linear(n, x, k, m, n.input_size() > 2 && !n.input(2).empty());
  }

  void matmul(const onnx::NodeProto& n) {
    const Value& a0 = val(n.input(0));
    const Value& b0 = val(n.input(1));
    if (!a0.act()) throw Unmappable{"a constant times an activation is not supported"};
    if (!b0.act()) {
      const Value x = features_in(n, 0);
      const auto [k, m] = weight_kn(b0, false);
      return linear(n, x, k, m, false);
    }
    const Value a = need_act(n, 0);
    const Value b = need_act(n, 1);
    const Dims out = sample_dims(n.output(0));
    const bool seq_a = a.layout.kind == Layout::Kind::seq,
               seq_b = b.layout.kind == Layout::Kind::seq;
    auto heads_of = [](const Value& v) {
      const size_t i = v.layout.axes.find('H');
      return i == std::string::npos ? int64_t{1} : v.dims[i];
    };
    // scores = Q K^T: Q [heads, T, d], K^T [heads, d, T] (K through a Transpose)
    if (seq_a && seq_b &&
        ((a.layout.axes == "HTD" && b.layout.axes == "HDT" && a.dims[0] == b.dims[0]) ||
         (a.layout.axes == "TD" && b.layout.axes == "DT"))) {
      const int64_t h = heads_of(a);
      Layout l{Layout::Kind::scores, h > 1 || a.layout.axes == "HTD" ? "HQK" : "QK"};
      std::vector<std::pair<std::string, ParamValue>> p;
      if (h > 1) p.emplace_back("heads", ParamValue::of(h));
      p.emplace_back("transpose_b", ParamValue::flag(true));
      return set_out(n, emit(n, "matmul", {a.tensor, b.tensor}, p, l, out));
    }
    // context = P V: P [heads, Tq, Tk], V [heads, Tk, d]
    if (a.layout.kind == Layout::Kind::scores && seq_b &&
        ((a.layout.axes == "HQK" && b.layout.axes == "HTD") ||
         (a.layout.axes == "QK" && b.layout.axes == "TD"))) {
      const int64_t h = heads_of(b);
      std::vector<std::pair<std::string, ParamValue>> p;
      if (h > 1) p.emplace_back("heads", ParamValue::of(h));
      return set_out(n, emit(n, "matmul", {a.tensor, b.tensor}, p,
                             Layout{Layout::Kind::seq, b.layout.axes}, out));
    }
    throw Unmappable{"a product of two activations other than attention's Q K^T or P V (" +
                     dims_str(a.dims) + " x " + dims_str(b.dims) + ")"};
  }

  // Two activations elementwise: an add layer (merged into a preceding add when it can be).
  void binary_acts(const onnx::NodeProto& n, bool merge) {
    const Value a = need_act(n, 0);
    const Value b = need_act(n, 1);
    const Shape sa = ir_shape(a.layout, a.dims), sb = ir_shape(b.layout, b.dims);
    if (!(sa == sb)) {
      if (merge)
        throw Unmappable{"adding activations of different shapes " + dims_str(a.dims) + " and " +
                         dims_str(b.dims)};
      // a broadcast product (a squeeze-excitation scale): elementwise over the larger input
      const Value& big = sa.elems() >= sb.elems() ? a : b;
      set_out(n, emit(n, "relu", {big.tensor}, {}, big.layout, big.dims));
      return;
    }
    if (merge) {
      for (int i = 0; i < 2; ++i) {
        const Value& x = i == 0 ? a : b;
        const Value& y = i == 0 ? b : a;
        LayerSpec* s = fusable_layer(x, n.input(i));
        if (!s || s->kind != "add" || s->inputs.size() >= 8 || param(*s, "activation")) continue;
        s->inputs.push_back(y.tensor);
        note_fused(*s, n);
        set_out(n, alias(x, n.input(i)));
        return;
      }
    }
    const Layout l = a.layout.kind == Layout::Kind::scores ? a.layout : b.layout;
    set_out(n, emit(n, "add", {a.tensor, b.tensor}, {}, l, a.layout == l ? a.dims : b.dims));
  }

  // One activation and one free operand: free (a scale, shift or mask), pending tags kept.
  void with_constant(const onnx::NodeProto& n, int act_index) {
    Value v = alias(val(n.input(act_index)), n.input(act_index));
    if (v.tag == Tag::plain) {
      Dims d = sample_dims(n.output(0));
      if (d.size() == v.dims.size()) v.dims = d;
    }
    set_out(n, v);
  }

  bool same_x(const Value& a, const Value& b) const {
    return a.act() && b.act() && a.tensor == b.tensor;
  }

  void add(const onnx::NodeProto& n) {
    const Value& a = val(n.input(0));
    const Value& b = val(n.input(1));
    if (a.act() != b.act()) {
      const int ai = a.act() ? 0 : 1;
      const Value& x = ai == 0 ? a : b;
      const Value& c = ai == 0 ? b : a;
      // a bias after a MatMul (or a bias-less Conv): the linear's bias
      LayerSpec* s = fusable_layer(x, n.input(ai));
      const ParamValue* bias = s ? param(*s, "bias") : nullptr;
      if (s && bias && !bias->boolean && !c.from_input && !param(*s, "activation")) {
        const ParamValue* width = param(*s, s->kind == "linear" ? "out_features" : "out_channels");
        if (width && product(squeezed(c.dims)) == width->integer && squeezed(c.dims).size() <= 1) {
          set_param(*s, "bias", ParamValue::flag(true));
          note_fused(*s, n);
        }
      }
      return with_constant(n, ai);
    }
    // GPT-2's gelu: x + 0.044715 x^3
    if (same_x(a, b) && ((a.tag == Tag::plain && b.tag == Tag::cube) ||
                         (a.tag == Tag::cube && b.tag == Tag::plain))) {
      Value v = a.tag == Tag::cube ? a : b;
      v.tag = Tag::poly;
      return set_out(n, v);
    }
    binary_acts(n, true);
  }

  // Concat of activations along the channels (NCHW axis 1, or the features of a vector).
  void concat(const onnx::NodeProto& n) {
    std::vector<std::string> ins;
    Dims dims;
    Layout layout;
    for (int i = 0; i < n.input_size(); ++i) {
      const Value x = need_act(n, i);
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
    set_out(n, emit(n, "concat", ins, {}, layout, dims));
  }

  void sub(const onnx::NodeProto& n) {
    const Value& a = val(n.input(0));
    const Value& b = val(n.input(1));
    if (a.act() != b.act()) return with_constant(n, a.act() ? 0 : 1);
    if (same_x(a, b) && a.tag == Tag::plain && b.tag == Tag::mean) {
      Value v = b;
      v.tag = Tag::centered;
      v.tag_node = node_name(n);
      return set_out(n, v);
    }
    binary_acts(n, false);
  }

  Value layernorm_of(const onnx::NodeProto& n, const Value& x) {
    return emit(n, "layernorm", {x.tensor}, {}, x.layout, x.dims);
  }

  void mul(const onnx::NodeProto& n) {
    const Value& a = val(n.input(0));
    const Value& b = val(n.input(1));
    if (a.act() != b.act()) return with_constant(n, a.act() ? 0 : 1);
    if (same_x(a, b)) {
      const Value& p = a.tag == Tag::plain ? a : b;  // the plain operand, if any
      const Value& q = a.tag == Tag::plain ? b : a;
      if (p.tag == Tag::plain && q.tag == Tag::gelu_inner)  // x * (1 + erf(x / sqrt 2))
        return set_out(n, emit_activation(n, "gelu", p));
      if (p.tag == Tag::plain && q.tag == Tag::sigmoid)  // SiLU: one elementwise op
        return set_out(n, emit(n, "relu", {p.tensor}, {}, p.layout, p.dims));
      if ((p.tag == Tag::plain || p.tag == Tag::centered) && q.tag == Tag::rstd)
        return set_out(n, layernorm_of(n, with_tag(q, Tag::plain)));
      if (a.tag == b.tag && (a.tag == Tag::plain || a.tag == Tag::centered) &&
          n.input(0) == n.input(1)) {
        Value v = a;
        v.tag = Tag::square;
        v.tag_node = node_name(n);
        return set_out(n, v);
      }
    }
    binary_acts(n, false);
  }

  static Value with_tag(Value v, Tag t) {
    v.tag = t;
    return v;
  }

  void div(const onnx::NodeProto& n) {
    const Value& a = val(n.input(0));
    const Value& b = val(n.input(1));
    if (a.act() && !b.act()) return with_constant(n, 0);
    if (!a.act() && b.act()) {  // c / x: 1 / stddev is rstd
      if (b.tag == Tag::stddev) return set_out(n, with_tag(b, Tag::rstd));
      return elementwise(n, 1);
    }
    if (same_x(a, b) && (a.tag == Tag::plain || a.tag == Tag::centered) && b.tag == Tag::stddev)
      return set_out(n, layernorm_of(n, with_tag(a, Tag::plain)));
    binary_acts(n, false);
  }

  void pow(const onnx::NodeProto& n) {
    Value x = val(n.input(0));
    if (!x.act()) throw Unmappable{"a constant raised to an activation's power"};
    const auto e = const_scalar(n.input(1));
    if (e && *e == 2.0 && (x.tag == Tag::plain || x.tag == Tag::centered)) {
      x.tag = Tag::square;
    } else if (e && *e == 3.0 && x.tag == Tag::plain) {
      x.tag = Tag::cube;
    } else if (e && *e == 0.5 && x.tag == Tag::var) {
      x.tag = Tag::stddev;
    } else if (e && *e == -0.5 && x.tag == Tag::var) {
      x.tag = Tag::rstd;
    } else {
      return elementwise(n, 0);
    }
    if (x.tag == Tag::square || x.tag == Tag::cube) x.tag_node = node_name(n);
    x.fusable = false;
    set_out(n, x);
  }

  void sqrt(const onnx::NodeProto& n) {
    const Value& x = val(n.input(0));
    if (x.tag == Tag::var) return set_out(n, with_tag(x, Tag::stddev));
    elementwise(n, 0);
  }

  void reciprocal(const onnx::NodeProto& n) {
    const Value& x = val(n.input(0));
    if (x.tag == Tag::stddev) return set_out(n, with_tag(x, Tag::rstd));
    elementwise(n, 0);
  }

  // The reduced axes of a ReduceMean, per sample (0-based after the batch), sorted.
  Dims reduce_axes(const onnx::NodeProto& n, size_t rank) {
    if (m_folded) throw Unmappable{"a reduction over a batch-folded [B * T, F] view"};
    Dims axes;
    if (auto a = attr_ints(n, "axes"))
      axes = *a;
    else if (n.input_size() > 1 && !n.input(1).empty()) {
      auto v = const_values(n.input(1));
      if (!v) throw Unmappable{"the reduced axes are not a constant"};
      for (double d : *v) axes.push_back(static_cast<int64_t>(d));
    } else {
      throw Unmappable{"a reduction over all axes (including the batch)"};
    }
    for (auto& a : axes) {
      if (a < 0) a += static_cast<int64_t>(rank) + 1;
      if (a == 0) throw Unmappable{"a reduction over the batch"};
      --a;
    }
    std::sort(axes.begin(), axes.end());
    return axes;
  }

  void reduce_mean(const onnx::NodeProto& n) {
    Value x = val(n.input(0));
    const Dims axes = reduce_axes(n, x.dims.size());
    const int64_t last = static_cast<int64_t>(x.dims.size()) - 1;
    const bool features = (x.layout.kind == Layout::Kind::vec ||
                           (x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD")) &&
                          axes == Dims{last};
    if (features && (x.tag == Tag::plain || x.tag == Tag::square)) {
      x.tag = x.tag == Tag::plain ? Tag::mean : Tag::var;
      x.tag_node = node_name(n);
      x.fusable = false;
      return set_out(n, x);
    }
    const Value* xp = act_in(n, 0);
    const bool spatial = xp->layout.kind == Layout::Kind::chw && axes == Dims{1, 2};
    const bool tokens =
        xp->layout.kind == Layout::Kind::seq && xp->layout.axes == "TD" && axes == Dims{0};
    if (!spatial && !tokens)
      throw Unmappable{"a mean over axes other than H, W, the tokens or a LayerNorm's features"};
    const Dims out = sample_dims(n.output(0));
    Layout l = out.size() == 1 ? Layout{Layout::Kind::vec, ""} : xp->layout;
    set_out(n, emit(n, "global_avgpool", {xp->tensor}, {}, l, out));
  }

  bool last_axis_ok(const onnx::NodeProto& n, const Value& x, int64_t fallback) {
    int64_t axis = attr_int(n, "axis", fallback);
    const int64_t rank = static_cast<int64_t>(x.dims.size()) + (x.folded ? 0 : 1);
    if (axis < 0) axis += rank;
    return axis == rank - 1;
  }

  void softmax(const onnx::NodeProto& n) {
    const Value* xp = act_in(n, 0);
    const Value x = *xp;
    const bool ok_layout = x.layout.kind == Layout::Kind::scores ||
                           x.layout.kind == Layout::Kind::vec ||
                           (x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD");
    if (!ok_layout || !last_axis_ok(n, x, m_opset < 13 ? 1 : -1))
      throw Unmappable{"a softmax over an axis other than the features / keys"};
    set_out(n, emit(n, "softmax", {x.tensor}, {}, x.layout, x.dims));
  }

  void layernorm_op(const onnx::NodeProto& n) {
    const Value x = need_act(n, 0);
    const bool ok_layout = x.layout.kind == Layout::Kind::vec ||
                           (x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD");
    if (!ok_layout || !last_axis_ok(n, x, -1))
      throw Unmappable{"a layer norm over axes other than the features"};
    set_out(n, layernorm_of(n, x));
  }

  void gather(const onnx::NodeProto& n) {
    const Value& data = val(n.input(0));
    const Value& idx = val(n.input(1));
    const int64_t axis = attr_int(n, "axis", 0);
    // an embedding: rows of a 2-D initializer table picked by token ids (or constant positions)
    if (data.free() && data.init && data.dims.size() == 2 && axis == 0 &&
        is_float_type(data.init->data_type()) && (idx.act() || idx.from_input || idx.free())) {
      if (idx.free() && !idx.from_input && !idx.act() && idx.dims.empty())
        return free_node(n, false);  // one constant row
      const Value& in = val(m_input_names[0]);
      if (!(in.layout.kind == Layout::Kind::seq && in.layout.axes == "T"))
        throw Unmappable{"an embedding needs token ids [N, T] as the model input"};
      // constant 1-D indices (no batch dim): [T, hidden] rows as they are
      const Dims out =
          idx.free() && idx.dims.size() == 1 ? full_dims(n.output(0)) : sample_dims(n.output(0));
      if (out.size() != 2) throw Unmappable{"expected [T, hidden] rows, got " + dims_str(out)};
      std::string anchor = "input";
      if (idx.act()) anchor = act_in(n, 1)->tensor;
      const int64_t vocab = data.dims[0], hidden = data.dims[1];
      const bool broadcast = idx.free() && !idx.from_input && out[0] <= vocab;
      std::vector<std::pair<std::string, ParamValue>> p{{"vocab", ParamValue::of(vocab)},
                                                        {"hidden", ParamValue::of(hidden)}};
      if (broadcast) p.emplace_back("broadcast", ParamValue::flag(true));
      note_weights(data);
      return set_out(n, emit(n, "embedding", {anchor}, p, Layout{Layout::Kind::seq, "TD"}, out));
    }
    if (!data.act()) return free_node(n, data.from_input || idx.from_input);
    if (m_folded) throw Unmappable{"a gather from a batch-folded [B * T, F] view"};
    // a token picked from a sequence ([CLS]): a slice
    const Value x = need_act(n, 0);
    const auto i = const_values(n.input(1));
    const int64_t rank = static_cast<int64_t>(x.dims.size()) + 1;
    const int64_t ax = axis < 0 ? axis + rank : axis;
    if (!(x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD" && ax == 1) || !i ||
        i->size() != 1)
      throw Unmappable{"only a constant token picked from a sequence is supported"};
    int64_t start = static_cast<int64_t>((*i)[0]);
    if (start < 0) start += x.dims[0];
    const Dims out = sample_dims(n.output(0));
    const Layout l = out.size() == 1 ? Layout{Layout::Kind::vec, ""} : x.layout;
    set_out(n, emit(n, "slice", {x.tensor},
                    {{"start", ParamValue::of(start)}, {"count", ParamValue::of(1)}}, l, out));
  }

  void slice(const onnx::NodeProto& n) {
    if (m_folded) throw Unmappable{"a slice of a batch-folded [B * T, F] view"};
    const Value x = need_act(n, 0);
    const Dims out = sample_dims(n.output(0));
    if (out == x.dims) return set_out(n, alias(x, n.input(0)));
    std::optional<std::vector<double>> starts, axes, steps;
    if (m_opset < 10) {
      if (auto s = attr_ints(n, "starts")) starts = std::vector<double>(s->begin(), s->end());
      if (auto a = attr_ints(n, "axes")) axes = std::vector<double>(a->begin(), a->end());
    } else {
      starts = const_values(n.input(1));
      if (n.input_size() > 3 && !n.input(3).empty()) axes = const_values(n.input(3));
      if (n.input_size() > 4 && !n.input(4).empty()) steps = const_values(n.input(4));
    }
    const bool tokens_only = x.layout.kind == Layout::Kind::seq && x.layout.axes == "TD" &&
                             out.size() == 2 && out[1] == x.dims[1];
    if (!tokens_only || !starts || starts->size() != 1 || (axes && axes->size() != 1) ||
        (steps && (*steps)[0] != 1.0))
      throw Unmappable{"only a step-1 slice of a sequence's tokens is supported"};
    int64_t start = static_cast<int64_t>((*starts)[0]);
    if (start < 0) start += x.dims[0];
    start = std::clamp<int64_t>(start, 0, x.dims[0]);
    set_out(n, emit(n, "slice", {x.tensor},
                    {{"start", ParamValue::of(start)}, {"count", ParamValue::of(out[0])}}, x.layout,
                    out));
  }

  void where_expand(const onnx::NodeProto& n) {
    int act_index = -1, acts = 0;
    for (int i = 0; i < n.input_size(); ++i)
      if (!n.input(i).empty() && val(n.input(i)).act()) {
        act_index = i;
        ++acts;
      }
    if (acts != 1 || (n.op_type() == "Where" && act_index == 0))
      throw Unmappable{"only masking one activation is supported"};
    const Value x = need_act(n, act_index);
    if (!(ir_shape(x.layout, sample_dims(n.output(0))) == ir_shape(x.layout, x.dims)))
      throw Unmappable{"broadcasting an activation to a larger shape"};
    set_out(n, alias(x, n.input(act_index)));
  }

  // ---- results ----------------------------------------------------------------------------
  void note_weights(const Value& w) {
    if (w.init) m_weight_types.insert(type_name(w.init->data_type()));
  }

  void report_issues() {
    if (m_unsupported.empty() && m_issues.empty()) return;
    std::string msg;
    for (const auto& [op, nodes] : m_unsupported) {
      msg += (msg.empty() ? "" : ", ") + op + (nodes.size() == 1 ? " (node " : " (nodes ");
      for (size_t i = 0; i < nodes.size() && i < 10; ++i) msg += (i ? ", " : "") + nodes[i];
      if (nodes.size() > 10) msg += " and " + std::to_string(nodes.size() - 10) + " more";
      auto r = m_reason.find(op);
      msg += (r == m_reason.end() ? "" : ": " + r->second) + ")";
    }
    for (const auto& i : m_issues) msg += (msg.empty() ? "" : ", ") + i;
    throw ImportError(m_path + ": unsupported ops: " + msg);
  }

  std::string source_note() const {
    std::string note = "imported by ncoresim import from the ONNX model " +
                       std::filesystem::path(m_path).filename().string();
    if (!m_model.producer_name().empty())
      note += " (" + m_model.producer_name() +
              (m_model.producer_version().empty() ? "" : " " + m_model.producer_version()) +
              ", opset " + std::to_string(m_opset) + ")";
    note += ": " + std::to_string(m_graph->node_size()) + " nodes, " +
            std::to_string(m_spec.layers.size()) + " layers";
    if (!m_weight_types.empty()) {
      note += "; weights";
      for (const auto& t : m_weight_types) note += " " + t;
    }
    return note;
  }

  // An activation layer (Relu, Tanh, Gelu or its pattern) whose input is the only use of a conv2d,
  // linear, add or matmul's output is fused into that layer's eviction (`activation:`).
  void fuse_activations() {
    std::map<std::string, int> index, refs;
    for (size_t i = 0; i < m_spec.layers.size(); ++i) {
      index[m_spec.layers[i].name] = static_cast<int>(i);
      for (const auto& in : m_spec.layers[i].inputs) ++refs[in];
    }
    std::set<std::string> outputs;  // IR tensors the ONNX graph also outputs
    for (const auto& o : m_graph->output()) {
      auto it = m_vals.find(o.name());
      if (it != m_vals.end() && it->second.act()) outputs.insert(it->second.tensor);
    }
    std::map<std::string, std::string> rename;
    std::vector<bool> drop(m_spec.layers.size(), false);
    for (const auto& [i, act] : m_act_layers) {
      LayerSpec& l = m_spec.layers[static_cast<size_t>(i)];
      auto it = index.find(l.inputs.at(0));
      if (it == index.end()) continue;  // the model input
      LayerSpec& p = m_spec.layers[static_cast<size_t>(it->second)];
      const bool takes =
          p.kind == "conv2d" || p.kind == "linear" || p.kind == "add" || p.kind == "matmul";
      if (!takes || param(p, "activation") || refs[p.name] != 1 || outputs.count(p.name)) continue;
      set_param(p, "activation", ParamValue::of(act));
      p.origin += " + " + l.origin.substr(m_path.size() + 7);  // "<path>: node "
      drop[static_cast<size_t>(i)] = true;
      rename[l.name] = p.name;
    }
    std::vector<LayerSpec> kept;
    std::vector<Shape> expected;
    for (size_t i = 0; i < m_spec.layers.size(); ++i) {
      if (drop[i]) continue;
      LayerSpec l = m_spec.layers[i];
      for (auto& in : l.inputs)
        if (rename.count(in)) in = rename[in];
      kept.push_back(std::move(l));
      expected.push_back(m_expected[i]);
    }
    m_spec.layers = std::move(kept);
    m_expected = std::move(expected);
  }

  // Layers in an order where every input comes first (a merged add may have gained an input
  // emitted after it), otherwise keeping the nodes' order.
  void sort_layers() {
    const size_t n = m_spec.layers.size();
    std::vector<bool> placed(n, false);
    std::set<std::string> ready{"input"};
    std::vector<LayerSpec> layers;
    std::vector<Shape> expected;
    size_t first = 0;
    while (layers.size() < n) {
      size_t i = first;
      for (; i < n; ++i) {
        if (placed[i]) continue;
        const auto& ins = m_spec.layers[i].inputs;
        if (std::all_of(ins.begin(), ins.end(), [&](const auto& x) { return ready.count(x); }))
          break;
      }
      if (i == n) return;  // a cycle: left to build_graph's message
      placed[i] = true;
      ready.insert(m_spec.layers[i].name);
      layers.push_back(m_spec.layers[i]);
      expected.push_back(m_expected[i]);
      while (first < n && placed[first]) ++first;
    }
    m_spec.layers = std::move(layers);
    m_expected = std::move(expected);
  }

  // Each layer's IR output against ONNX's inferred shape.
  void check_shapes() {
    const Graph g = build_graph(m_spec);
    std::string bad;
    for (size_t i = 0; i < g.layers.size(); ++i)
      if (!(g.layers[i].out == m_expected[i]))
        bad += (bad.empty() ? "" : ", ") + m_spec.layers[i].origin.substr(m_path.size() + 2) +
               " gives " + g.layers[i].out.str() + " where ONNX infers " + m_expected[i].str();
    if (!bad.empty()) throw ImportError(m_path + ": imported layers with the wrong shape: " + bad);
  }

  std::string m_path;
  onnx::ModelProto m_model;
  onnx::GraphProto* m_graph = nullptr;
  int64_t m_opset = 1;
  int64_t m_batch = 1;
  bool m_folded = false;  // the node being visited reads a batch-folded view
  std::vector<std::string> m_input_names;
  std::map<std::string, Dims> m_shapes;
  std::map<std::string, int32_t> m_types;
  std::map<std::string, const onnx::TensorProto*> m_consts;
  std::deque<onnx::TensorProto> m_owned;
  std::map<std::string, int> m_uses;
  std::map<std::string, Value> m_vals;
  std::map<std::string, const onnx::NodeProto*> m_nodes_by_name;
  std::map<int, std::string> m_act_layers;  // activation layers (index -> relu, gelu, tanh)
  std::set<std::string> m_names{"input"};
  std::set<std::string> m_weight_types;
  ModelSpec m_spec;
  std::vector<Shape> m_expected;
  std::map<std::string, std::vector<std::string>> m_unsupported;
  std::map<std::string, std::string> m_reason;  // why an op type is unsupported, if known
  std::vector<std::string> m_issues;
};

}  // namespace

ModelSpec import_onnx(const std::string& path) {
  return Importer(path).run();
}

}  // namespace ncore::workload
