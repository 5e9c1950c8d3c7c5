// Stages of a model (see subgraph.h).
#include "workload/subgraph.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

namespace ncore::workload {

Subgraph subgraph(const Graph& g, size_t first, size_t last) {
  if (first > last || last >= g.layers.size()) throw std::logic_error("subgraph: bad layer range");
  const int lo = static_cast<int>(first) + 1;  // the stage's first own tensor id
  const int hi = static_cast<int>(last) + 1;
  Subgraph s;
  for (size_t l = first; l <= last; ++l)
    for (int t : g.layers[l].inputs)
      if (t < lo && std::find(s.inputs.begin(), s.inputs.end(), t) == s.inputs.end())
        s.inputs.push_back(t);
  std::sort(s.inputs.begin(), s.inputs.end());
  s.externals = s.inputs.empty() ? 0 : s.inputs.size() - 1;
  Graph& sg = s.graph;
  sg.name = g.name + "[" + std::to_string(first) + ".." + std::to_string(last) + "]";
  sg.file = g.file;
  std::map<int, int> id;  // model tensor id -> stage tensor id
  sg.input = s.inputs.empty() ? g.input : g.tensor_shape(s.inputs.front());
  if (!s.inputs.empty()) id[s.inputs.front()] = 0;
  for (size_t k = 1; k < s.inputs.size(); ++k) {
    const int t = s.inputs[k];
    Layer ext;
    ext.name = (t == 0 ? std::string("input") : g.layers[static_cast<size_t>(t - 1)].name) + ".in";
    ext.kind = "external";
    ext.inputs = {0};
    ext.in_shapes = {sg.input};
    ext.out = g.tensor_shape(t);
    ext.external = true;
    sg.layers.push_back(ext);
    id[t] = static_cast<int>(sg.layers.size());
  }
  for (size_t l = first; l <= last; ++l) {
    Layer copy = g.layers[l];
    for (int& t : copy.inputs) t = id.at(t);
    sg.layers.push_back(std::move(copy));
    id[static_cast<int>(l) + 1] = static_cast<int>(sg.layers.size());
  }
  // Needed later: read by a layer after the stage, or one of the model's outputs.
  std::vector<bool> needed(g.layers.size() + 1, false);
  for (size_t l = last + 1; l < g.layers.size(); ++l)
    for (int t : g.layers[l].inputs) needed[static_cast<size_t>(t)] = true;
  for (int t : g.outputs()) needed[static_cast<size_t>(t)] = true;
  for (int t = lo; t <= hi; ++t)
    if (needed[static_cast<size_t>(t)]) {
      s.outputs.push_back(t);
      sg.named_outputs.push_back(id.at(t));
    }
  return s;
}

}  // namespace ncore::workload
