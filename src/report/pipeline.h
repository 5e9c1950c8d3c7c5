// summary.json of a NeuronCore Pipeline (issue 15): per-invocation figures of the whole
// deployment (every replica's one invocation) from each stage core's counters (summed over
// `invocations` passes), the period the steady state showed, and the `deployment` block with its
// stages. `stages`: every core's, replica by replica (deployment.cores stages each).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/stats.h"
#include "config/run_config.h"
#include "isa/program.h"

namespace ncore::report {

struct StageResult {
  std::string first_layer, last_layer;
  uint32_t chip = 0;
  double seconds = 0;          // its mean pass (one invocation) over the second half
  double planned_seconds = 0;  // the cut's estimate of it
  uint64_t weight_bytes = 0;
  bool static_weights = false;
  const isa::Program* program = nullptr;
  const base::Stats* stats = nullptr;
};

struct PipelineTiming {
  uint32_t invocations = 0, chips = 0;
  uint64_t first_cycles = 0;  // replica 0's invocation 0, first instruction to last
  // per replica: the slowest stage's mean completion interval over the second half
  std::vector<double> replica_periods;
};

nlohmann::ordered_json pipeline_summary(const config::RunConfig& rc,
                                        const std::vector<StageResult>& stages,
                                        const PipelineTiming& t);

}  // namespace ncore::report
