// `ncoresim inspect`: a model's layers with their output shapes, MACs, parameters, activation
// bytes and operational intensity (MACs per byte, each layer alone at batch 1 with its
// parameters, inputs and output all from DRAM: embedding rows read, not tables), and the totals.
#pragma once
#include <string>

#include "workload/graph.h"

namespace ncore::report {

std::string inspect_text(const workload::Graph& g, workload::DType dtype);

}  // namespace ncore::report
