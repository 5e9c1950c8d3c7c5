// The one error type of src/config: a message already in the form
// `file:line:col: dotted.key: what is wrong` (STYLE.md section 7). The cli prints it and exits 2.
#pragma once
#include <stdexcept>
#include <string>

namespace ncore::config {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace ncore::config
