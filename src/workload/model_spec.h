// A model as a list of layer specifications (name, kind, input names, keys): what importers
// (ONNX, SCALE-Sim CSV) produce. build_graph() turns it into the graph IR through the same layer
// registry as the YAML loader, so an imported model simulates like its YAML twin; src/config
// writes it out as a model YAML file (`ncoresim import`).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "workload/graph.h"

namespace ncore::workload {

// A bad or unsupported imported model: one message naming the file and node(s). Exit code 2.
class ImportError : public std::runtime_error {
 public:
  explicit ImportError(const std::string& what) : std::runtime_error(what) {}
};

struct ParamValue {
  enum class Type { integer, list, boolean, text } type = Type::integer;
  int64_t integer = 0;
  std::vector<int64_t> list;
  bool boolean = false;
  std::string text;

  static ParamValue of(int64_t v) { return ParamValue{Type::integer, v, {}, false, {}}; }
  static ParamValue of(std::vector<int64_t> v) {
    return ParamValue{Type::list, 0, std::move(v), false, {}};
  }
  static ParamValue flag(bool v) { return ParamValue{Type::boolean, 0, {}, v, {}}; }
  static ParamValue of(std::string v) { return ParamValue{Type::text, 0, {}, false, std::move(v)}; }
};

struct LayerSpec {
  std::string name;
  std::string kind;
  std::vector<std::string> inputs;  // tensor names: "input" or earlier layers
  std::vector<std::pair<std::string, ParamValue>> params;
  std::string origin;  // where it came from, for messages ("model.onnx: node /conv1/Conv")
};

struct ModelSpec {
  std::string name;
  std::string file;
  std::string source_note;  // a line for the YAML header: what it was imported from
  Shape input;
  std::vector<LayerSpec> layers;
  // A decoder-only language model (`import --decoder N`): the model file's `decoder: true` and
  // `max_context: N` (0: not a decoder).
  uint64_t max_context = 0;
};

// Builds the graph; a key a kind rejects throws ImportError("<origin>: <key>: <message>").
Graph build_graph(const ModelSpec& spec);

}  // namespace ncore::workload
