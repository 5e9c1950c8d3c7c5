// Internal to src/config: readers from YAML into the plain structs, and their YAML emitters.
#pragma once
#include <string>

#include "config/hw_config.h"
#include "config/keys.h"
#include "config/yaml_reader.h"
#include "workload/graph.h"

namespace ncore::config {

HwConfig read_hw(MapReader r, const std::string& default_name);
void emit_hw(YAML::Emitter& out, const HwConfig& hw);

// Loads a model file (.yaml) into the graph IR, building each layer through the registry;
// `yaml_text` is the file's (read_yaml_text), `path` names it in messages and in Graph::file.
workload::Graph load_model(const std::string& path, const std::string& yaml_text);

}  // namespace ncore::config
