// Importers of models researchers already have: ONNX files and SCALE-Sim topology CSVs. Each
// returns a ModelSpec (see model_spec.h) or throws ImportError naming the file and node/row.
#pragma once
#include <string>

#include "workload/model_spec.h"

namespace ncore::workload {

// SCALE-Sim topology CSV, conv form (Layer name, IFMAP Height, IFMAP Width, Filter Height,
// Filter Width, Channels, Num Filter, Strides) or GEMM form (Layer, M, N, K).
ModelSpec import_scalesim(const std::string& path);

// An ONNX model (libonnx with its shape inference): supported ops mapped onto the layer kinds.
ModelSpec import_onnx(const std::string& path);

}  // namespace ncore::workload
