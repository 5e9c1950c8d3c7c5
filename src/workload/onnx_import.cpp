// ONNX import: not written yet (a placeholder so the build links; see importers.h).
#include <onnx/onnx_pb.h>

#include "workload/importers.h"

namespace ncore::workload {

ModelSpec import_onnx(const std::string& path) {
  throw ImportError(path + ": ONNX import is not implemented yet");
}

}  // namespace ncore::workload
