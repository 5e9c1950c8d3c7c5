// The name of each traffic class: the one source for stats counters and every output.
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
  }
  return "?";
}

}  // namespace ncore::isa
