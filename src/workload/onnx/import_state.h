// What the ONNX importer's stages and op handlers share: the model, the inferred shapes, the
// Value of every tensor walked so far, the layers emitted and the errors collected, plus the
// helpers every op family uses (reading inputs as activations, emitting a layer, fusing into a
// producer). One ImportState per import; it holds pointers into its own model, so it is not
// copied. Leaves out the op-specific mappings (the family files) and the stages (importer.h).
#pragma once
#include <deque>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "workload/model_spec.h"
#include "workload/onnx/layout.h"
#include "workload/onnx/model_bytes.h"
#include "workload/onnx/tensor_data.h"

namespace ncore::workload::onnx {

// A supported op used in a way the IR cannot express: recorded as "Op (node n: why)".
struct Unmappable {
  std::string why;
  bool op_level = false;  // the op is not supported on activations at all (Concat, Split)
};

using LayerParams = std::vector<std::pair<std::string, ParamValue>>;

struct ImportState {
  explicit ImportState(std::string p) : path(std::move(p)) {}
  ImportState(const ImportState&) = delete;
  ImportState& operator=(const ImportState&) = delete;

  // ---- names, constants and shapes ----
  const std::string& node_name(const NodeProto& n) const;
  std::string origin(const NodeProto& n) const;  // "<path>: node <name>"
  std::string layer_name(const NodeProto& n);    // unique, without a leading '/'
  int uses(const std::string& tensor) const;
  // The values of a constant input (an initializer or a Constant node's output), if stored.
  std::optional<std::vector<double>> const_values(const std::string& tensor) const;
  std::optional<double> const_scalar(const std::string& tensor) const;
  // The inferred shape of a tensor (all dims known) or an Unmappable.
  Dims full_dims(const std::string& tensor) const;
  // Per-sample dims of an activation: dim 0 must be the batch (or 1, broadcast over it); in a
  // batch-folded view ([B * T, F], the current node reads one) dim 0 is B times the tokens.
  Dims sample_dims(const std::string& tensor) const;
  // The per-sample index of ONNX axis `axis` (negative from the end) of activation x, or an
  // Unmappable when it is the batch or out of range.
  size_t sample_axis(const Value& x, int64_t axis) const;

  // ---- values ----
  Value& val(const std::string& tensor) { return vals.at(tensor); }
  static Value make_act(const std::string& tensor, int layer, Layout layout, Dims dims);
  // The same IR tensor seen through a free op (Identity, a scale, a mask, a reshape).
  Value alias(const Value& v, const std::string& in_tensor) const;
  // A pending pattern value used as a plain activation: an elementwise layer named after the
  // node that started it (or an Unmappable for the reduced statistics of a LayerNorm).
  Value& materialize(const std::string& tensor);
  // A pending Pad (Tag::padded) as a pad layer: a copy with the border.
  Value pad_layer(const Value& v);
  // Input i of node n as a plain activation (pending patterns materialized), or nullptr when
  // it is free (or absent); need_act() throws instead.
  const Value* act_in(const NodeProto& n, int i);
  Value need_act(const NodeProto& n, int i);
  void set_out(const NodeProto& n, Value v, int out = 0);
  // Outputs that are free (constants, shapes, masks); a Constant's value is recorded.
  void free_node(const NodeProto& n, bool from_input);

  // ---- layers ----
  // A layer named after node n; its output is an activation with the given layout and dims.
  Value emit(const NodeProto& n, const std::string& kind, std::vector<std::string> inputs,
             LayerParams params, Layout layout, Dims dims);
  // Relu, Tanh, Gelu: a layer, fused into its producer by fuse_activations() when it can be.
  Value emit_activation(const NodeProto& n, const std::string& act, const Value& x);
  // A one-input elementwise layer applying `op` (unary_ops.h): a relu or gelu layer for those,
  // else the elementwise kind.
  Value emit_elementwise(const NodeProto& n, const std::string& op, const Value& x);
  // A one-input elementwise op (input i) as a relu-kind vector layer named after the node.
  void elementwise(const NodeProto& n, int i);
  Value layernorm_of(const NodeProto& n, const Value& x);
  // The layer producing v when nothing else reads its output (v read `n_uses` times by the node
  // or pattern about to fuse into it).
  LayerSpec* fusable_layer(const Value& v, const std::string& tensor, int n_uses = 1);
  void note_fused(LayerSpec& s, const NodeProto& n) { s.origin += " + " + node_name(n); }
  void note_weights(const Value& w);
  void add_issue(const std::string& op, const std::string& node, const std::string& why);

  std::string path;
  ModelBytes bytes;  // the mapped file: initializers' raw bytes left out of `model`
  ::onnx::ModelProto model;
  ::onnx::GraphProto* graph = nullptr;
  int64_t opset = 1;
  int64_t batch = 1;
  int input_batch_axis = 0;  // the model input's batch dim: 0, or a seq-first export's dynamic one
  bool folded = false;       // the node being visited reads a batch-folded view
  int batch_axis = 0;        // where the batch is in the dims of the node's activations (Value)
  std::vector<std::string> input_names;
  std::map<std::string, Dims> shapes;
  std::map<std::string, int32_t> types;
  std::map<std::string, const TensorProto*> consts;
  std::deque<TensorProto> owned;  // Constant nodes' values (consts points into it)
  std::map<std::string, int> use_counts;
  std::map<std::string, Value> vals;
  std::map<std::string, const NodeProto*> nodes_by_name;
  std::map<int, std::string> act_layers;  // activation layers (index -> relu, gelu, tanh)
  std::set<std::string> names{"input"};
  std::set<std::string> weight_types;
  std::vector<const TensorProto*> tables;  // the embeddings' tables, for tied weights
  ModelSpec spec;
  std::vector<Shape> expected;  // each layer's output shape as ONNX infers it
  std::map<std::string, std::vector<std::string>> unsupported;
  std::map<std::string, std::string> reason;  // why an op type is unsupported, if known
  std::vector<std::string> issues;

 private:
  void record_constant(const NodeProto& n);
};

// A layer's parameter by key, or nullptr; set_param replaces or appends.
// The elementwise function (unary_ops.h) of a one-input ONNX op with its default attributes, or
// "none" (a copy, at the same cost) for one the table has no function for.
std::string unary_op_of(const std::string& op_type);
const ParamValue* param(const LayerSpec& s, const std::string& key);
void set_param(LayerSpec& s, const std::string& key, ParamValue v);

}  // namespace ncore::workload::onnx
