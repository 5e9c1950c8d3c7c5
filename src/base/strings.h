// String helpers shared by error messages and reports.
#pragma once
#include <sstream>
#include <string>

namespace ncore::base {

// The items of a range, each streamed with operator<<, separated by `sep`: join({1, 2}) = "1, 2".
template <class Range>
std::string join(const Range& items, const std::string& sep = ", ") {
  std::ostringstream out;
  bool first = true;
  for (const auto& i : items) {
    if (!first) out << sep;
    out << i;
    first = false;
  }
  return out.str();
}

}  // namespace ncore::base
