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

// A `dram` section (the core's, or the chip's), read and finished, and its keys written into the
// caller's open mapping.
DramConfig read_dram(MapReader r);
void write_dram(YAML::Emitter& out, const DramConfig& d);

// The `chip` block (chip_config.cpp), read after the core's sections (`host` is the core's: the
// chip's host link defaults to cores x its link_bandwidth), and written back.
ChipConfig read_chip(MapReader r, const HostConfig& host);
void emit_chip(YAML::Emitter& out, const ChipConfig& chip);

// Loads a model file (.yaml) into the graph IR, building each layer through the registry;
// `yaml_text` is the file's (read_yaml_text), `path` names it in messages and in Graph::file.
// `variant` (a decoder's phase, sequence, context) is applied as model_loader.cpp says; the
// caller checks it against the model (run_config.cpp: its errors name the run file's keys).
workload::Graph load_model(const std::string& path, const std::string& yaml_text,
                           const workload::Variant& variant = {});

}  // namespace ncore::config
