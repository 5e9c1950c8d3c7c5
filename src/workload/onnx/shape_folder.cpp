// The shape folder's walk over the graph (shape_folder.h); the evaluators are in
// shape_evaluators.cpp.
#include "workload/onnx/shape_folder.h"

#include <algorithm>
#include <stdexcept>

namespace ncore::workload::onnx {

const CTensor* FoldInputs::in(const NodeProto& n, int i) const {
  if (i >= n.input_size() || n.input(i).empty()) return nullptr;
  auto it = m_known.find(n.input(i));
  return it == m_known.end() ? nullptr : &it->second;
}

const CTensor* FoldInputs::need(const NodeProto& n, int i, bool values) const {
  const CTensor* t = in(n, i);
  if (!t || (values && !t->known())) throw std::runtime_error("unknown");
  return t;
}

Dims FoldInputs::axes_of(const NodeProto& n) const {
  if (auto a = attr_ints(n, "axes")) return *a;
  if (const CTensor* t = in(n, 1)) {
    if (!t->known()) throw std::runtime_error("unknown");
    Dims d;
    for (double x : t->v) d.push_back(to_int(x));
    return d;
  }
  return {};
}

const Dims* FoldInputs::shape(const std::string& tensor) const {
  auto it = m_shapes.find(tensor);
  return it == m_shapes.end() ? nullptr : &it->second;
}

bool ShapeFolder::run() {
  seed();
  bool changed = false;
  for (auto& n : *m_g.mutable_node()) {
    if (n.op_type() == "Constant") {
      record_constant(n);
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
      record_dims(n.output(0), *r);
      changed = true;
    }
  }
  return changed;
}

// The initializers: known tensors (with their values when stored and small).
void ShapeFolder::seed() {
  for (const auto& t : m_g.initializer()) {
    CTensor c;
    c.dims.assign(t.dims().begin(), t.dims().end());
    c.type = t.data_type();
    if (auto v = tensor_values(t)) c.v = *v;
    m_known[t.name()] = c;
    if (c.dims.size() == 2) m_tables.insert(t.name());
  }
}

void ShapeFolder::record_constant(const NodeProto& n) {
  for (const auto& a : n.attribute())
    if (a.name() == "value") {
      CTensor c;
      c.dims.assign(a.t().dims().begin(), a.t().dims().end());
      c.type = a.t().data_type();
      if (auto v = tensor_values(a.t())) c.v = *v;
      m_known[n.output(0)] = c;
    }
}

std::optional<CTensor> ShapeFolder::eval(const NodeProto& n) const {
  const auto& table = shape_evaluators();
  const auto it = table.find(n.op_type());
  if (it == table.end()) return std::nullopt;
  return it->second(FoldInputs(m_known, m_shapes), n);
}

bool ShapeFolder::has_full_shape(const std::string& name) const {
  auto it = m_shapes.find(name);
  if (it == m_shapes.end()) return false;
  return std::all_of(it->second.begin(), it->second.end(), [](int64_t d) { return d >= 0; });
}

// The dims of a constant-derived tensor whose values are not folded, as its value_info.
void ShapeFolder::record_dims(const std::string& name, const CTensor& r) {
  ::onnx::ValueInfoProto* vi = nullptr;
  for (auto& v : *m_g.mutable_value_info())
    if (v.name() == name) vi = &v;
  if (!vi) vi = m_g.add_value_info();
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->clear_shape();
  tt->set_elem_type(r.type);
  auto* sh = tt->mutable_shape();
  for (int64_t d : r.dims) sh->add_dim()->set_dim_value(d);
}

void ShapeFolder::to_constant(NodeProto& n, const CTensor& c) {
  TensorProto t;
  t.set_data_type(c.type);
  for (int64_t d : c.dims) t.add_dims(d);
  for (double x : c.v) {
    if (c.type == TensorProto::INT64)
      t.add_int64_data(to_int(x));
    else
      t.add_int32_data(static_cast<int32_t>(to_int(x)));
  }
  n.set_op_type("Constant");
  n.clear_input();
  n.clear_attribute();
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(::onnx::AttributeProto::TENSOR);
  *a->mutable_t() = t;
}

}  // namespace ncore::workload::onnx
