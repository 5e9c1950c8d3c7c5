// A contiguous run of a model's layers as a model of its own: a NeuronCore Pipeline stage
// (issue 15). What the stage reads from earlier layers arrives from outside it: the first such
// tensor becomes the stage's input (tensor 0), the others `external` layers ahead of its own
// (class io, as SCALE-Sim layers read their IFMAPs); what later layers or the model's outputs
// need from it are its outputs.
#pragma once
#include <cstddef>
#include <vector>

#include "workload/graph.h"

namespace ncore::workload {

struct Subgraph {
  Graph graph;
  std::vector<int> inputs;   // the model's tensor ids the stage reads from before `first`
  std::vector<int> outputs;  // the model's tensor ids of the stage that are needed after `last`
  size_t externals = 0;      // external layers ahead of the stage's own (inputs.size() - 1, or 0)
};

// Layers [first, last] of g (first <= last < g.layers.size()) as a graph named
// "<g.name>[first..last]".
Subgraph subgraph(const Graph& g, size_t first, size_t last);

}  // namespace ncore::workload
