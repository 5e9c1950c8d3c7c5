// The name of each traffic class: the one source for the DMA queues' stats counters and every
// output that names a class.
#include "isa/instr.h"

namespace ncore::isa {

const char* traffic_class_name(TrafficClass c) {
  switch (c) {
    case TrafficClass::weights:
      return "weights";
    case TrafficClass::io:
      return "io";
    case TrafficClass::spill:
      return "spill";
    case TrafficClass::kv:
      return "kv";
  }
  return "?";
}

const char* compute_engine_name(ComputeEngine e) {
  switch (e) {
    case ComputeEngine::tensor:
      return "tensor";
    case ComputeEngine::vector:
      return "vector";
    case ComputeEngine::scalar:
      return "scalar";
    case ComputeEngine::gpsimd:
      return "gpsimd";
  }
  return "?";
}

}  // namespace ncore::isa
