// The helpers the ONNX importer's stages and op handlers share (import_state.h): names, constants,
// shapes, reading inputs as activations, emitting layers. No op-specific rules.
#include "workload/onnx/import_state.h"

namespace ncore::workload::onnx {

const std::string& ImportState::node_name(const NodeProto& n) const {
  return n.name().empty() ? n.output(0) : n.name();
}

std::string ImportState::origin(const NodeProto& n) const {
  return path + ": node " + node_name(n);
}

std::string ImportState::layer_name(const NodeProto& n) {
  std::string base = node_name(n);
  while (!base.empty() && base[0] == '/') base.erase(0, 1);
  if (base.empty() || base == "input") base = n.op_type() + "_" + base;
  std::string name = base;
  for (int k = 2; names.count(name); ++k) name = base + "_" + std::to_string(k);
  names.insert(name);
  return name;
}

int ImportState::uses(const std::string& tensor) const {
  auto it = use_counts.find(tensor);
  return it == use_counts.end() ? 0 : it->second;
}

std::optional<std::vector<double>> ImportState::const_values(const std::string& tensor) const {
  auto it = consts.find(tensor);
  if (it == consts.end()) return std::nullopt;
  return tensor_values(*it->second);
}

std::optional<double> ImportState::const_scalar(const std::string& tensor) const {
  auto v = const_values(tensor);
  if (!v || v->size() != 1) return std::nullopt;
  return (*v)[0];
}

Dims ImportState::full_dims(const std::string& tensor) const {
  auto it = shapes.find(tensor);
  if (it == shapes.end()) throw Unmappable{"shape inference gave no shape for '" + tensor + "'"};
  for (int64_t d : it->second)
    if (d < 0) throw Unmappable{"shape inference left '" + tensor + "' with an unknown dim"};
  return it->second;
}

Dims ImportState::sample_dims(const std::string& tensor) const {
  Dims d = full_dims(tensor);
  if (d.empty()) throw Unmappable{"'" + tensor + "' is a scalar, expected a batch dim"};
  if (batch_axis < 0) {  // merged into another axis: batch-1 exports only
    if (batch != 1) throw Unmappable{"the batch merged into another axis needs a batch-1 export"};
    return d;
  }
  if (batch_axis > 0) {
    const auto i = static_cast<size_t>(batch_axis);
    if (i >= d.size() || (d[i] != batch && d[i] != 1))
      throw Unmappable{"'" + tensor + "' " + dims_str(d) + ": dim " + std::to_string(i) +
                       " is not the batch"};
    d.erase(d.begin() + batch_axis);
    return d;
  }
  if (folded) {
    if (d[0] % batch != 0)
      throw Unmappable{"'" + tensor + "' " + dims_str(d) + ": dim 0 is not batch x tokens"};
    d[0] /= batch;
    return d;
  }
  if (d[0] != batch && d[0] != 1)
    throw Unmappable{"'" + tensor + "' " + dims_str(d) +
                     ": dim 0 is not the batch (the batch folded into another axis?)"};
  d.erase(d.begin());
  return d;
}

size_t ImportState::sample_axis(const Value& x, int64_t axis) const {
  const int64_t rank = static_cast<int64_t>(x.dims.size()) + (x.folded || x.batch_axis < 0 ? 0 : 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) throw Unmappable{"axis out of range"};
  if (x.folded || x.batch_axis < 0) return static_cast<size_t>(axis);
  if (axis == x.batch_axis) throw Unmappable{"an op along the batch axis"};
  return static_cast<size_t>(axis > x.batch_axis ? axis - 1 : axis);
}

Value ImportState::make_act(const std::string& tensor, int layer, Layout layout, Dims dims) {
  Value v;
  v.cat = Value::Cat::act;
  v.tensor = tensor;
  v.layer = layer;
  v.fusable = layer >= 0;
  v.layout = std::move(layout);
  v.dims = std::move(dims);
  return v;
}

Value ImportState::alias(const Value& v, const std::string& in_tensor) const {
  Value a = v;
  a.fusable = v.fusable && uses(in_tensor) == 1;
  return a;
}

Value& ImportState::materialize(const std::string& tensor) {
  Value& v = val(tensor);
  if (!v.act() || v.tag == Tag::plain) return v;
  if (v.tag == Tag::padded) {
    v = pad_layer(v);
    return v;
  }
  if (!elementwise_tag(v.tag))
    throw Unmappable{"a reduction over the features outside a LayerNorm pattern (started at " +
                     v.tag_node + ")"};
  const NodeProto* start = nodes_by_name.at(v.tag_node);
  const bool was_folded = folded;
  const int was_axis = batch_axis;
  folded = v.folded;
  batch_axis = v.batch_axis;
  v = emit_elementwise(*start, unary_op_of(start->op_type()), v);
  folded = was_folded;
  batch_axis = was_axis;
  return v;
}

Value ImportState::pad_layer(const Value& v) {
  const auto& p = v.pad;
  const NodeProto& n = *nodes_by_name.at(v.tag_node);
  LayerParams params{{"padding", ParamValue::of(std::vector<int64_t>{p[0], p[1]})}};
  if (p[2] != p[0] || p[3] != p[1])
    params.emplace_back("padding_end", ParamValue::of(std::vector<int64_t>{p[2], p[3]}));
  return emit(n, "pad", {v.tensor}, params, v.layout, v.dims);
}

const Value* ImportState::act_in(const NodeProto& n, int i) {
  if (i >= n.input_size() || n.input(i).empty()) return nullptr;
  Value& v = val(n.input(i));
  if (!v.act()) return nullptr;
  return &materialize(n.input(i));
}

Value ImportState::need_act(const NodeProto& n, int i) {
  const Value* v = act_in(n, i);
  if (!v) throw Unmappable{"its data input is not an activation"};
  return *v;
}

void ImportState::set_out(const NodeProto& n, Value v, int out) {
  if (out < n.output_size() && !n.output(out).empty()) vals[n.output(out)] = std::move(v);
}

void ImportState::free_node(const NodeProto& n, bool from_input) {
  for (int o = 0; o < n.output_size(); ++o) {
    if (n.output(o).empty()) continue;
    Value v;
    v.from_input = from_input;
    auto it = shapes.find(n.output(o));
    if (it != shapes.end()) v.dims = it->second;
    if (n.op_type() == "Identity" && n.input_size() == 1) {
      v.init = val(n.input(0)).init;
      auto c = consts.find(n.input(0));
      if (c != consts.end()) consts[n.output(o)] = c->second;
      if (v.init) v.dims = val(n.input(0)).dims;
    }
    if (n.op_type() == "Constant") record_constant(n);
    vals[n.output(o)] = v;
  }
}

void ImportState::record_constant(const NodeProto& n) {
  for (const auto& a : n.attribute()) {
    TensorProto t;
    if (a.name() == "value") {
      t = a.t();
    } else if (a.name() == "value_float") {
      t.set_data_type(TensorProto::FLOAT);
      t.add_float_data(a.f());
    } else if (a.name() == "value_int") {
      t.set_data_type(TensorProto::INT64);
      t.add_int64_data(a.i());
    } else if (a.name() == "value_floats") {
      t.set_data_type(TensorProto::FLOAT);
      t.add_dims(a.floats_size());
      for (float f : a.floats()) t.add_float_data(f);
    } else if (a.name() == "value_ints") {
      t.set_data_type(TensorProto::INT64);
      t.add_dims(a.ints_size());
      for (int64_t i : a.ints()) t.add_int64_data(i);
    } else {
      continue;
    }
    owned.push_back(t);
    consts[n.output(0)] = &owned.back();
  }
}

Value ImportState::emit(const NodeProto& n, const std::string& kind,
                        std::vector<std::string> inputs, LayerParams params, Layout layout,
                        Dims dims) {
  LayerSpec s;
  s.name = layer_name(n);
  s.kind = kind;
  s.inputs = std::move(inputs);
  s.params = std::move(params);
  s.origin = origin(n);
  spec.layers.push_back(s);
  expected.push_back(ir_shape(layout, dims));
  Value v = make_act(s.name, static_cast<int>(spec.layers.size()) - 1, std::move(layout),
                     std::move(dims));
  v.folded = folded;
  v.batch_axis = batch_axis;
  return v;
}

Value ImportState::emit_activation(const NodeProto& n, const std::string& act, const Value& x) {
  Value v = emit_elementwise(n, act, x);
  act_layers[v.layer] = act;
  return v;
}

Value ImportState::emit_elementwise(const NodeProto& n, const std::string& op, const Value& x) {
  if (op == "relu" || op == "gelu") return emit(n, op, {x.tensor}, {}, x.layout, x.dims);
  return emit(n, "elementwise", {x.tensor}, {{"op", ParamValue::of(op)}}, x.layout, x.dims);
}

void ImportState::elementwise(const NodeProto& n, int i) {
  const Value* x = act_in(n, i);
  if (!x) throw Unmappable{"its data input is not an activation"};
  set_out(n, emit_elementwise(n, unary_op_of(n.op_type()), *x));
}

std::string unary_op_of(const std::string& op_type) {
  static const std::map<std::string, std::string> ops = {{"Relu", "relu"},
                                                         {"Gelu", "gelu"},
                                                         {"Tanh", "tanh"},
                                                         {"Sigmoid", "sigmoid"},
                                                         {"HardSwish", "hardswish"},
                                                         {"LeakyRelu", "leaky_relu"},
                                                         {"Exp", "exp"},
                                                         {"Erf", "erf"},
                                                         {"Log", "log"},
                                                         {"Abs", "abs"},
                                                         {"Neg", "neg"},
                                                         {"Floor", "floor"},
                                                         {"Ceil", "ceil"},
                                                         {"Round", "round"},
                                                         {"Sign", "sign"},
                                                         {"Elu", "elu"},
                                                         {"Selu", "selu"},
                                                         {"Softplus", "softplus"},
                                                         {"Softsign", "softsign"},
                                                         {"Sin", "sin"},
                                                         {"Cos", "cos"},
                                                         {"Mish", "mish"},
                                                         {"HardSigmoid", "hard_sigmoid"},
                                                         {"ThresholdedRelu", "thresholded_relu"},
                                                         {"PRelu", "prelu"},
                                                         {"Not", "not"}};
  const auto it = ops.find(op_type);
  return it == ops.end() ? "none" : it->second;
}

Value ImportState::layernorm_of(const NodeProto& n, const Value& x) {
  return emit(n, "layernorm", {x.tensor}, {}, x.layout, x.dims);
}

LayerSpec* ImportState::fusable_layer(const Value& v, const std::string& tensor, int n_uses) {
  if (!v.act() || v.tag != Tag::plain || v.layer < 0 || !v.fusable || uses(tensor) != n_uses)
    return nullptr;
  return &spec.layers[static_cast<size_t>(v.layer)];
}

void ImportState::note_weights(const Value& w) {
  if (w.init) weight_types.insert(type_name(w.init->data_type()));
}

void ImportState::add_issue(const std::string& op, const std::string& node,
                            const std::string& why) {
  issues.push_back(op + " (node " + node + ": " + why + ")");
}

const ParamValue* param(const LayerSpec& s, const std::string& key) {
  for (const auto& [k, v] : s.params)
    if (k == key) return &v;
  return nullptr;
}

void set_param(LayerSpec& s, const std::string& key, ParamValue v) {
  for (auto& [k, old] : s.params)
    if (k == key) {
      old = std::move(v);
      return;
    }
  s.params.emplace_back(key, std::move(v));
}

}  // namespace ncore::workload::onnx
