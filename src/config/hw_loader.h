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

// Loads a model file (.yaml) into the graph IR, building each layer through the registry.
workload::Graph load_model(const std::string& path);

}  // namespace ncore::config
