// The ONNX import pipeline (importer.h): load, prepare the inputs, infer and fold shapes, index,
// walk the nodes through the op registry, then the finishing stages of finish.cpp. What a node
// maps to is its handler's business (the op family files); this file only routes nodes and
// records the errors handlers throw.
#include "workload/onnx/importer.h"

#include <google/protobuf/stubs/common.h>
#include <google/protobuf/stubs/logging.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <filesystem>

#include "base/input_file.h"
#include "workload/importers.h"
#include "workload/onnx/op_registry.h"
#include "workload/onnx/shape_folder.h"

namespace ncore::workload {

ModelSpec import_onnx(const std::string& path) {
  onnx::quiet_protobuf_log();
  onnx::ImportState st(path);
  try {
    onnx::load(st);
    onnx::prepare_inputs(st);
    onnx::infer(st);
    onnx::index(st);
    onnx::walk(st);
    onnx::report_issues(st);
    onnx::fuse_activations(st);
    onnx::sort_layers(st);
    st.spec.source_note = onnx::source_note(st);
    onnx::check_shapes(st);
  } catch (const google::protobuf::FatalException& e) {  // a CHECK the validation missed
    throw ImportError(path + ": malformed ONNX model (" + e.message() + ")");
  }
  return st.spec;
}

}  // namespace ncore::workload

