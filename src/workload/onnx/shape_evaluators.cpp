// The shape folder's evaluators (shape_folder.h), one per op type in one name -> function table:
// shapes (Shape, Size), views (Identity, Cast, Squeeze, Unsqueeze, Reshape, Expand), indexing
// (Gather, Slice, Concat), generators (ConstantOfShape, Range) and elementwise integer or boolean
// arithmetic. Values are computed only up to 4096 elements; past that only the dims are known.
// Each op here is also a registered ONNX op (tests/workload/onnx/test_onnx_registry.cpp).
#include <algorithm>
#include <cmath>
#include <set>

#include "workload/onnx/shape_folder.h"

namespace ncore::workload::onnx {
namespace {

Dims ints(const CTensor& t) {
  Dims d;
  for (double x : t.v) d.push_back(to_int(x));
  return d;
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

// The input's inferred shape when every dim is known.
std::optional<Dims> static_shape(const FoldInputs& in, const NodeProto& n) {
  const Dims* d = in.shape(n.input(0));
  if (!d) return std::nullopt;
  for (int64_t x : *d)
    if (x < 0) return std::nullopt;
  return *d;
}

std::optional<CTensor> eval_shape(const FoldInputs& in, const NodeProto& n) {
  const auto d = static_shape(in, n);
  if (!d) return std::nullopt;
  CTensor r;
  const int64_t rank = static_cast<int64_t>(d->size());
  int64_t start = attr_int(n, "start", 0), end = attr_int(n, "end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  for (int64_t i = start; i < end; ++i) r.v.push_back(static_cast<double>((*d)[i]));
  r.dims = {end - start};
  return r;
}

std::optional<CTensor> eval_size(const FoldInputs& in, const NodeProto& n) {
  const auto d = static_shape(in, n);
  if (!d) return std::nullopt;
  CTensor r;
  r.v = {static_cast<double>(product(*d))};
  return r;
}

std::optional<CTensor> eval_identity(const FoldInputs& in, const NodeProto& n) {
  return *in.need(n, 0, false);
}

std::optional<CTensor> eval_cast(const FoldInputs& in, const NodeProto& n) {
  CTensor r = *in.need(n, 0, false);
  r.type = static_cast<int32_t>(attr_int(n, "to", r.type));
  if (r.type == TensorProto::BOOL)
    for (auto& x : r.v) x = x != 0;
  else if (integer_type(r.type))
    for (auto& x : r.v) x = std::trunc(x);
  return r;
}

std::optional<CTensor> eval_unsqueeze(const FoldInputs& in, const NodeProto& n) {
  CTensor r = *in.need(n, 0, false);
  Dims axes = in.axes_of(n);
  const int64_t rank = static_cast<int64_t>(r.dims.size() + axes.size());
  for (auto& a : axes)
    if (a < 0) a += rank;
  std::sort(axes.begin(), axes.end());
  // An axis outside the output's rank, or twice: not foldable (found by fuzz_onnx).
  if (!axes.empty() && (axes.front() < 0 || axes.back() >= rank)) return std::nullopt;
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) return std::nullopt;
  for (int64_t a : axes) r.dims.insert(r.dims.begin() + a, 1);
  return r;
}

std::optional<CTensor> eval_squeeze(const FoldInputs& in, const NodeProto& n) {
  CTensor r = *in.need(n, 0, false);
  Dims axes = in.axes_of(n);
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
  return r;
}

std::optional<CTensor> eval_reshape(const FoldInputs& in, const NodeProto& n) {
  CTensor r = *in.need(n, 0, false);
  Dims shape = ints(*in.need(n, 1, true));
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && attr_int(n, "allowzero", 0) == 0) shape[i] = r.dims.at(i);
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

std::optional<CTensor> eval_gather(const FoldInputs& in, const NodeProto& n) {
  const CTensor& data = *in.need(n, 0, false);
  const CTensor& idx = *in.need(n, 1, true);
  const int64_t rank = static_cast<int64_t>(data.dims.size());
  int64_t axis = attr_int(n, "axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return std::nullopt;
  CTensor r;
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

// A Slice's starts, ends, axes and steps: attributes (opset < 10) or inputs 1 to 4.
struct SliceArgs {
  Dims starts, ends, axes, steps;
};

SliceArgs slice_args(const FoldInputs& in, const NodeProto& n) {
  SliceArgs s;
  if (auto st = attr_ints(n, "starts")) {
    s.starts = *st;
    s.ends = attr_ints(n, "ends").value_or(Dims{});
    s.axes = attr_ints(n, "axes").value_or(Dims{});
  } else {
    s.starts = ints(*in.need(n, 1, true));
    s.ends = ints(*in.need(n, 2, true));
    if (in.in(n, 3)) s.axes = ints(*in.need(n, 3, true));
    if (in.in(n, 4)) s.steps = ints(*in.need(n, 4, true));
  }
  return s;
}

// Copies data's values picked by the slice (first index lo, stride step per axis) into r.
void slice_values(const CTensor& data, const Dims& lo, const Dims& step, CTensor& r) {
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
}

std::optional<CTensor> eval_slice(const FoldInputs& in, const NodeProto& n) {
  const CTensor& data = *in.need(n, 0, false);
  SliceArgs s = slice_args(in, n);
  const int64_t rank = static_cast<int64_t>(data.dims.size());
  if (s.axes.empty())
    for (size_t i = 0; i < s.starts.size(); ++i) s.axes.push_back(static_cast<int64_t>(i));
  if (s.steps.empty()) s.steps.assign(s.starts.size(), 1);
  if (s.ends.size() != s.starts.size() || s.axes.size() != s.starts.size() ||
      s.steps.size() != s.starts.size())
    return std::nullopt;
  Dims lo(data.dims.size(), 0), step(data.dims.size(), 1);
  CTensor r;
  r.dims = data.dims;
  r.type = data.type;
  for (size_t i = 0; i < s.starts.size(); ++i) {
    int64_t a = s.axes[i] < 0 ? s.axes[i] + rank : s.axes[i];
    if (a < 0 || a >= rank || s.steps[i] == 0) return std::nullopt;
    const int64_t len = data.dims[static_cast<size_t>(a)];
    int64_t b = s.starts[i] < 0 ? s.starts[i] + len : s.starts[i];
    int64_t e = s.ends[i] < 0 && s.ends[i] > INT64_MIN / 2 ? s.ends[i] + len : s.ends[i];
    int64_t cnt;
    if (s.steps[i] > 0) {
      b = std::clamp<int64_t>(b, 0, len);
      e = std::clamp<int64_t>(e, 0, len);
      cnt = e > b ? (e - b + s.steps[i] - 1) / s.steps[i] : 0;
    } else {
      b = std::clamp<int64_t>(b, 0, len - 1);
      e = std::clamp<int64_t>(e, -1, len - 1);
      cnt = b > e ? (b - e - s.steps[i] - 1) / -s.steps[i] : 0;
    }
    lo[static_cast<size_t>(a)] = b;
    step[static_cast<size_t>(a)] = s.steps[i];
    r.dims[static_cast<size_t>(a)] = cnt;
  }
  if (data.known()) slice_values(data, lo, step, r);
  return r;
}

// Einsum of two inputs of known shapes (MaxViT's attention, which ONNX 1.12's inference leaves
// without dims): each output letter's dim from the input that has it; only the dims.
std::optional<CTensor> eval_einsum(const FoldInputs& in, const NodeProto& n) {
  std::string eq = attr_str(n, "equation", "");
  eq.erase(std::remove(eq.begin(), eq.end(), ' '), eq.end());
  const size_t comma = eq.find(','), arrow = eq.find("->");
  if (n.input_size() != 2 || comma == std::string::npos || arrow == std::string::npos ||
      comma > arrow || eq.find('.') != std::string::npos)
    return std::nullopt;
  const std::string terms[2] = {eq.substr(0, comma), eq.substr(comma + 1, arrow - comma - 1)};
  std::map<char, int64_t> size;
  for (int i = 0; i < 2; ++i) {
    const Dims* d = in.shape(n.input(i));
    if (!d || d->size() != terms[i].size()) return std::nullopt;
    for (size_t k = 0; k < d->size(); ++k)
      if ((*d)[k] > 0) size[terms[i][k]] = (*d)[k];
  }
  CTensor r;
  r.type = TensorProto::FLOAT;
  for (char c : eq.substr(arrow + 2)) {
    if (!size.count(c)) return std::nullopt;
    r.dims.push_back(size[c]);
  }
  return r;
}

// Transpose (the pads torch.onnx computes for F.pad at opset >= 11 pass through a 2-D one).
std::optional<CTensor> eval_transpose(const FoldInputs& in, const NodeProto& n) {
  const CTensor& data = *in.need(n, 0, false);
  const size_t rank = data.dims.size();
  Dims perm = attr_ints(n, "perm").value_or(Dims{});
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.insert(perm.begin(), static_cast<int64_t>(i));
  if (perm.size() != rank) return std::nullopt;
  CTensor r;
  r.type = data.type;
  for (int64_t a : perm) {
    if (a < 0 || a >= static_cast<int64_t>(rank)) return std::nullopt;
    r.dims.push_back(data.dims[static_cast<size_t>(a)]);
  }
  if (!data.known()) return r;
  Dims in_strides(rank, 1);
  for (size_t i = rank; i-- > 1;) in_strides[i - 1] = in_strides[i] * data.dims[i];
  r.v.resize(data.v.size());
  Dims at(rank, 0);  // the output index, row-major
  for (size_t k = 0; k < r.v.size(); ++k) {
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i) src += at[i] * in_strides[static_cast<size_t>(perm[i])];
    r.v[k] = data.v[static_cast<size_t>(src)];
    for (size_t i = rank; i-- > 0;) {
      if (++at[i] < r.dims[i]) break;
      at[i] = 0;
    }
  }
  return r;
}

std::optional<CTensor> eval_concat(const FoldInputs& in, const NodeProto& n) {
  std::vector<const CTensor*> parts;
  for (int i = 0; i < n.input_size(); ++i) parts.push_back(in.need(n, i, false));
  if (parts.empty()) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(parts[0]->dims.size());
  int64_t axis = attr_int(n, "axis", 0);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return std::nullopt;
  CTensor r;
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
      for (int64_t k = 0; k < chunk; ++k) r.v.push_back(t->v[static_cast<size_t>(o * chunk + k)]);
    }
  return r;
}

std::optional<CTensor> eval_constant_of_shape(const FoldInputs& in, const NodeProto& n) {
  CTensor r;
  r.dims = ints(*in.need(n, 0, true));
  double value = 0;
  r.type = TensorProto::FLOAT;
  for (const auto& a : n.attribute())
    if (a.name() == "value") {
      r.type = a.t().data_type();
      if (auto v = tensor_values(a.t()); v && v->size() == 1) value = (*v)[0];
    }
  if (product(r.dims) <= 4096) r.v.assign(static_cast<size_t>(product(r.dims)), value);
  return r;
}

std::optional<CTensor> eval_range(const FoldInputs& in, const NodeProto& n) {
  const double start = in.need(n, 0, true)->v.at(0), limit = in.need(n, 1, true)->v.at(0),
               delta = in.need(n, 2, true)->v.at(0);
  if (delta == 0) return std::nullopt;
  const int64_t cnt = std::max<int64_t>(to_int(std::ceil((limit - start) / delta)), 0);
  CTensor r;
  r.type = in.need(n, 0, true)->type;
  r.dims = {cnt};
  if (cnt <= 4096)
    for (int64_t i = 0; i < cnt; ++i) r.v.push_back(start + static_cast<double>(i) * delta);
  return r;
}

std::optional<CTensor> eval_expand(const FoldInputs& in, const NodeProto& n) {
  const CTensor& data = *in.need(n, 0, false);
  auto out = broadcast(data.dims, ints(*in.need(n, 1, true)));
  if (!out) return std::nullopt;
  CTensor r;
  r.dims = *out;
  r.type = data.type;
  if (data.known() && product(r.dims) <= 4096) r.v = broadcast_values(data, r.dims);
  return r;
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
  if (op == "Mod") {  // integers: the divisor's sign (fmod 0); floats: C's fmod (ONNX's fmod 1)
    if (b == 0) return std::nullopt;
    return integer ? a - b * std::floor(a / b) : std::fmod(a, b);
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

// The elementwise ops of elementwise_value(), with numpy broadcasting.
std::optional<CTensor> eval_elementwise(const FoldInputs& in, const NodeProto& n) {
  const std::string& op = n.op_type();
  std::vector<const CTensor*> xs;
  for (int i = 0; i < n.input_size(); ++i) xs.push_back(in.need(n, i, false));
  Dims out = xs[0]->dims;
  for (const CTensor* t : xs) {
    auto b = broadcast(out, t->dims);
    if (!b) return std::nullopt;
    out = *b;
  }
  CTensor r;
  r.dims = out;
  r.type = op == "Where" ? xs[1]->type : xs[0]->type;
  static const std::set<std::string> logical{"Equal",          "Less", "Greater", "LessOrEqual",
                                             "GreaterOrEqual", "And",  "Or",      "Not"};
  if (logical.count(op)) r.type = TensorProto::BOOL;
  const bool all = std::all_of(xs.begin(), xs.end(), [](const CTensor* t) { return t->known(); });
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

}  // namespace

const std::map<std::string, ShapeEval>& shape_evaluators() {
  static const std::map<std::string, ShapeEval> table{
      {"Shape", eval_shape},
      {"Size", eval_size},
      {"Identity", eval_identity},
      {"Cast", eval_cast},
      {"Unsqueeze", eval_unsqueeze},
      {"Squeeze", eval_squeeze},
      {"Reshape", eval_reshape},
      {"Gather", eval_gather},
      {"Slice", eval_slice},
      {"Concat", eval_concat},
      {"Transpose", eval_transpose},
      {"Einsum", eval_einsum},
      {"ConstantOfShape", eval_constant_of_shape},
      {"Range", eval_range},
      {"Expand", eval_expand},
      {"Add", eval_elementwise},
      {"Sub", eval_elementwise},
      {"Mul", eval_elementwise},
      {"Div", eval_elementwise},
      {"Mod", eval_elementwise},
      {"Equal", eval_elementwise},
      {"Less", eval_elementwise},
      {"Greater", eval_elementwise},
      {"LessOrEqual", eval_elementwise},
      {"GreaterOrEqual", eval_elementwise},
      {"Max", eval_elementwise},
      {"Min", eval_elementwise},
      {"And", eval_elementwise},
      {"Or", eval_elementwise},
      {"Not", eval_elementwise},
      {"Neg", eval_elementwise},
      {"Abs", eval_elementwise},
      {"Where", eval_elementwise},
  };
  return table;
}

}  // namespace ncore::workload::onnx
