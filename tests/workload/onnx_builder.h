// Builds small ONNX models with the ONNX protobuf API for the importer tests: every model a test
// reads is made here and serialized into a scratch directory (no downloads, no files from
// outside). Weights are zeros: the importer reads shapes and dtypes, never weight values; the
// small constants exporters emit (shapes, axes, the 2 of a Pow, the sqrt(2) of GELU) hold their
// values. Node names are fixed; a node's one output is called `<node name>_out`.
#pragma once
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "test_util.h"

namespace ncore::test::onnxb {

// One dim of a graph input or output: a size, or a named dynamic dim ("batch").
struct Dim {
  int64_t value = 0;
  std::string param;
  Dim(int v) : value(v) {}          // NOLINT: implicit, so dims read {"batch", 3, 16, 16}
  Dim(int64_t v) : value(v) {}      // NOLINT
  Dim(const char* p) : param(p) {}  // NOLINT
};

// Node attributes: an int, a list of ints, a float, a string.
inline onnx::AttributeProto ai(const std::string& name, int64_t v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(v);
  return a;
}
inline onnx::AttributeProto ais(const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
  return a;
}
inline onnx::AttributeProto af(const std::string& name, float v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(v);
  return a;
}
inline onnx::AttributeProto as(const std::string& name, const std::string& v) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::STRING);
  a.set_s(v);
  return a;
}

using Attrs = std::vector<onnx::AttributeProto>;

inline int64_t elems(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

// A tensor with its values as little-endian raw_data (T: float or int64_t).
template <typename T>
onnx::TensorProto tensor(const std::string& name, int32_t type, const std::vector<int64_t>& dims,
                         const std::vector<T>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(type);
  for (int64_t d : dims) t.add_dims(d);
  std::string raw(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(raw.data(), values.data(), raw.size());
  t.set_raw_data(raw);
  return t;
}

class Model {
 public:
  explicit Model(const std::string& name, int64_t opset = 13) {
    m_model.set_ir_version(8);
    m_model.set_producer_name("ncore_tests");
    add_opset("", opset);
    m_model.mutable_graph()->set_name(name);
  }

  onnx::ModelProto& proto() { return m_model; }
  onnx::GraphProto& graph() { return *m_model.mutable_graph(); }

  void add_opset(const std::string& domain, int64_t version) {
    auto* o = m_model.add_opset_import();
    o->set_domain(domain);
    o->set_version(version);
  }

  void input(const std::string& name, int32_t type, const std::vector<Dim>& dims) {
    value_info(graph().add_input(), name, type, dims);
  }
  void output(const std::string& name, int32_t type, const std::vector<Dim>& dims) {
    value_info(graph().add_output(), name, type, dims);
  }

  // A FLOAT initializer of zeros (raw_data of dims' product x 4 bytes).
  std::string weight(const std::string& name, const std::vector<int64_t>& dims) {
    *graph().add_initializer() = tensor(name, onnx::TensorProto::FLOAT, dims,
                                        std::vector<float>(static_cast<size_t>(elems(dims)), 0.0f));
    return name;
  }

  // An INT64 initializer (zeros unless values are given).
  std::string int_init(const std::string& name, const std::vector<int64_t>& dims,
                       std::vector<int64_t> values = {}) {
    if (values.empty()) values.assign(static_cast<size_t>(elems(dims)), 0);
    *graph().add_initializer() = tensor(name, onnx::TensorProto::INT64, dims, values);
    return name;
  }

  // Constant nodes: a FLOAT scalar, an INT64 scalar, a 1-D INT64 list.
  std::string constant(float v) {
    return constant_node(tensor<float>("", onnx::TensorProto::FLOAT, {}, {v}));
  }
  std::string scalar(int64_t v) {
    return constant_node(tensor<int64_t>("", onnx::TensorProto::INT64, {}, {v}));
  }
  std::string ints(const std::vector<int64_t>& v) {
    return constant_node(
        tensor<int64_t>("", onnx::TensorProto::INT64, {static_cast<int64_t>(v.size())}, v));
  }

  // A node with one output, `<name>_out`.
  std::string op(const std::string& type, const std::vector<std::string>& inputs,
                 const std::string& name, const Attrs& attrs = {}, const std::string& domain = "") {
    auto* n = graph().add_node();
    n->set_op_type(type);
    n->set_name(name);
    if (!domain.empty()) n->set_domain(domain);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(name + "_out");
    for (const auto& a : attrs) *n->add_attribute() = a;
    return name + "_out";
  }

  std::string serialize() const {
    std::string bytes;
    if (!m_model.SerializeToString(&bytes)) FAIL("ModelProto::SerializeToString failed");
    return bytes;
  }

  // Serializes the model to `path` (returns path).
  std::string save(const std::string& path) const { return write(path, serialize()); }

  // Moves every initializer's data into the file `dir`/`location` (external data: location,
  // offset, length; no raw_data left in the model), as onnx.save_model(save_as_external_data)
  // does.
  void externalize(const std::string& dir, const std::string& location) {
    std::string blob;
    for (auto& t : *graph().mutable_initializer()) {
      const std::string raw = t.raw_data();
      auto entry = [&](const std::string& key, const std::string& value) {
        auto* e = t.add_external_data();
        e->set_key(key);
        e->set_value(value);
      };
      entry("location", location);
      entry("offset", std::to_string(blob.size()));
      entry("length", std::to_string(raw.size()));
      blob += raw;
      t.clear_raw_data();
      t.set_data_location(onnx::TensorProto::EXTERNAL);
    }
    write(dir + "/" + location, blob);
  }

 private:
  static void value_info(onnx::ValueInfoProto* v, const std::string& name, int32_t type,
                         const std::vector<Dim>& dims) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    auto* shape = t->mutable_shape();
    for (const auto& d : dims) {
      auto* sd = shape->add_dim();
      if (d.param.empty())
        sd->set_dim_value(d.value);
      else
        sd->set_dim_param(d.param);
    }
  }

  std::string constant_node(onnx::TensorProto value) {
    const std::string name = "const_" + std::to_string(++m_constants);
    value.set_name(name + "_value");
    onnx::AttributeProto a;
    a.set_name("value");
    a.set_type(onnx::AttributeProto::TENSOR);
    *a.mutable_t() = value;
    return op("Constant", {}, name, {a});
  }

  onnx::ModelProto m_model;
  int m_constants = 0;
};

// ---- the layers exporters emit -----------------------------------------------------------------

// Conv with a [cout, cin / group, k, k] weight (and a bias unless bias is false).
inline std::string conv(Model& m, const std::string& x, const std::string& name, int64_t cin,
                        int64_t cout, int64_t k, bool bias = true, int64_t group = 1,
                        Attrs attrs = {}) {
  std::vector<std::string> ins{x, m.weight(name + ".weight", {cout, cin / group, k, k})};
  if (bias) ins.push_back(m.weight(name + ".bias", {cout}));
  attrs.push_back(ais("kernel_shape", {k, k}));
  attrs.push_back(ai("group", group));
  return m.op("Conv", ins, name, attrs);
}

// BatchNormalization (inference: scale, bias, mean, var).
inline std::string bn(Model& m, const std::string& x, const std::string& name, int64_t c) {
  std::vector<std::string> ins{x};
  for (const char* p : {"scale", "bias", "mean", "var"})
    ins.push_back(m.weight(name + "." + p, {c}));
  return m.op("BatchNormalization", ins, name);
}

inline Attrs pads1() {
  return {ais("pads", {1, 1, 1, 1})};
}

}  // namespace ncore::test::onnxb