namespace ncore::workload::onnx {
namespace {

// libprotobuf logs to stderr and, at FATAL (a failed CHECK such as reading a node's missing
// input), throws FatalException: its messages are kept out of the output; the exception's text
// reaches the user through the importer's own errors.
void drop_protobuf_log(google::protobuf::LogLevel, const char*, int, const std::string&) {}

// A node the walk cannot read: no outputs (it cannot even be named), or fewer inputs than its
// schema requires.
void check_node(const ImportState& st, const NodeProto& n, int index) {
  const std::string what = "node #" + std::to_string(index) + " (" + n.op_type() +
                           (n.name().empty() ? "" : " '" + n.name() + "'") + ")";
  if (n.output_size() == 0) throw ImportError(st.path + ": " + what + " has no outputs");
  const bool std_domain = n.domain().empty() || n.domain() == "ai.onnx";
  if (!std_domain) return;
  const auto* schema =
      ::onnx::OpSchemaRegistry::Schema(n.op_type(), static_cast<int>(st.opset), "");
  if (schema && n.input_size() < schema->min_input())
    throw ImportError(st.path + ": " + what + " has " + std::to_string(n.input_size()) +
                      " input(s), fewer than the " + std::to_string(schema->min_input()) +
                      " its op needs");
}

void infer_once(ImportState& st) {
  try {
    ::onnx::shape_inference::InferShapes(st.model, ::onnx::OpSchemaRegistry::Instance(),
                                         ::onnx::ShapeInferenceOptions(false, 0, true));
  } catch (const std::exception& e) {
    throw ImportError(st.path + ": ONNX shape inference failed: " + e.what());
  }
  st.shapes.clear();
  st.types.clear();
  auto add = [&](const ::onnx::ValueInfoProto& v) {
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
    Dims d;
    for (const auto& x : v.type().tensor_type().shape().dim())
      d.push_back(x.has_dim_value() ? x.dim_value() : -1);
    st.shapes[v.name()] = d;
    st.types[v.name()] = v.type().tensor_type().elem_type();
  };
  for (const auto& v : st.graph->input()) add(v);
  for (const auto& v : st.graph->value_info()) add(v);
  for (const auto& v : st.graph->output()) add(v);
}

// The model input's batch dim: 0, unless dim 0 is fixed and exactly one other dim is dynamic (a
// sequence-first export, [T, N, E], with its batch dim marked dynamic).
int batch_dim(const ::onnx::TensorShapeProto& shape) {
  auto fixed = [&](int d) { return shape.dim(d).has_dim_value() && shape.dim(d).dim_value() > 0; };
  if (!fixed(0)) return 0;
  int found = 0, at = 0;
  for (int d = 1; d < shape.dim_size(); ++d)
    if (!fixed(d)) {
      ++found;
      at = d;
    }
  return found == 1 ? at : 0;
}

// The model input's Value: its per-sample dims and the layout their rank implies.
Value model_input(ImportState& st, const std::string& name) {
  Value v;
  v.dims = st.shapes[name];
  v.cat = Value::Cat::act;
  v.tensor = "input";
  v.batch_axis = st.input_batch_axis;
  v.dims.erase(v.dims.begin() + st.input_batch_axis);
  const bool ids = st.types[name] == TensorProto::INT64 || st.types[name] == TensorProto::INT32;
  const size_t r = v.dims.size();
  if (r == 3)
    v.layout = Layout{Layout::Kind::chw, ""};
  else if (r == 2)
    v.layout = Layout{Layout::Kind::seq, "TD"};
  else if (r == 1)
    v.layout = ids ? Layout{Layout::Kind::seq, "T"} : Layout{Layout::Kind::vec, ""};
  else
    throw ImportError(st.path + ": input '" + name + "' has " + std::to_string(r + 1) +
                      " dims (expected [N, C, H, W], [N, T, F], [N, F] or token ids [N, T])");
  return v;
}

// After an error: outputs that let the walk go on (to find every unsupported op) without
// reporting errors that follow from the first.
void placeholders(ImportState& st, const NodeProto& n) {
  std::string tensor = "input";
  for (const auto& i : n.input())
    if (!i.empty() && st.vals.count(i) && st.vals[i].act()) tensor = st.vals[i].tensor;
  for (int o = 0; o < n.output_size(); ++o) {
    Value v;
    v.cat = Value::Cat::broken;
    try {
      const Dims d = st.sample_dims(n.output(o));
      if (auto l = default_layout(d.size())) v = ImportState::make_act(tensor, -1, *l, d);
    } catch (const Unmappable&) {
    }
    v.poisoned = true;
    st.set_out(n, v, o);
  }
}

// What a node's inputs are: any produced by no node (then recorded as an issue), broken,
// poisoned, batch-folded, activations, derived from a secondary input.
struct NodeInputs {
  bool broken = false, poisoned = false, folded = false, any_act = false, any_input = false;
  int batch_axis = 0;  // of the first activation input that does not have it first
};

NodeInputs scan_inputs(ImportState& st, const NodeProto& n) {
  NodeInputs r;
  for (const auto& i : n.input()) {
    if (i.empty()) continue;
    auto it = st.vals.find(i);
    if (it == st.vals.end()) {  // an input no node produced
      r.broken = true;
      st.add_issue(n.op_type(), st.node_name(n),
                   "input '" + i + "' is produced by no earlier node");
      break;
    }
    if (it->second.cat == Value::Cat::broken) r.broken = true;
    if (it->second.poisoned) r.poisoned = true;
    if (it->second.folded) r.folded = true;
    if (it->second.act()) r.any_act = true;
    if (it->second.act() && r.batch_axis == 0) r.batch_axis = it->second.batch_axis;
    if (it->second.from_input) r.any_input = true;
  }
  return r;
}

// Runs the op's handler (or frees a node of constants), recording what it cannot map.
void run_handler(ImportState& st, const NodeProto& n, const OnnxOp& op, const NodeInputs& in) {
  try {
    if (!in.any_act && op.free_on_constants())
      st.free_node(n, in.any_input);
    else
      op.handle(st, n);
    if (in.poisoned)
      for (const auto& o : n.output())
        if (st.vals.count(o)) st.vals[o].poisoned = true;
  } catch (const Unmappable& u) {
    if (u.op_level) {
      st.unsupported[n.op_type()].push_back(st.node_name(n));
      st.reason[n.op_type()] = u.why;
    } else if (!in.poisoned) {
      st.add_issue(n.op_type(), st.node_name(n), u.why);
    }
    placeholders(st, n);
  } catch (const std::exception& e) {  // a malformed node (a missing input, a bad attribute)
    if (!in.poisoned)
      st.add_issue(n.op_type(), st.node_name(n), std::string("cannot read the node: ") + e.what());
    placeholders(st, n);
  }
}

void visit(ImportState& st, const NodeProto& n) {
  st.nodes_by_name[st.node_name(n)] = &n;
  const std::string& op = n.op_type();
  const bool std_domain = n.domain().empty() || n.domain() == "ai.onnx";
  const NodeInputs in = scan_inputs(st, n);
  st.folded = in.folded;
  st.batch_axis = in.batch_axis;
  const OnnxOp* entry = OnnxOpRegistry::instance().find(op);
  if (!entry || !(std_domain || entry->any_domain())) {
    st.unsupported[std_domain ? op : n.domain() + "." + op].push_back(st.node_name(n));
    return placeholders(st, n);
  }
  if (in.broken) {
    Value b;
    b.cat = Value::Cat::broken;
    for (int o = 0; o < n.output_size(); ++o) st.set_out(n, b, o);
    return;
  }
  run_handler(st, n, *entry, in);
}

}  // namespace

void quiet_protobuf_log() {
  google::protobuf::SetLogHandler(&drop_protobuf_log);
}

void load(ImportState& st) {
  const std::string problem = base::input_file_problem(st.path, base::kMaxOnnxBytes, "2 GiB");
  if (!problem.empty()) throw ImportError(st.path + ": " + problem);
  const ModelBytes::Parsed parsed = st.bytes.parse(st.path, st.model);
  if (parsed == ModelBytes::Parsed::cannot_open) throw ImportError(st.path + ": cannot open file");
  if (parsed != ModelBytes::Parsed::ok)
    throw ImportError(st.path + ": not an ONNX model (the protobuf does not parse)");
  if (!st.model.has_graph() || st.model.graph().node_size() == 0)
    throw ImportError(st.path + ": the ONNX model has no graph nodes");
  for (const auto& o : st.model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") st.opset = o.version();
  for (int i = 0; i < st.model.graph().node_size(); ++i)
    check_node(st, st.model.graph().node(i), i);
  st.spec.file = st.path;
  st.spec.name = std::filesystem::path(st.path).stem().string();
  st.graph = st.model.mutable_graph();
}

void prepare_inputs(ImportState& st) {
  std::set<std::string> inits;
  for (const auto& t : st.graph->initializer()) inits.insert(t.name());
  std::vector<std::string> dynamic;
  for (auto& in : *st.graph->mutable_input()) {
    if (inits.count(in.name())) continue;
    if (!in.type().has_tensor_type() || !in.type().tensor_type().has_shape())
      throw ImportError(st.path + ": input '" + in.name() + "' has no tensor shape");
    auto* shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() < 2)
      throw ImportError(st.path + ": input '" + in.name() +
                        "' needs a batch dim and at least one more dim");
    const int batch_axis = st.input_names.empty() ? batch_dim(*shape) : 0;
    for (int d = 0; d < shape->dim_size(); ++d) {
      auto* dd = shape->mutable_dim(d);
      if (dd->has_dim_value() && dd->dim_value() > 0) continue;
      if (d == batch_axis) {
        dd->set_dim_value(1);
        continue;
      }
      dynamic.push_back("'" + in.name() + "' axis " + std::to_string(d) +
                        (dd->has_dim_param() ? " (" + dd->dim_param() + ")" : ""));
    }
    if (st.input_names.empty()) {
      st.batch = shape->dim(batch_axis).dim_value();
      st.input_batch_axis = batch_axis;
    }
    st.input_names.push_back(in.name());
  }
  if (st.input_names.empty()) throw ImportError(st.path + ": the model has no inputs");
  if (!dynamic.empty()) {
    std::string s;
    for (const auto& d : dynamic) s += (s.empty() ? "" : ", ") + d;
    throw ImportError(st.path + ": dynamic input dims other than the batch: " + s +
                      " (fix them to the simulated sizes before importing)");
  }
}

void infer(ImportState& st) {
  // Each round folds what the last inference exposed: a chain of blocks whose shape arithmetic
  // reads the block before takes rounds per block: Swin-T needs 16 at opset 17, 28 at opset 13.
  for (int round = 0; round < 256; ++round) {
    infer_once(st);
    if (!ShapeFolder(*st.graph, st.shapes).run()) break;
  }
}

void index(ImportState& st) {
  for (const auto& t : st.graph->initializer()) {
    Value v;
    v.init = &t;
    v.dims.assign(t.dims().begin(), t.dims().end());
    st.vals[t.name()] = v;
    st.consts[t.name()] = &t;
    st.shapes[t.name()] = v.dims;
    st.types[t.name()] = t.data_type();
  }
  for (const auto& n : st.graph->node())
    for (const auto& i : n.input())
      if (!i.empty()) ++st.use_counts[i];
  for (const auto& o : st.graph->output()) ++st.use_counts[o.name()];
  for (size_t i = 0; i < st.input_names.size(); ++i) {
    const std::string& name = st.input_names[i];
    if (i > 0) {  // a secondary input: masks, token types
      Value v;
      v.dims = st.shapes[name];
      v.from_input = true;
      st.vals[name] = v;
      continue;
    }
    Value v = model_input(st, name);
    st.spec.input = ir_shape(v.layout, v.dims);
    st.vals[name] = v;
  }
}

void walk(ImportState& st) {
  for (int i = 0; i < st.graph->node_size(); ++i) visit(st, st.graph->node(i));
  for (const auto& out : st.graph->output()) {
    auto it = st.vals.find(out.name());
    if (it != st.vals.end() && it->second.act() && it->second.tag != Tag::plain) {
      try {
        st.materialize(out.name());
      } catch (const Unmappable& u) {
        st.add_issue("output", out.name(), u.why);
      }
    }
  }
}

}  // namespace ncore::workload::onnx
