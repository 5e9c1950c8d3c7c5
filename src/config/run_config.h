// A run: a hardware description, a model, a compiled batch, a dtype and options
// (configs/runs/*.yaml). Loading resolves `hw` (a path relative to the run file, or an inline
// mapping) and `model` (a path relative to the run file), applies overrides (`--set key=value`,
// sweep axes) in the one dotted namespace of DESIGN.md, validates every key and loads the model.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/hw_config.h"
#include "workload/graph.h"
#include "workload/model_spec.h"

namespace ncore::config {

struct Options {
  bool allow_spill = true;      // false: a plan that does not fit is infeasible (exit 3)
  uint32_t prefetch_depth = 2;  // weight-block buffers: 2 = double buffering
  bool prefetch_fill = false;   // options.prefetch: fill: more buffers where the SBUF has room
  uint64_t client_batch = 0;    // dynamic batching: a client batch cut into compiled batches
  bool auto_order = true;       // false: every MatMul layer weight_stationary (options.order)
  bool in_place = true;         // an elementwise layer's output may take over a dying input's bytes
  bool static_weights = false;  // options.weights: static: loaded once, before the invocations
  bool functional = false;      // the engines also compute; checked against a direct reference
  uint32_t seed = 1;            // functional mode's data
};

// How the compiled model is spread over cores (issue 15; DESIGN.md "Chip deployments"):
// `single`, one core with its `dram` share (today's runs); `data_parallel`, `cores` copies of
// the model, one per core, started together, their DMA queues contending in their chip's shared
// DRAM (the hardware file's `chip` block); `pipeline`, the model cut into `cores` contiguous
// stages, one per core (NeuronCore Pipeline), `invocations` of it in flight.
enum class DeploymentMode { single, data_parallel, pipeline };

struct Deployment {
  DeploymentMode mode = DeploymentMode::single;
  uint32_t cores = 1;
  uint32_t invocations = 0;  // pipeline: invocations simulated (0: 2 x cores + 2)
  uint32_t replicas = 1;     // pipeline: copies of the `cores`-stage pipeline`
};

struct RunConfig {
  std::string run_file;    // as given
  std::string hw_file;     // "" when inline
  std::string model_file;  // resolved path
  HwConfig hw;
  workload::Graph model;
  uint64_t batch = 1;
  workload::DType dtype = workload::DType::fp16;
  // The dtype of the model's inputs and outputs as the host sends and receives them (`io_dtype`,
  // default `dtype`): an FP32 model compiled with its matmuls auto-cast to BF16 still returns
  // FP32 tensors. Only the host transfers use it.
  workload::DType io_dtype = workload::DType::fp16;
  Options options;
  Deployment deployment;
  // A decoder's `phase`, `sequence` and `context` (issue 16); `model` is built for it.
  workload::Variant variant;
};

// One override: a dotted key of the run namespace, its value as YAML text, and where it came
// from for messages ("--set batch=4", or "configs/sweeps/x.yaml:6:12").
struct Override {
  std::string key;
  std::string value;
  std::string origin;
};

RunConfig load_run(const std::string& path, const std::vector<Override>& overrides = {});

// Loads a model file on its own: a model YAML, an ONNX file or a SCALE-Sim CSV (by extension).
// A YAML model is built for `variant` (a decoder's phase, sequence and context; model_loader).
workload::Graph load_model_file(const std::string& path, const workload::Variant& variant = {});

// `ncoresim import`: an ONNX file or SCALE-Sim CSV as a ModelSpec, and the spec as model YAML.
workload::ModelSpec import_model_file(const std::string& path);
std::string model_yaml(const workload::ModelSpec& spec);

// Parses "key=value" from the command line.
Override parse_set(const std::string& arg);

// The fully resolved configuration as YAML: every default filled in, base units, the hardware
// inline and the model path relative to `out_dir`, so the folder alone reproduces the run.
std::string resolved_yaml(const RunConfig& rc, const std::string& out_dir);

// The value of one dotted key in resolved_yaml (base units, as text), or "" for a mapping.
std::string resolved_value(const RunConfig& rc, const std::string& key, const std::string& out_dir);

}  // namespace ncore::config
