// The ONNX import's stages after the walk (importer.h): the one error listing every unsupported
// op, fusing activation layers into their producers, a topological order, the YAML header line
// and the check of each layer's shape against ONNX's inference. No op-specific rules here.
#include <algorithm>
#include <filesystem>

#include "workload/layer_kind.h"
#include "workload/onnx/importer.h"

namespace ncore::workload::onnx {

void report_issues(const ImportState& st) {
  if (st.unsupported.empty() && st.issues.empty()) return;
  std::string msg;
  for (const auto& [op, nodes] : st.unsupported) {
    msg += (msg.empty() ? "" : ", ") + op + (nodes.size() == 1 ? " (node " : " (nodes ");
    for (size_t i = 0; i < nodes.size() && i < 10; ++i) msg += (i ? ", " : "") + nodes[i];
    if (nodes.size() > 10) msg += " and " + std::to_string(nodes.size() - 10) + " more";
    auto r = st.reason.find(op);
    msg += (r == st.reason.end() ? "" : ": " + r->second) + ")";
  }
  for (const auto& i : st.issues) msg += (msg.empty() ? "" : ", ") + i;
  throw ImportError(st.path + ": unsupported ops: " + msg);
}

std::string source_note(const ImportState& st) {
  std::string note = "imported by ncoresim import from the ONNX model " +
                     std::filesystem::path(st.path).filename().string();
  if (!st.model.producer_name().empty())
    note += " (" + st.model.producer_name() +
            (st.model.producer_version().empty() ? "" : " " + st.model.producer_version()) +
            ", opset " + std::to_string(st.opset) + ")";
  note += ": " + std::to_string(st.graph->node_size()) + " nodes, " +
          std::to_string(st.spec.layers.size()) + " layers";
  if (!st.weight_types.empty()) {
    note += "; weights";
    for (const auto& t : st.weight_types) note += " " + t;
  }
  return note;
}

namespace {

// The IR tensors the ONNX graph also outputs.
std::set<std::string> graph_outputs(const ImportState& st) {
  std::set<std::string> outputs;
  for (const auto& o : st.graph->output()) {
    auto it = st.vals.find(o.name());
    if (it != st.vals.end() && it->second.act()) outputs.insert(it->second.tensor);
  }
  return outputs;
}

// The layers not dropped, their inputs renamed.
void drop_layers(ImportState& st, const std::vector<bool>& drop,
                 std::map<std::string, std::string>& rename) {
  std::vector<LayerSpec> kept;
  std::vector<Shape> expected;
  for (size_t i = 0; i < st.spec.layers.size(); ++i) {
    if (drop[i]) continue;
    LayerSpec l = st.spec.layers[i];
    for (auto& in : l.inputs)
      if (rename.count(in)) in = rename[in];
    kept.push_back(std::move(l));
    expected.push_back(st.expected[i]);
  }
  st.spec.layers = std::move(kept);
  st.expected = std::move(expected);
}

}  // namespace

void fuse_activations(ImportState& st) {
  std::map<std::string, int> index, refs;
  for (size_t i = 0; i < st.spec.layers.size(); ++i) {
    index[st.spec.layers[i].name] = static_cast<int>(i);
    for (const auto& in : st.spec.layers[i].inputs) ++refs[in];
  }
  const std::set<std::string> outputs = graph_outputs(st);
  std::map<std::string, std::string> rename;
  std::vector<bool> drop(st.spec.layers.size(), false);
  for (const auto& [i, act] : st.act_layers) {
    LayerSpec& l = st.spec.layers[static_cast<size_t>(i)];
    auto it = index.find(l.inputs.at(0));
    if (it == index.end()) continue;  // the model input
    LayerSpec& p = st.spec.layers[static_cast<size_t>(it->second)];
    const LayerKind* kind = LayerRegistry::instance().find(p.kind);
    const bool takes = kind && kind->flags.fuses_activation;
    if (!takes || param(p, "activation") || refs[p.name] != 1 || outputs.count(p.name)) continue;
    set_param(p, "activation", ParamValue::of(act));
    p.origin += " + " + l.origin.substr(st.path.size() + 7);  // "<path>: node "
    drop[static_cast<size_t>(i)] = true;
    rename[l.name] = p.name;
  }
  drop_layers(st, drop, rename);
}

void sort_layers(ImportState& st) {
  const size_t n = st.spec.layers.size();
  std::vector<bool> placed(n, false);
  std::set<std::string> ready{"input"};
  std::vector<LayerSpec> layers;
  std::vector<Shape> expected;
  size_t first = 0;
  while (layers.size() < n) {
    size_t i = first;
    for (; i < n; ++i) {
      if (placed[i]) continue;
      const auto& ins = st.spec.layers[i].inputs;
      if (std::all_of(ins.begin(), ins.end(), [&](const auto& x) { return ready.count(x); })) break;
    }
    if (i == n) return;  // a cycle: left to build_graph's message
    placed[i] = true;
    ready.insert(st.spec.layers[i].name);
    layers.push_back(st.spec.layers[i]);
    expected.push_back(st.expected[i]);
    while (first < n && placed[first]) ++first;
  }
  st.spec.layers = std::move(layers);
  st.expected = std::move(expected);
}

void check_shapes(const ImportState& st) {
  const Graph g = build_graph(st.spec);
  std::string bad;
  for (size_t i = 0; i < g.layers.size(); ++i)
    if (!(g.layers[i].out == st.expected[i]))
      bad += (bad.empty() ? "" : ", ") + st.spec.layers[i].origin.substr(st.path.size() + 2) +
             " gives " + g.layers[i].out.str() + " where ONNX infers " + st.expected[i].str();
  if (!bad.empty()) throw ImportError(st.path + ": imported layers with the wrong shape: " + bad);
}

}  // namespace ncore::workload::onnx
