// Small helpers of the Program (see program.h).
#include "planner/program.h"

namespace ncore::planner {

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

size_t Program::instructions() const {
  size_t n = 0;
  for (const auto& q : queues) n += q.size();
  return n;
}

}  // namespace ncore::planner
