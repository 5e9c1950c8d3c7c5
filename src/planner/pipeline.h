// The NeuronCore Pipeline cut (issue 15): a model split into contiguous stages, one per core,
// balanced by the planner's own estimate of each layer's engine time (estimate_cycles under the
// lowering it would choose), then each stage planned on its own (workload::subgraph): its
// weights are static (options.weights: static, kept in SBUF, no weight traffic per inference)
// when they fit beside the stage's activations without spilling, else they stream as usual.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/hw_config.h"
#include "config/run_config.h"
#include "isa/program.h"
#include "workload/graph.h"
#include "workload/subgraph.h"

namespace ncore::planner {

struct StagePlan {
  size_t first = 0, last = 0;  // the model's layers [first, last]
  uint64_t est_cycles = 0;     // the planner's estimate of its engine time (core cycles)
  uint64_t weight_bytes = 0;   // its parameters' bytes (dense: embedding tables stay in DRAM)
  bool static_weights = false;
  // The planned SBUF peak with static weights, and how far it is beyond capacity (0: fits).
  uint64_t static_peak = 0, static_shortfall = 0;
  workload::Subgraph sub;  // the stage as a model of its own
};

// Cuts g into `stages` contiguous non-empty stages (1 <= stages <= layers; else PlanError) so
// that the largest stage's estimate is the least possible (ties: the earliest cuts), and
// decides each stage's static weights at `batch` on `hw` (planner_view applied here).
std::vector<StagePlan> cut_pipeline(const workload::Graph& g, const config::HwConfig& hw,
                                    uint64_t batch, workload::DType dtype,
                                    const config::Options& opt, uint32_t stages);

// A stage ready to run: its cut (with itself as a model) and its program (static weights where
// its plan says so; streaming, and spilling if need be, elsewhere).
struct StageProgram {
  StagePlan plan;
  isa::Program program;
};
std::vector<StageProgram> plan_pipeline(const workload::Graph& g, const config::HwConfig& hw,
                                        uint64_t batch, workload::DType dtype,
                                        const config::Options& opt, uint32_t stages,
                                        bool trace = false);

}  // namespace ncore::planner
