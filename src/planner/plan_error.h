// The planner's one error: a valid input it cannot plan (tensors beyond 2^56 bytes, or a program
// too large to simulate). The cli reports it as a bad input (exit 2).
#pragma once
#include <stdexcept>
#include <string>

namespace ncore::planner {

class PlanError : public std::runtime_error {
 public:
  explicit PlanError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace ncore::planner
